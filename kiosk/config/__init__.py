"""The configuration layer: one TOML file, validated into a tree of frozen records
(:mod:`kiosk.config.tree`), each section's record in its own module here. The loader's
functions are this package's API: ``kiosk.config.load(path)`` (docs/config.md)."""

from kiosk.config.loader import ENV_VAR, ConfigError, all_keys, finish, from_dict, load, resolve_path
from kiosk.config.tree import Config

__all__ = ["ENV_VAR", "Config", "ConfigError", "all_keys", "finish", "from_dict", "load", "resolve_path"]
