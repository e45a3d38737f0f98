"""The kiosk's cache dir: systemd's ``$CACHE_DIRECTORY`` under the unit, else the user's."""

from __future__ import annotations

from pathlib import Path

import platformdirs

from kiosk.app import jiebadict
from kiosk.core.cachedir import cache_dir
from kiosk.ime import lexicon


def test_systemd_cache_directory_wins(monkeypatch, tmp_path):
    monkeypatch.setenv("CACHE_DIRECTORY", f"{tmp_path}/a:{tmp_path}/b")
    assert cache_dir("ime") == tmp_path / "a" / "ime"
    assert lexicon.cache_dir() == tmp_path / "a" / "ime"
    assert jiebadict.cache_path() == tmp_path / "a" / "linebreak" / "jieba.bin"


def test_user_cache_dir_without_systemd(monkeypatch):
    monkeypatch.delenv("CACHE_DIRECTORY", raising=False)
    user = Path(platformdirs.user_cache_dir("minyi-kiosk", appauthor=False))
    assert cache_dir("linebreak") == user / "linebreak"
    monkeypatch.setenv("CACHE_DIRECTORY", "")
    assert cache_dir("linebreak") == user / "linebreak"
