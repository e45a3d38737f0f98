"""Public disclosure end to end over real HTTP: central-dev's station config (representatives
with a photo, announcements, figures by month, published matters) → `kiosk sync --once` →
`kiosk board --json`; photos cached only when they are real, small images from the
centre's own origin."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import cv2
import numpy as np
import requests

from kiosk.sync import photos

from kiosk.core import station_config
from kiosk.sync.daemon import SyncDaemon


def jpeg(size: int = 64) -> bytes:
    img = np.full((size, size, 3), 120, np.uint8)
    img[size // 4: size // 2, :] = (30, 200, 250)
    return cv2.imencode(".jpg", img)[1].tobytes()


def kiosk_cli(cfg_path, *args, trusted: str = "1"):
    env = {**os.environ, "KIOSK_CLOCK_TRUSTED": trusted}
    return subprocess.run([sys.executable, "-m", "kiosk", "--config", str(cfg_path), *args],
                          capture_output=True, text=True, timeout=60, env=env)


def upload_photo(staff, name: str, body: bytes, content_type: str = "image/jpeg"):
    r = staff.post("/config/photo", data={"name": name}, files={"photo": (name, body, content_type)})
    assert r.status_code == 200 and "/api/v1/photos/" in r.text, r.text


def test_station_config_from_central_dev_reaches_kiosk_board(central, staff, make_cfg, store, h, tmp_path,
                                                             station_doc):
    cfg = make_cfg(central.url)
    h.add_items(store, cfg, 1, text="我叫张三，我家楼下的路灯坏了，电话13812345678")
    upload_photo(staff, "r1.jpg", jpeg())
    r = staff.post("/config", data={"station": "*", "body": json.dumps(station_doc(central.url), ensure_ascii=False)})
    assert r.status_code == 200

    res = kiosk_cli(tmp_path / "kiosk.toml", "sync", "--once", "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["config"] == "applied" and out["photos"]["fetched"] == 1, out

    res = kiosk_cli(tmp_path / "kiosk.toml", "board", "--json")
    assert res.returncode == 0, res.stderr
    b = json.loads(res.stdout)
    assert b["available"] and b["clock_trusted"]
    rep = b["representatives"][0]
    assert b["on_duty_now"] == ["r1"] and rep["constituency"] == "第三选区"
    assert open(rep["photo"], "rb").read() == jpeg(), "the cached photo is the centre's file"
    assert [a["id"] for a in b["announcements"]] == ["now"]
    assert b["withheld"] == [{"id": "old", "reason": "expired"}], "the expired one is not shown"
    assert b["months"][0]["received"] == 120 and b["months"][0]["satisfaction_rate"] == 0.93
    assert b["matters"] == [{"id": "m1", "category": "市政设施", "summary": "小区东门路灯不亮",
                             "outcome": "已更换两盏路灯", "handled_on": "2026-11-18"}]
    assert "张三" not in res.stdout and "13812345678" not in res.stdout, "no resident content on the board"
    # The photo is fetched once: the next poll finds it cached.
    out = SyncDaemon(cfg, store).run_once()
    assert out["photos"]["fetched"] == 0 and out["photos"]["cached"] == 1

    human = kiosk_cli(tmp_path / "kiosk.toml", "board").stdout
    assert "李明华" in human and "周五上午代表接待居民" in human and "old withheld: expired" in human
    doctor = json.loads(kiosk_cli(tmp_path / "kiosk.toml", "doctor", "--json").stdout)
    assert {"name": "station_photos", "status": "ok", "detail": "1 photos cached"} in doctor["checks"]


def test_refused_photos_are_logged_once_and_never_block_the_config(central, staff, make_cfg, store, station_doc):
    cfg = make_cfg(central.url)
    d = station_doc(central.url, photo="big.jpg")
    d["representatives"] += [
        {"id": "r2", "name": "王代表", "photo_url": f"{central.url}/api/v1/photos/fake.png"},
        {"id": "r3", "name": "赵代表", "photo_url": "https://elsewhere.example/r3.jpg"},
        {"id": "r4", "name": "钱代表", "photo_url": f"{central.url}/api/v1/photos/missing.jpg"},
    ]
    upload_photo(staff, "big.jpg", jpeg(2000) + b"\0" * photos.MAX_PHOTO_BYTES)
    central.db.save_photo("fake.png", b"<html>not an image</html>")
    central.db.set_config("*", json.dumps(d, ensure_ascii=False))
    daemon = SyncDaemon(cfg, store)
    out = daemon.run_once()
    assert out["ok"] and out["config"] == "applied"
    assert out["photos"]["fetched"] == 0 and len(out["photos"]["failed"]) == 4, out["photos"]
    reasons = " | ".join(out["photos"]["failed"])
    assert "larger than" in reasons and "the body is not image/png data" in reasons
    assert "not on the centre's origin" in reasons and "HTTP 404" in reasons
    assert not list(photos.photo_dir(store.data_dir).glob("*"))
    daemon.run_once()
    events = store.events(limit=100, kind="photo_refused")
    assert len(events) == 4, "one event per refused photo, not one per poll"
    assert station_config.load_current(store).version == "d1"

    from kiosk.doctor.sync import _photos_check
    check = _photos_check(store)
    assert check.status == "warn" and check.detail.startswith("4 of 4 representatives' photos not shown")
    assert "r1: the centre's answer is larger than" in check.detail
    # The centre fixes one photo: it is fetched, and its old refusal no longer reported.
    central.db.save_photo("big.jpg", jpeg())
    d["representatives"][0]["photo_url"] += "?v=2"
    central.db.set_config("*", json.dumps(d, ensure_ascii=False))
    assert daemon.run_once()["photos"]["fetched"] == 1
    check = _photos_check(store)
    assert check.detail.startswith("3 of 4") and "r1:" not in check.detail


def test_a_redirected_photo_is_a_link_alert_not_a_refused_photo(central, staff, make_cfg, store, station_doc):
    """A 3xx from the centre's own origin says sync.central_url (or a proxy in front of
    the centre) is wrong: the same staff alert as any redirected centre call, not a
    fault of the photo. The other photos are still fetched."""
    from kiosk.sync.link import SETUP_KEY
    cfg = make_cfg(central.url)
    d = station_doc(central.url, photo="moved.jpg")
    d["representatives"].append({"id": "r2", "name": "王代表", "photo_url": f"{central.url}/api/v1/photos/r2.jpg"})
    upload_photo(staff, "r2.jpg", jpeg())
    upload_photo(staff, "moved.jpg", jpeg(80))
    central.db.set_config("*", json.dumps(d, ensure_ascii=False))
    location = "https://cdn.elsewhere.example/moved.jpg"
    central.faults.arm("302", prefix="/api/v1/photos/moved.jpg", location=location)
    daemon = SyncDaemon(cfg, store)

    out = daemon.run_once()
    assert out["config"] == "applied" and out["photos"] is None, out
    assert store.events(kind="photo_refused") == [], "a redirect is not the photo's fault"
    (event,) = store.events(kind="sync_redirect")
    assert event["data"] == json.dumps({"location": location}) and "photos: HTTP 302" in event["message"]
    # (A later call of the same round that gets through - the heartbeat - may already
    # have cleared the alert: the link clears it on any working call.)
    assert photos.cached_photo(store.data_dir, d["representatives"][1]["photo_url"]) is not None
    assert photos.cached_photo(store.data_dir, d["representatives"][0]["photo_url"]) is None

    # The centre answers again: the photo is fetched and the alert is over.
    daemon.link.next_try = 0
    assert daemon.run_once()["photos"] == {"fetched": 1, "cached": 1, "failed": ()}
    assert store.get_meta(SETUP_KEY) is None and len(store.events(kind="sync_setup_ok")) == 1
    assert len(store.events(kind="sync_redirect")) == 1
