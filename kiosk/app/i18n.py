"""UI string catalogs (assets/i18n/<lang>.json) and lookup.

Every string a resident sees comes from a catalog; a key missing in one language is a
bug caught by tests/ui/test_ui_catalogs.py, and at run time falls back to Simplified
Chinese rather than showing a key.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from kiosk.core.languages import FALLBACK, LANGUAGES

ASSETS = Path(__file__).resolve().parent.parent.parent / "assets"
CATALOG_DIR = ASSETS / "i18n"


class CatalogError(Exception):
    """A catalog file is missing or malformed."""


@lru_cache(maxsize=None)
def catalog(lang: str) -> dict[str, str]:
    """The flat key → string table of *lang*."""
    if lang not in LANGUAGES:
        raise CatalogError(f"unknown language {lang!r} (expected one of {', '.join(LANGUAGES)})")
    path = CATALOG_DIR / f"{lang}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogError(f"string catalog {path} is missing") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise CatalogError(f"string catalog {path} is not valid UTF-8 JSON: {e}") from None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise CatalogError(f"string catalog {path} must be one JSON object of strings")
    return data


def tr(key: str, lang: str, **fmt) -> str:
    """The string *key* in *lang* (falling back to zh-CN), formatted with *fmt*."""
    text = catalog(lang).get(key)
    if text is None:
        text = catalog(FALLBACK).get(key, key)
    return text.format(**fmt) if fmt else text
