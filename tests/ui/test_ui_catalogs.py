"""String catalogs: every key in all three languages, every key the UI uses exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kiosk.app import i18n

UI = Path(i18n.__file__).resolve().parent
# app.t('key' ...), self.app.t("key" ...), tr("key", ...), self._tr("key")
USE = re.compile(r"""\b(?:t|tr|_tr)\(\s*['"]([a-z_]+\.[a-z_]+)['"]""")


def used_keys() -> set[str]:
    keys = set()
    for f in list(UI.rglob("*.py")) + list(UI.rglob("*.kv")):
        keys |= set(USE.findall(f.read_text(encoding="utf-8")))
    return keys


def test_ui_catalogs_have_the_same_keys():
    base = set(i18n.catalog("zh-CN"))
    for lang in i18n.LANGUAGES:
        keys = set(i18n.catalog(lang))
        assert keys == base, f"{lang}: missing {sorted(base - keys)}, extra {sorted(keys - base)}"
        empty = [k for k, v in i18n.catalog(lang).items() if not v.strip()]
        assert not empty, f"{lang}: empty strings {empty}"


def test_ui_every_used_key_is_in_the_catalogs():
    used = used_keys()
    assert len(used) > 60, "the key scanner found suspiciously few keys"
    missing = sorted(used - set(i18n.catalog("zh-CN")))
    assert not missing, f"keys used in kiosk/app but missing from the catalogs: {missing}"


def test_ui_placeholders_match_across_languages():
    ph = re.compile(r"\{(\w+)\}")
    base = i18n.catalog("zh-CN")
    for lang in i18n.LANGUAGES:
        for k, v in i18n.catalog(lang).items():
            assert set(ph.findall(v)) == set(ph.findall(base[k])), f"{lang} {k}: placeholders differ"


def test_ui_chinese_catalogs_are_chinese():
    assert i18n.tr("home.speak", "zh-CN") == "说" and i18n.tr("home.speak", "zh-TW") == "說"
    assert i18n.tr("home.speak", "en") == "Speak"
    assert i18n.tr("voice.elapsed", "zh-CN", elapsed="0:05", remaining="2:55") == "已说 0:05 · 还可以说 2:55"


def test_ui_unknown_language_is_a_clear_error():
    with pytest.raises(i18n.CatalogError, match="unknown language 'fr'"):
        i18n.catalog("fr")
