"""The fleet on both engines: each station's last heartbeat read from the heartbeats
table (a real kiosk heartbeat body among them), quiet stations flagged by a threshold,
the page, its CSV and `kiosk central-dev fleet --json` (docs/centre.md, "Fleet")."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import requests
import sqlalchemy as sa

from central_items import item_meta, store as store_item
from kiosk.central_dev.fleet import read_fleet
from kiosk.config.sync import DEV_TOKEN
from kiosk.core.trackcode import make


def _beat(station: str, *, version: str = "0.1.0", disk: str = "ok", store: str = "open", devices=None,
          quarantined: int = 0) -> dict:
    """A heartbeat body as docs/protocol.md "Heartbeat" describes it."""
    return {"station": station, "sent_at": "2026-12-07T10:00:00.000+00:00", "clock_trusted": True,
            "app_version": version, "uptime_s": 7200,
            "queue": {"pending": 3, "quarantined": quarantined, "oldest_undelivered_age_s": 600.0,
                      "ratings_pending": 1},
            "disk": {"state": disk, "free_mb": 900, "total_mb": 29000}, "db_size_mb": 4.25,
            "devices": devices if devices is not None else {"printer": {"state": "ok", "detail": ""}},
            "config_etag": None, "store": {"state": store}}


def _ago(minutes: float) -> str:
    return (datetime.now(timezone.utc) - timedelta(minutes=minutes)).isoformat(timespec="milliseconds")


def _seed(db) -> None:
    db.add_heartbeat("0371", _beat("0371", version="0.0.9"))
    db.add_heartbeat("0371", _beat("0371", devices={"printer": {"state": "error", "detail": "paper out"},
                                                    "camera": {"state": "absent"}}))
    db.add_heartbeat("0372", _beat("0372", disk="critical", store="unopenable", quarantined=2))
    db.q("UPDATE heartbeats SET received_at = ? WHERE station = ?", [_ago(40), "0372"])
    store_item(db, item_meta(1, station="0373"))  # items, never a heartbeat; seq 2 never came
    store_item(db, item_meta(3, station="0373"))


def test_each_station_from_its_last_heartbeat_quiet_ones_first(centre_db):
    _seed(centre_db)
    fleet = read_fleet(centre_db, quiet_after_min=15)
    assert [(s.station, s.quiet) for s in fleet.stations] == [("0372", True), ("0373", True), ("0371", False)]
    by = {s.station: s for s in fleet.stations}
    a = by["0371"]
    assert (a.app_version, a.queue_pending, a.quarantined, a.ratings_pending, a.disk_state, a.disk_free_mb,
            a.disk_total_mb, a.db_size_mb, a.uptime_h, a.oldest_undelivered_age_min) == (
        "0.1.0", 3, 0, 1, "ok", 900, 29000, 4.25, 2.0, 10.0)
    assert a.devices == {"printer": "error", "camera": "absent"} and a.attention == ("printer-error",)
    assert a.age_min is not None and a.age_min < 5
    assert by["0372"].attention == ("quiet", "store-unopenable", "disk-critical", "quarantined")
    assert 39 < by["0372"].age_min < 45
    assert by["0373"].last_heartbeat is None and by["0373"].attention == ("never-reported",)
    # The chain as continuity.chain_report has it: 0373 lacks seq 2 and has no heartbeat
    # saying it still queues it, so it is a gap; the others hold no items.
    assert (by["0373"].chain, by["0373"].chain_summary) == (
        "gap", f"2 received, head ?; MISSING seq 2 ({make('0373', 2)})")
    assert by["0371"].chain == by["0372"].chain == "ok"
    assert fleet.versions() == {"0.1.0": 2, "unknown": 1}
    # A threshold past the quiet station's silence: it is no longer flagged.
    assert {s.station for s in read_fleet(centre_db, quiet_after_min=60).stations if s.quiet} == {"0373"}


def test_the_heartbeat_index_of_migration_0004_is_there(centre_db):
    with centre_db.engine.connect() as conn:
        names = {i["name"] for i in sa.inspect(conn).get_indexes("heartbeats")}
        items_ix = {i["name"] for i in sa.inspect(conn).get_indexes("items")}
    assert "heartbeats_station" in names and {"items_station_seq", "items_received"} <= items_ix


def test_a_real_kiosk_heartbeat_on_the_fleet_page_and_csv(centre, staff_browser, store):
    from kiosk.sync.backchannel import heartbeat_body
    body = heartbeat_body(store, 0.0, 5400.0)
    r = requests.post(f"{centre.url}/api/v1/stations/{store.station}/heartbeat", json=body, timeout=10,
                      headers={"Authorization": f"Bearer {DEV_TOKEN}"})
    assert r.status_code == 204
    centre.db.add_heartbeat("0999", _beat("0999"))
    centre.db.q("UPDATE heartbeats SET received_at = ? WHERE station = ?", [_ago(90), "0999"])
    staff = staff_browser(centre)
    page = staff.get("/fleet")
    assert page.status_code == 200 and "站点 Fleet" in page.text
    assert "静默 quiet" in page.text and "缺失 GAP" not in page.text and "完整 ok" in page.text
    assert page.text.index("0999") < page.text.index(f"<td>{store.station}</td>")  # quiet first
    rows = list(csv.DictReader(io.StringIO(staff.get("/fleet.csv").content.decode("utf-8-sig"))))
    mine = next(r for r in rows if r["station"] == store.station)
    assert (mine["quiet"], mine["app_version"], mine["queue_pending"], mine["store_state"], mine["chain"]) == (
        "False", body["app_version"], "0", "open", "ok")
    assert mine["uptime_h"] == "1.5" and mine["disk_free_mb"] == str(body["disk"]["free_mb"])
    assert next(r for r in rows if r["station"] == "0999")["quiet"] == "True"
    later = staff.get("/fleet.csv?quiet_after=120").content.decode("utf-8-sig")
    assert next(r for r in csv.DictReader(io.StringIO(later)) if r["station"] == "0999")["quiet"] == "False"
    assert staff.get("/fleet?quiet_after=soon").status_code == 400
    assert staff.get("/fleet?quiet_after=²").status_code == 400 and staff.get("/fleet.csv?quiet_after=0").status_code == 400
    assert requests.get(f"{centre.url}/fleet", allow_redirects=False, timeout=10).status_code == 303


def _cli(cfg, *args):
    res = subprocess.run([sys.executable, "-m", "kiosk", "--config", str(cfg), "central-dev", "fleet", *args,
                          "--json"], capture_output=True, text=True, timeout=120)
    return res.returncode, json.loads(res.stdout)


def test_command_line_fleet_json(centre_db, write_config):
    _seed(centre_db)
    url = f'database_url = "{centre_db.database_url}"\n' if centre_db.database_url else ""
    cfg = write_config(f'[central_dev]\ndata_dir = "{centre_db.data_dir}"\n{url}quiet_after_min = 60\n')
    rc, out = _cli(cfg)
    assert rc == 0 and out["quiet_after_min"] == 60 and out["count"] == 3 and out["quiet"] == 1
    by = {s["station"]: s for s in out["stations"]}
    assert by["0372"]["quiet"] is False and by["0373"]["attention"] == ["never-reported"]
    assert by["0371"]["devices"] == {"printer": "error", "camera": "absent"}
    assert by["0373"]["chain"] == "gap" and "MISSING seq 2" in by["0373"]["chain_summary"]
    rc, out = _cli(cfg, "--quiet-after", "15")
    assert rc == 0 and {s["station"] for s in out["stations"] if s["quiet"]} == {"0372", "0373"}
    rc, out = _cli(cfg, "--quiet-after", "0")
    assert rc == 2 and "at least 1 minute" in out["error"]
