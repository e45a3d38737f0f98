"""Addressing a representative end to end (issue 21, part 1): the real sync daemon
forwards an item with its representative_id to a real central-dev on loopback (SQLite and
PostgreSQL); the centre stores it, lists it (`kiosk central-dev items --json`, its pages)
and refuses an id its station config for that station does not list, which the kiosk
files as the item's problem (quarantine), never as a setup error."""

from __future__ import annotations

import json
import subprocess
import sys

import requests

from kiosk.config.sync import DEV_TOKEN
from kiosk.core.submission import submit
from kiosk.sync.daemon import SyncDaemon
from kiosk.sync.wire import PROTOCOL_VERSION

AUTH = {"Authorization": f"Bearer {DEV_TOKEN}"}
REPS = [{"id": "r1", "name": "李明华", "sector": "工人", "on_duty": True, "qr": "REP-1"},
        {"id": "r2", "name": "王秀英", "sector": "教育", "qr": "REP-2"}]


def _config(reps, version="reps-1") -> str:
    return json.dumps({"version": version, "categories": [{"id": "roads", "names": {"zh-CN": "道路"}}],
                       "representatives": reps}, ensure_ascii=False)


def _central_items(central, write_config) -> list[dict]:
    url = f'database_url = "{central.database_url}"\n' if central.database_url else ""
    path = write_config(f'[central_dev]\ndata_dir = "{central.db.data_dir}"\n{url}', name="centre.toml")
    res = subprocess.run([sys.executable, "-m", "kiosk", "--config", str(path), "central-dev", "items", "--json"],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)["items"]


def test_an_addressed_item_reaches_the_centre_with_its_representative(central, make_cfg, store, staff,
                                                                       write_config):
    assert PROTOCOL_VERSION == 4
    cfg = make_cfg(central.url)
    central.db.set_config("0371", _config(REPS))
    d = SyncDaemon(cfg, store)
    assert d.run_once()["config"] == "applied"      # the kiosk learns r1 and r2 from the centre
    addressed = submit(store, cfg, text="学校门口没有红绿灯", representative_id="r2").item
    plain = submit(store, cfg, text="楼道灯不亮").item
    out = d.run_once()
    assert out["ok"], out
    assert store.get_item(addressed.id).delivery == "delivered" == store.get_item(plain.id).delivery
    metas = {r["id"]: json.loads(r["meta"]) for r in central.db.items()}
    assert metas[addressed.id]["representative_id"] == "r2" and metas[addressed.id]["protocol"] == PROTOCOL_VERSION
    assert metas[plain.id]["representative_id"] is None
    assert {r["id"]: r["chain_check"] for r in central.db.items()} == {addressed.id: "ok", plain.id: "ok"}, \
        "the centre recomputes the addressed item's link from its content, representative and all"

    listed = {d["id"]: d["representative"] for d in _central_items(central, write_config)}
    assert listed == {addressed.id: {"id": "r2", "name": "王秀英"}, plain.id: None}
    page = staff.get(f"/items/{addressed.id}").text
    assert "王秀英 (r2)" in page
    assert "王秀英 (r2)" in staff.get("/").text


def test_the_centre_refuses_a_representative_not_in_its_station_config(central, make_cfg, store):
    cfg = make_cfg(central.url)
    central.db.set_config("0371", _config(REPS))
    d = SyncDaemon(cfg, store)
    assert d.run_once()["config"] == "applied"
    item = submit(store, cfg, text="学校门口没有红绿灯", representative_id="r2").item
    # Staff at the centre take r2 out before the item arrives (it was stored while the
    # kiosk's config still listed r2, and keeps it whatever the kiosk learns next).
    central.db.set_config("0371", _config(REPS[:1], "reps-2"))
    out = d.run_once()
    got = store.get_item(item.id)
    assert got.delivery == "quarantined", (got, out)
    assert got.quarantine_reason.startswith("centre rejected the item: HTTP 422: unknown representative 'r2'"), got
    assert "station 0371" in got.quarantine_reason and "r1" in got.quarantine_reason
    assert not central.db.has_item(item.id)
    assert [r["result"] for r in central.db.q("SELECT result FROM receipts WHERE item_id = ?", [item.id])] \
        == ["rejected-422"]
    assert not d.link.auth_alert and out["forward"]["stopped"] is None, "the item's problem, not the setup's"
    assert out["forward"]["quarantined"] == 1, out


def test_the_centre_refuses_an_unknown_representative_by_name_at_the_door(central):
    """A PUT whose representative_id no station config lists: 422 naming it, nothing stored."""
    from central_items import item_meta, put_json   # tests/central, on sys.path via tests/sync/conftest.py
    meta = {**item_meta(7), "protocol": 3, "representative_id": "r-none"}
    r = put_json(central.url, meta)
    assert r.status_code == 422 and r.json()["error"].startswith("unknown representative 'r-none'"), r.text
    assert "its representatives: r1" in r.json()["error"]   # central-dev's built-in config lists r1
    assert not central.db.has_item(meta["id"])
    for bad in (7, "", "x" * 65):
        r = put_json(central.url, {**item_meta(8), "protocol": 3, "representative_id": bad})
        assert r.status_code == 400 and "representative_id" in r.json()["error"], r.text
    r = put_json(central.url, {**item_meta(9), "protocol": 5})
    assert r.status_code == 400 and "(1, 2, 3, 4)" in r.json()["error"]
    ok = {**item_meta(10), "protocol": 3, "representative_id": "r1"}
    r = put_json(central.url, ok)
    assert r.status_code == 201, r.text
    served = requests.get(f"{central.url}/api/v1/stations/0371/config", headers=AUTH).json()
    assert [x["id"] for x in served["representatives"]] == ["r1"]
