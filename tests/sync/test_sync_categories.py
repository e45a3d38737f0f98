"""A category pushed by the centre is valid everywhere once applied: `kiosk submit`
accepts it, the receipt names it in the item's language, the touchscreen offers it.

Real parts throughout: central-dev on 127.0.0.1, `kiosk sync --once`, `kiosk submit` and
`kiosk receipt` as processes, the receipt bytes decoded by tests/receipt/escpos_reader.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from kiosk import config as configmod
from kiosk.core.categories import current_categories
from kiosk.core.store import Store
from kiosk.core.submission import SubmissionError, submit


CENTRE = {"version": "12", "categories": [
    {"id": "roads", "names": {"zh-CN": "道路桥梁", "zh-TW": "道路橋樑", "en": "Roads and bridges"}},
    {"id": "other", "names": {"zh-CN": "其他"}}]}


def kiosk_cli(cfg_path, *args):
    env = {**os.environ, "KIOSK_CLOCK_TRUSTED": "0"}
    return subprocess.run([sys.executable, "-m", "kiosk", "--config", str(cfg_path), *args],
                          capture_output=True, text=True, timeout=60, env=env)


def test_centre_only_category_is_accepted_and_named_on_the_receipt(central, make_cfg, tmp_path, escpos_reader):
    cfg = make_cfg(central.url)
    path = tmp_path / "kiosk.toml"
    assert cfg.submission.category("roads") is None, "roads must be a centre-only id"
    central.db.set_config("*", json.dumps(CENTRE, ensure_ascii=False))

    before = kiosk_cli(path, "submit", "--text", "桥上的路灯坏了", "--category", "roads", "--json")
    assert before.returncode != 0, "not applied yet: the local categories are in force"
    assert "roads" in before.stdout + before.stderr

    sync = kiosk_cli(path, "sync", "--once", "--json")
    assert sync.returncode == 0, sync.stderr
    assert json.loads(sync.stdout)["config"] == "applied"

    codes = {}
    for lang in ("en", "zh-CN"):
        res = kiosk_cli(path, "submit", "--text", "桥上的路灯坏了", "--category", "roads", "--lang", lang, "--json")
        assert res.returncode == 0, res.stdout + res.stderr
        codes[lang] = json.loads(res.stdout)["code"]

    reader = escpos_reader
    for lang, name in (("en", "Roads and bridges"), ("zh-CN", "道路桥梁")):
        out = tmp_path / f"receipt-{lang}.bin"
        res = kiosk_cli(path, "receipt", codes[lang], "--out", str(out))
        assert res.returncode == 0, res.stdout + res.stderr
        texts = reader.read(out.read_bytes()).texts
        assert any(name in t for t in texts), f"{name!r} not on the {lang} receipt: {texts}"

    local_only = kiosk_cli(path, "submit", "--text", "x", "--category", "traffic", "--json")
    assert local_only.returncode != 0, "the centre's list replaces the local one"
    assert "centre" in local_only.stdout + local_only.stderr


def test_a_damaged_applied_config_says_so_instead_of_blaming_the_category(write_config):
    cfg = configmod.load(write_config())
    store = Store.open(cfg)
    try:
        store.set_meta("station_config", "{not json")
        cats = current_categories(store, cfg)
        assert cats.source == "local" and cats.problem and "cannot be read" in cats.problem
        try:
            submit(store, cfg, text="路灯坏了", category="roads")
        except SubmissionError as e:
            assert e.field == "category" and "cannot be read" in str(e)
        else:
            raise AssertionError("an unknown category was accepted")
        assert submit(store, cfg, text="路灯坏了", category="traffic").item.category == "traffic"
    finally:
        store.close()
