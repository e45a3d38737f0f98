"""Load and validate the kiosk's single TOML configuration file.

The configuration is a tree of frozen dataclasses. Each capability owns one section
(``[station]``, ``[submission]``, ``[storage]``, ``[sync]`` …) declared in its own
``settings`` module; this module only knows how to read TOML into that tree and how
to say precisely what is wrong with it.

Errors always name the file, the dotted key and what was expected, because the person
reading them is a maintainer with a laptop at a kiosk, not the author of the code.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import types
import typing
from pathlib import Path
from typing import Any

from kiosk.core import fsutil
from kiosk.config.tree import Config

ENV_VAR = "KIOSK_CONFIG"


class ConfigError(Exception):
    """The configuration file is missing, unreadable or invalid.

    ``str(err)`` is a complete sentence naming the file, the key and what is expected.
    """

    def __init__(self, path: Path | None, key: str | None, problem: str):
        self.path = path
        self.key = key
        self.problem = problem
        where = str(path) if path else "<defaults>"
        if key:
            where += f": {key}"
        super().__init__(f"{where}: {problem}")


def resolve_path(explicit: str | os.PathLike | None) -> Path | None:
    """Which config file to read: ``--config`` wins, then ``$KIOSK_CONFIG``, else none."""
    if explicit:
        return Path(explicit)
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else None


def load(path: str | os.PathLike | None = None, *, check_files: bool = True) -> Config:
    """Read and validate the config file at *path* (or the defaults when None).

    Relative paths inside the file are resolved against the file's own directory.
    With *check_files* (the default) the files a section names (token files, the CA
    bundle) are checked too; the commands that do not use them load without, so a
    broken sync setup stops the sync daemon, not the touchscreen app (docs/config.md).
    """
    if path is None:
        return finish(Config(), None, check_files=check_files)
    path = Path(path)
    try:
        raw = tomllib.loads(fsutil.read_regular_file(path).decode("utf-8"))
    except FileNotFoundError:
        raise ConfigError(path, None, "file not found") from None
    except fsutil.NotRegularFileError as e:
        raise ConfigError(path, None, f"is {e.strerror}; the config must be a plain file") from None
    except UnicodeDecodeError as e:
        raise ConfigError(path, None, f"not UTF-8 text ({e.reason})") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(path, None, f"not valid TOML: {e}") from None
    except OSError as e:
        raise ConfigError(path, None, f"cannot read: {e.strerror}") from None
    return from_dict(raw, path, check_files=check_files)


def from_dict(raw: dict, path: Path | None = None, *, check_files: bool = True) -> Config:
    """Build a validated :class:`Config` from parsed TOML (used by tests and sync)."""
    cfg = build(Config, raw, "", path)
    return finish(cfg, path, check_files=check_files)


def finish(cfg: Config, path: Path | None, *, check_files: bool = True) -> Config:
    """Run every section's cross-field checks, resolve relative paths, then check the
    files a section names (``check_files``, which sees the resolved paths)."""
    base = path.parent if path else Path.cwd()
    for f in dataclasses.fields(cfg):
        section = getattr(cfg, f.name)
        _run_check(getattr(section, "validate", None), path, f.name)
        resolve = getattr(section, "resolve_paths", None)
        if resolve is not None:
            section = resolve(base)
            object.__setattr__(cfg, f.name, section)
        if check_files:
            _run_check(getattr(section, "check_files", None), path, f.name)
    return cfg


def _run_check(check, path: Path | None, section: str) -> None:
    """Call a section's check; its ValueError ("key: problem") becomes a ConfigError."""
    if check is None:
        return
    try:
        check()
    except ValueError as e:
        key, _, problem = str(e).partition(": ")
        raise ConfigError(path, f"{section}.{key}", problem) from None


def describe(tp: Any) -> str:
    """Human name of an annotation, for error messages."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(describe(a) for a in typing.get_args(tp))
    if origin is list:
        (inner,) = typing.get_args(tp)
        return f"a list of {describe(inner)}"
    if origin is dict:
        _, inner = typing.get_args(tp)
        return f"a table of {describe(inner)}"
    if dataclasses.is_dataclass(tp):
        return "a table"
    return {str: "a string", int: "an integer", float: "a number", bool: "true or false",
            type(None): "nothing"}.get(tp, getattr(tp, "__name__", str(tp)))


def build(tp: Any, value: Any, key: str, path: Path | None) -> Any:
    """Convert parsed TOML *value* at dotted *key* into the annotated type *tp*."""
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise ConfigError(path, key or None, f"expected a table, got {type(value).__name__}")
        hints = typing.get_type_hints(tp)
        fields = {f.name: f for f in dataclasses.fields(tp) if f.init}
        unknown = sorted(set(value) - set(fields))
        if unknown:
            name = f"{key}.{unknown[0]}" if key else unknown[0]
            raise ConfigError(path, name, "unknown key (expected one of: "
                              + ", ".join(sorted(fields)) + ")")
        kwargs = {}
        for name, v in value.items():
            kwargs[name] = build(hints[name], v, f"{key}.{name}" if key else name, path)
        try:
            return tp(**kwargs)
        except ValueError as e:  # __post_init__ checks of one table
            sub, _, problem = str(e).partition(": ")
            raise ConfigError(path, f"{key}.{sub}" if key else sub, problem) from None
    if origin in (typing.Union, types.UnionType):
        for alt in typing.get_args(tp):
            try:
                return build(alt, value, key, path)
            except ConfigError:
                continue
        raise ConfigError(path, key, f"expected {describe(tp)}, got {value!r}")
    if origin is list:
        if not isinstance(value, list):
            raise ConfigError(path, key, f"expected {describe(tp)}, got {value!r}")
        (inner,) = typing.get_args(tp)
        return tuple(build(inner, v, f"{key}[{i}]", path) for i, v in enumerate(value))
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(path, key, f"expected {describe(tp)}, got {value!r}")
        _, inner = typing.get_args(tp)
        return {k: build(inner, v, f"{key}.{k}", path) for k, v in value.items()}
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if tp is type(None):
        raise ConfigError(path, key, "expected nothing")
    # bool is a subclass of int: refuse `limit = true` where a number is meant.
    if isinstance(value, tp) and not (tp is int and isinstance(value, bool)):
        return value
    raise ConfigError(path, key, f"expected {describe(tp)}, got {value!r}")


def all_keys(tp: Any = Config, prefix: str = "") -> list[str]:
    """Every dotted key a config file may set (for the documentation test)."""
    out = []
    hints = typing.get_type_hints(tp)
    for f in dataclasses.fields(tp):
        if not f.init:
            continue
        name = f"{prefix}{f.name}"
        inner = hints[f.name]
        if typing.get_origin(inner) is list:
            (inner,) = typing.get_args(inner)
        if dataclasses.is_dataclass(inner):
            out.extend(all_keys(inner, name + "."))
        else:
            out.append(name)
    return out
