"""Every config key is read by code that acts on it, not only validated and documented.

A key only ever touched inside its section's ``validate()`` / ``resolve_paths()`` is a
key the kiosk ignores: docs/config.md would then promise something untrue. This is the
static half; behavioural tests (e.g. tests/ui/test_ui_config_keys.py) set non-default
values and observe their effect.
"""

from __future__ import annotations

import ast
import dataclasses
import typing
from pathlib import Path

from kiosk import config as configmod
from kiosk.config.tree import Config

ROOT = Path(__file__).resolve().parents[2]
NOT_USES = {"validate", "resolve_paths", "__post_init__"}
# Keys documented ahead of the code that will read them, each with who wires it in. The
# test fails when one of these becomes read too, so the list only shrinks.
NOT_YET_READ: dict[str, str] = {}


def _reads() -> set[str]:
    """Attribute names read anywhere in kiosk/ and drivers/, outside the checks of a section."""
    names: set[str] = set()
    for top in ("kiosk", "drivers"):
        for p in (ROOT / top).rglob("*.py"):
            tree = ast.parse(p.read_text(encoding="utf-8"))
            skip = {id(n) for f in ast.walk(tree)
                    if isinstance(f, ast.FunctionDef) and f.name in NOT_USES for n in ast.walk(f)}
            names |= {n.attr for n in ast.walk(tree)
                      if isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Load) and id(n) not in skip}
            names |= {n.args[1].value for n in ast.walk(tree)   # getattr(settings, "key", default)
                      if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "getattr"
                      and len(n.args) >= 2 and isinstance(n.args[1], ast.Constant) and id(n) not in skip}
        for p in (ROOT / top).rglob("*.kv"):
            names |= set(p.read_text(encoding="utf-8").replace("(", " ").replace(")", " ")
                         .replace(",", " ").split("."))
    return names


def _sections():
    hints = typing.get_type_hints(Config)
    for f in dataclasses.fields(Config):
        yield f.name, hints[f.name]


def test_every_config_key_is_read_outside_its_checks():
    reads = _reads()
    unread = []
    for section, cls in _sections():
        for f in dataclasses.fields(cls):
            if f.init and f.name not in reads:
                unread.append(f"{section}.{f.name}")
    missing = [k for k in unread if k not in NOT_YET_READ]
    assert not missing, "documented keys nothing reads (remove them or honour them): " + ", ".join(missing)
    done = sorted(set(NOT_YET_READ) - set(unread))
    assert not done, f"now read, take them off NOT_YET_READ: {done}"


def test_the_key_list_matches_the_sections():
    keys = configmod.all_keys()
    assert "camera.max_photos" in keys and "scanner.max_pages" in keys and "asr.preload" in keys
    assert not any(k.startswith("ui.max_") for k in keys), "ui.* duplicates of camera/scanner/asr keys"
