"""Back-channel over real HTTP: status and reply from central-dev's staff page reach
`kiosk status CODE`; station config applied with ETag, a bad one rejected and the old
kept; heartbeats; ratings exactly once; retention purge."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import requests

from kiosk.core import station_config
from kiosk.sync.daemon import SyncDaemon

GOOD = {"version": "7", "categories": [{"id": "roads", "names": {"zh-CN": "道路", "en": "Roads"}},
                                       {"id": "other", "names": {"zh-CN": "其他"}}],
        "representatives": [{"id": "r9", "name": "李代表", "title": "市人大代表", "on_duty": True,
                             "schedule": [{"weekday": 3, "start": "14:00", "end": "16:00"}]}],
        "announcements": [{"id": "n1", "title": "周三下午代表接待"}],
        "statistics": {"received": 120, "replied": 113, "satisfaction_rate": 0.93}}


def kiosk_cli(cfg_path, *args):
    env = {**os.environ, "KIOSK_CLOCK_TRUSTED": "0"}
    return subprocess.run([sys.executable, "-m", "kiosk", "--config", str(cfg_path), *args],
                          capture_output=True, text=True, timeout=60, env=env)


def test_status_and_reply_from_staff_page_reach_kiosk_status(central, staff, make_cfg, store, h, tmp_path):
    cfg = make_cfg(central.url)
    item = h.add_items(store, cfg, 1)[0]
    assert SyncDaemon(cfg, store).run_once()["ok"]
    page = staff.get(f"/items/{item.id}")
    assert page.status_code == 200 and "<audio controls" in page.text and str(item.code) in page.text
    r = staff.post(f"/items/{item.id}/status", data={"status": "accepted", "reply": ""},
                   allow_redirects=False)
    assert r.status_code == 303
    r = staff.post(f"/items/{item.id}/status",
                   data={"status": "replied", "reply": "路灯已于周二修复，感谢反映。"})
    assert r.status_code == 200
    audio = staff.get(f"/files/{item.id}/0")
    assert audio.content == item.attachments[0].path.read_bytes()

    res = kiosk_cli(tmp_path / "kiosk.toml", "sync", "--once", "--json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["status"] == 2
    res = kiosk_cli(tmp_path / "kiosk.toml", "status", str(item.code), "--json")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["state"] == "replied" and data["centre_reply"] == "路灯已于周二修复，感谢反映。"
    assert [x["status"] for x in data["history"]] == ["accepted", "replied"]
    human = kiosk_cli(tmp_path / "kiosk.toml", "status", str(item.code)).stdout
    assert "路灯已于周二修复" in human


def test_bad_status_update_is_skipped_and_cursor_moves_on(central, make_cfg, store, h):
    cfg = make_cfg(central.url)
    a, b = h.add_items(store, cfg, 2)
    d = SyncDaemon(cfg, store)
    assert d.run_once()["ok"]
    central.db.q("INSERT INTO updates (station, item_id, status, reply, at) VALUES "
                 "('0371', ?, 'teleported', NULL, 'x')", [a.id])
    central.db.set_status(b.id, "closed", "已办结")
    assert d.run_once()["ok"]
    assert store.get_item(a.id).state == "delivered"
    assert store.get_item(b.id).state == "closed"
    assert "teleported" in store.events(kind="status_update_skipped")[0]["message"]
    assert d.run_once()["status"] == 0  # nothing re-applied


def test_malformed_updates_page_keeps_cursor(central, make_cfg, store, h):
    cfg = make_cfg(central.url)
    (sub,) = h.submit_items(store, cfg, 1)
    item = sub.item
    d = SyncDaemon(cfg, store)
    d.run_once()
    central.db.set_status(item.id, "accepted", None)
    central.faults.arm("malformed", prefix="/api/v1/stations/0371/updates")
    out = d.run_once()
    assert out["status"] is None and not out["ok"]
    assert store.get_item(item.id).state == "delivered"
    time.sleep(d.link.wait_s())
    assert d.run_once()["status"] == 1
    assert store.get_item(item.id).state == "accepted"


def test_station_config_etag_apply_and_bad_one_rejected(central, make_cfg, store):
    cfg = make_cfg(central.url)
    d = SyncDaemon(cfg, store)
    etag = central.db.set_config("*", json.dumps(GOOD, ensure_ascii=False))
    assert d.run_once()["config"] == "applied"
    cur = station_config.load_current(store)
    assert cur.etag == etag and [c.id for c in cur.categories] == ["roads", "other"]
    assert cur.categories[0].name("en") == "Roads" and cur.categories[1].name("en") == "其他"
    assert cur.representatives[0].schedule[0].start == "14:00" and cur.representatives[0].on_duty
    assert cur.announcements[0].title == "周三下午代表接待" and cur.statistics["replied"] == 113
    assert d.run_once()["config"] == "unchanged"  # 304 via If-None-Match

    bads = [
        {**GOOD, "categories": [{"id": "Bad Id", "names": {"zh-CN": "坏"}}]},
        {**GOOD, "categories": []},
        {**GOOD, "representatives": [{"id": "r1", "name": "x", "schedule": [{"weekday": 9, "start": "1", "end": "2"}]}]},
        {**GOOD, "statistics": {"x": {"nested": 1}}},
        {**GOOD, "announcements": [{"id": "n", "title": "t", "starts": "next tuesday"}]},
    ]
    for bad in bads:
        central.db.set_config("0371", json.dumps(bad))
        assert d.run_once()["config"] == "rejected"
        assert d.run_once()["config"] == "rejected"
        assert station_config.load_current(store).etag == etag, "the last good config stays"
    central.db.set_config("0371", '{"version": 8, "categories": [')  # not even JSON
    assert d.run_once()["config"] == "rejected"
    rejected = store.events(limit=100, kind="station_config_rejected")
    assert len(rejected) == len(bads) + 1, "one event per bad document, not per poll"
    assert "categories[0].id" in rejected[-1]["message"]
    assert "not valid JSON" in rejected[0]["message"]
    assert [c.id for c in station_config.load_current(store).categories] == ["roads", "other"]

    central.db.set_config("0371", json.dumps({**GOOD, "version": "9", "categories": GOOD["categories"][:1]}))
    assert d.run_once()["config"] == "applied"
    assert station_config.load_current(store).version == "9"
    assert store.get_meta(station_config.REJECTED_KEY) is None


def test_heartbeat_carries_health_and_device_states(central, staff, make_cfg, store, h):
    cfg = make_cfg(central.url)
    h.add_items(store, cfg, 2)
    store.set_meta("device.printer", json.dumps({"state": "error", "detail": "paper out"}))
    store.set_meta("device.camera", json.dumps({"state": "absent", "detail": ""}))
    store.set_meta("device.broken", "{not json")
    d = SyncDaemon(cfg, store)
    d.heartbeat()
    beat = json.loads(central.db.last_heartbeats()[0]["body"])
    assert beat["station"] == "0371" and beat["queue"]["pending"] == 2
    assert beat["queue"]["oldest_undelivered_age_s"] >= 0
    assert beat["devices"]["printer"]["state"] == "error" and beat["devices"]["printer"]["detail"] == "paper out"
    assert beat["devices"]["camera"]["state"] == "absent"
    assert beat["devices"]["broken"]["state"] == "unknown"
    assert beat["disk"]["free_mb"] > 0 and beat["db_size_mb"] > 0 and beat["app_version"]
    page = staff.get("/").text
    assert "queue=2" in page


def test_ratings_forwarded_exactly_once_despite_lost_answer(central, make_cfg, store, h):
    cfg = make_cfg(central.url)
    item, other = h.add_items(store, cfg, 2)
    d = SyncDaemon(cfg, store)
    assert d.run_once()["forward"]["delivered"] == 2
    for i in (item, other):
        central.db.set_status(i.id, "replied", "已修复")  # a round is rated after its reply
    rid = store.add_rating(item.id, "satisfied")
    assert d.run_once()["forward"]["ratings"] == 1
    rid2 = store.add_rating(other.id, "unsatisfied", reason="又坏了")
    central.faults.arm("malformed", prefix="/api/v1/ratings/")
    out = d.run_once()
    assert out["forward"]["ratings"] == 0 and out["forward"]["stopped"]
    time.sleep(d.link.wait_s())
    assert d.run_once()["forward"]["ratings"] == 1
    rows = central.db.q("SELECT id, rating, round, reason FROM ratings ORDER BY received_at")
    assert [(r["id"], r["rating"], r["round"], r["reason"]) for r in rows] == [
        (rid, "satisfied", 1, None), (rid2, "unsatisfied", 1, "又坏了")]
    assert {r["delivery"] for r in store.db["ratings"].rows} == {"delivered"}


def test_a_rating_the_centre_refuses_is_final_and_named(central, make_cfg, store, h):
    """409 (round rated already, no reply yet) and 422 end a rating's delivery: refused,
    with the centre's words, never sent again, never counted delivered; 400 quarantines."""
    cfg = make_cfg(central.url)
    answered, unanswered = h.add_items(store, cfg, 2)
    d = SyncDaemon(cfg, store)
    assert d.run_once()["ok"]
    central.db.set_status(answered.id, "replied", "已修复")
    first = store.add_rating(answered.id, "satisfied")
    assert d.run_once()["forward"]["ratings"] == 1
    # A second kiosk database's rating of the same round (as after a restore): 409.
    with store.write() as db:
        db.execute("DELETE FROM ratings WHERE id = ?", [first])
    twice = store.add_rating(answered.id, "unsatisfied")
    early = store.add_rating(unanswered.id, "satisfied")
    out = d.run_once()
    assert out["forward"]["ratings"] == 0 and out["ok"]
    got = {r.id: r for r in store.ratings_of(answered.id) + store.ratings_of(unanswered.id)}
    assert got[twice].delivery == "refused" and "HTTP 409" in got[twice].refusal
    assert "rated already" in got[twice].refusal
    assert got[early].delivery == "refused" and "HTTP 409" in got[early].refusal
    assert "no reply yet" in got[early].refusal
    assert len(store.events(kind="rating_refused")) == 2
    assert store.ratings_to_send(10) == []
    assert d.run_once()["forward"]["ratings"] == 0
    assert [r["id"] for r in central.db.q("SELECT id FROM ratings")] == [first]
    central.db.set_status(unanswered.id, "replied", "已处理")
    for code, delivery in (("422", "refused"), ("400", "quarantined")):
        with store.write() as db:
            db.execute("DELETE FROM ratings WHERE item_id = ?", [unanswered.id])
        rid = store.add_rating(unanswered.id, "satisfied")
        central.faults.arm(code, prefix="/api/v1/ratings/")
        assert d.run_once()["forward"]["ratings"] == 0
        (got,) = store.ratings_of(unanswered.id)
        assert (got.id, got.delivery) == (rid, delivery)
        assert (got.refusal == f"HTTP {code}: injected {code}") == (delivery == "refused")


def test_retention_purges_only_old_delivered_items(central, make_cfg, store, h):
    cfg = make_cfg(central.url, extra="retention_days = 30")
    old, recent, pending = h.add_items(store, cfg, 3, real_name=True)
    for i in (old, recent):
        store.mark_delivered(i.id, "push")
    with store.write() as db:
        db.execute("UPDATE items SET delivered_at = '2020-01-01T00:00:00.000+00:00' WHERE id IN (?, ?)",
                   [old.id, pending.id])
    central.faults.arm("500", times=1000, prefix="/api/")  # centre unusable: purge still runs
    out = SyncDaemon(cfg, store).run_once()
    assert out["purged"] == 1
    got = store.get_item(old.id, with_pii=True)
    assert got.purged_at and got.name is None and not old.attachments[0].path.exists()
    assert str(got.code) == str(old.code)  # code and status stay for lookups
    assert store.get_item(recent.id, with_pii=True).name == "张三"
    assert pending.attachments[0].path.exists() and store.get_item(pending.id).purged_at is None
    central.faults.clear()


def test_staff_config_page_edits_what_kiosks_get(central, staff, make_cfg, store):
    r = staff.post("/config", data={"station": "*", "body": "{not json"})
    assert r.status_code == 200 and "not JSON" in r.text
    assert central.db.config_for("0371") is None
    body = json.dumps({**GOOD, "version": "page"}, ensure_ascii=False)
    r = staff.post("/config", data={"station": "*", "body": body})
    assert "saved for *" in r.text
    d = SyncDaemon(make_cfg(central.url), store)
    assert d.run_once()["config"] == "applied"
    assert station_config.load_current(store).version == "page"
    assert "道路" in staff.get("/config").text


def test_the_whole_loop_answer_comes_back_and_the_rating_goes_out(central, staff, make_cfg, store, h):
    """DESIGN's closed loop: an item goes to the centre, staff reply there, the reply comes
    back to the kiosk where the receipt holder reads it (kiosk.lookup.answers, what the answer
    screen shows) and rates it, and the rating reaches the centre exactly once."""
    from kiosk.lookup import answers as lookup
    cfg = make_cfg(central.url)
    (sub,) = h.submit_items(store, cfg, 1)
    item = sub.item
    d = SyncDaemon(cfg, store)
    assert d.run_once()["forward"]["delivered"] == 1
    seen = lookup.look_up(store, str(item.code), sub.secret)
    assert seen.state == "delivered" and not seen.can_rate
    central.db.set_status(item.id, "replied", "已安排维修，感谢反映。")
    assert d.run_once()["status"] == 1
    seen = lookup.look_up(store, item.code.compact, sub.secret)
    assert seen.reply == "已安排维修，感谢反映。" and seen.can_rate
    rated = lookup.rate(store, seen, "satisfied")
    assert rated.rating == "satisfied"
    assert d.run_once()["forward"]["ratings"] == 1
    rows = central.db.q("SELECT item_id, rating FROM ratings")
    assert [(r["item_id"], r["rating"]) for r in rows] == [(item.id, "satisfied")]
    assert d.run_once()["forward"]["ratings"] == 0
    staff_page = staff.get(f"/items/{item.id}").text
    assert "群众评价" in staff_page and "满意 satisfied" in staff_page
