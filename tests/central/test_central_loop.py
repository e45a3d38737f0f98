"""The staff loop on both engines: each step, refused steps by name, deadlines and 督办,
the audit log, what the kiosk's back-channel receives, the pages and the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest
import requests

from central_items import item_meta, put_json, store
from kiosk.central_dev.loop import Loop, LoopError, StageRefused, UnknownMatter
from kiosk.config.sync import DEV_TOKEN

DEADLINES = {"version": "t", "categories": [
    {"id": "infrastructure", "names": {"zh-CN": "市政设施"}, "deadline_days": 3},
    {"id": "other", "names": {"zh-CN": "其他"}}]}


def _updates(db, station="0371"):
    return [dict(u) for u in db.updates(station, 0, 100)]


def test_the_whole_loop_is_recorded_and_reaches_the_back_channel(centre_db):
    loop = Loop(centre_db)
    meta = item_meta(1)
    store(centre_db, meta)
    code = meta["code"]
    steps = [("accepted", {}), ("assigned", {"department": "城管局"}), ("in_progress", {}),
             (None, {"note": "已电话联系群众"}), ("replied", {"note": "路灯已修复"}), ("closed", {}),
             ("accepted", {"note": "群众不满意, 再办"})]
    actions = [loop.advance(code, stage, actor="wang", **kw).action for stage, kw in steps]
    assert actions == ["accept", "assign", "handle", "note", "reply", "close", "reopen"]
    log = loop.history(meta["id"])
    assert [(a["actor"], a["action"], a["from_stage"], a["to_stage"]) for a in log] == [
        ("wang", "accept", "received", "accepted"), ("wang", "assign", "accepted", "assigned"),
        ("wang", "handle", "assigned", "in_progress"), ("wang", "note", "in_progress", "in_progress"),
        ("wang", "reply", "in_progress", "replied"), ("wang", "close", "replied", "closed"),
        ("wang", "reopen", "closed", "accepted")]
    assert all(a["at"] for a in log) and log[1]["department"] == "城管局" and log[3]["note"] == "已电话联系群众"
    ups = _updates(centre_db)
    # Every step is an update (the note too, 跟踪), in the kiosk's own statuses, with its stage and round.
    assert [u["status"] for u in ups] == ["accepted", "assigned", "in_progress", "in_progress", "replied",
                                          "closed", "accepted"]
    assert [u["stage"] for u in ups] == ["accepted", "assigned", "in_progress", "followed_up", "replied",
                                         "closed", "reopened"]
    assert [u["round"] for u in ups] == [1] * 6 + [2]
    assert ups[3]["note"] == "已电话联系群众" and ups[6]["note"] == "群众不满意, 再办"
    assert [u["department"] for u in ups] == [None] + ["城管局"] * 6
    assert ups[4]["reply"] == "路灯已修复" and not any(u["escalated"] for u in ups)
    row = centre_db.item(meta["id"])
    # The new round waits for its own reply; the old one stays in round 1.
    assert (row["status"], row["department"], row["reply"], row["round"]) == ("accepted", "城管局", None, 2)
    rounds = loop.describe(row)["rounds"]
    assert [(r["round"], r["replies"], r["reason"]) for r in rounds] == [
        (1, ["路灯已修复"], None), (2, [], "群众不满意, 再办")]


def test_a_step_that_does_not_follow_is_refused_by_name(centre_db):
    loop = Loop(centre_db)
    meta = item_meta(1)
    store(centre_db, meta)
    with pytest.raises(StageRefused, match=r"cannot go from received .* to closed .*from received: accepted"):
        loop.advance(meta["code"], "closed", actor="wang")
    loop.advance(meta["code"], "accepted", actor="wang")
    with pytest.raises(LoopError, match="needs the department"):
        loop.advance(meta["code"], "assigned", actor="wang")
    with pytest.raises(LoopError, match="reply needs its text"):
        loop.advance(meta["code"], "replied", actor="wang")
    with pytest.raises(LoopError, match="unknown stage 'done'"):
        loop.advance(meta["code"], "done", actor="wang")
    with pytest.raises(UnknownMatter):
        loop.advance("0371-009999-0", "accepted", actor="wang")
    assert centre_db.item(meta["id"])["status"] == "accepted"
    assert len(loop.history(meta["id"])) == 1


def test_past_its_deadline_a_matter_is_overdue_and_escalated_once(centre_db):
    centre_db.set_config("*", json.dumps(DEADLINES))
    loop = Loop(centre_db)
    late, fresh, no_deadline, answered = (item_meta(i) for i in (1, 2, 3, 4))
    no_deadline["category"] = "other"
    for m in (late, fresh, no_deadline, answered):
        store(centre_db, m)
    old = (datetime.now(timezone.utc) - timedelta(days=4)).isoformat(timespec="milliseconds")
    for m in (late, no_deadline, answered):
        centre_db.q("UPDATE items SET received_at = ? WHERE id = ?", [old, m["id"]])
    loop.advance(answered["code"], "accepted", actor="li")
    loop.answer(answered["code"], "已处理", actor="li")
    overdue = {d["code"]: d["overdue"] for d in (loop.describe(r) for r in centre_db.items())}
    assert overdue == {late["code"]: True, fresh["code"]: False, no_deadline["code"]: False,
                       answered["code"]: False}
    assert [d["code"] for d in loop.supervision()] == [late["code"]]
    assert loop.escalate_overdue() == [late["code"]]
    assert loop.escalate_overdue() == []  # once
    # Nobody accepted it yet: no update in a status the kiosk does not know; the flag
    # travels with the next one, which the kiosk's own check accepts (docs/protocol.md).
    assert [u for u in _updates(centre_db) if u["item_id"] == late["id"]] == []
    loop.advance(late["code"], "accepted", actor="li")
    from kiosk.sync.backchannel import _check_update
    last = _updates(centre_db)[-1]
    assert last["status"] == "accepted" and last["escalated"] is True and _check_update(last) is None
    assert [a["actor"] for a in loop.history(late["id"])] == ["system:deadline", "li"]
    with pytest.raises(StageRefused, match="already escalated"):
        loop.advance(late["code"], "escalated", actor="li")
    # An accepted matter past its deadline is told at once, in its own status.
    other = item_meta(9)
    store(centre_db, other)
    centre_db.q("UPDATE items SET received_at = ? WHERE id = ?", [old, other["id"]])
    loop.advance(other["code"], "accepted", actor="li")
    assert loop.escalate_overdue() == [other["code"]]
    assert [(u["status"], u["escalated"]) for u in _updates(centre_db) if u["item_id"] == other["id"]] == [
        ("accepted", False), ("accepted", True)]


def test_staff_escalate_by_hand(centre_db):
    loop = Loop(centre_db)
    meta = item_meta(1)
    store(centre_db, meta)
    loop.advance(meta["code"], "accepted", actor="zhao")
    r = loop.advance(meta["code"], "escalated", actor="zhao", note="群众多次反映")
    assert (r.action, r.stage) == ("escalate", "accepted")
    assert loop.describe(centre_db.item(meta["id"]))["escalated"] is True
    assert [d["code"] for d in loop.supervision()] == [meta["code"]]


def _cli(cfg, *args):
    res = subprocess.run([sys.executable, "-m", "kiosk", "--config", str(cfg), "central-dev", *args, "--json"],
                         capture_output=True, text=True, timeout=60)
    return res.returncode, json.loads(res.stdout)


def test_command_line_items_advance_answer(centre_db, centre_config):
    centre_db.set_config("*", json.dumps(DEADLINES))
    metas = [item_meta(1), item_meta(2)]
    for m in metas:
        store(centre_db, m)
    old = (datetime.now(timezone.utc) - timedelta(days=5)).isoformat(timespec="milliseconds")
    centre_db.q("UPDATE items SET received_at = ? WHERE id = ?", [old, metas[0]["id"]])
    cfg = centre_config(centre_db)
    code0 = metas[0]["code"]
    assert _cli(cfg, "advance", code0, "accepted")[0] == 0
    rc, out = _cli(cfg, "advance", code0, "assigned", "--department", "街道办", "--actor", "wang")
    assert rc == 0 and out["stage"] == "assigned" and out["from"] == "accepted"
    rc, out = _cli(cfg, "advance", code0, "closed")
    assert rc == 4 and "refused" in out["error"] and "from assigned" in out["error"]
    rc, out = _cli(cfg, "advance", code0, "--note", "已现场查看")
    assert rc == 0 and out["action"] == "note"
    rc, out = _cli(cfg, "items")
    assert rc == 0
    by_code = {d["code"]: d for d in out["items"]}
    assert by_code[code0]["overdue"] is True and by_code[metas[1]["code"]]["overdue"] is False
    assert {k: by_code[code0][k] for k in ("station", "seq", "stage", "department")} == {
        "station": "0371", "seq": 1, "stage": "assigned", "department": "街道办"}
    rc, out = _cli(cfg, "answer", code0, "--text", "已修复, 感谢反映")
    assert rc == 0 and out["stage"] == "replied"
    rc, out = _cli(cfg, "items")
    assert {d["code"]: d["overdue"] for d in out["items"]}[code0] is False
    assert _cli(cfg, "advance", "0371-009999-0", "accepted")[0] == 5
    actors = [a["actor"] for a in Loop(centre_db).history(metas[0]["id"])]
    assert actors[1] == "wang" and all(a.startswith(("cli:", "wang")) for a in actors)


def test_pages_take_the_steps_and_list_the_supervision(centre, staff_browser):
    centre.db.set_config("*", json.dumps(DEADLINES))
    meta, late = item_meta(1), item_meta(2)
    for m in (meta, late):
        assert put_json(centre.url, m).status_code == 201
    old = (datetime.now(timezone.utc) - timedelta(days=5)).isoformat(timespec="milliseconds")
    centre.db.q("UPDATE items SET received_at = ? WHERE id = ?", [old, late["id"]])
    Loop(centre.db).advance(late["code"], "accepted", actor="li")
    staff = staff_browser(centre)
    page = staff.get(f"/items/{meta['id']}").text
    assert "受理 Accept" in page and "办理记录 Audit log" in page
    for data in ({"stage": "accepted"}, {"stage": "assigned", "department": "城管局"},
                 {"note": "已联系"}, {"stage": "replied", "note": "已修复"}):
        r = staff.post(f"/items/{meta['id']}/advance", data=data, allow_redirects=False)
        assert r.status_code == 303, r.text
    r = staff.post(f"/items/{meta['id']}/advance", data={"stage": "in_progress"})
    assert r.status_code == 409 and "cannot go from replied" in r.text
    page = staff.get(f"/items/{meta['id']}").text
    assert "城管局" in page and "已联系" in page and "重办 Reopen" in page and "办结 Close" in page
    sup = staff.get("/supervision").text
    assert late["code"] in sup and meta["code"] not in sup and "超期 overdue" in sup
    ups = requests.get(f"{centre.url}/api/v1/stations/0371/updates?after=0", timeout=10,
                       headers={"Authorization": f"Bearer {DEV_TOKEN}"}).json()["updates"]
    assert [(u["item_id"] == late["id"], u["escalated"]) for u in ups if u["escalated"]] == [(True, True)]
    assert [a["actor"] for a in Loop(centre.db).history(meta["id"])] == ["staff"] * 4
    assert [a["actor"] for a in Loop(centre.db).history(late["id"])] == ["li", "system:deadline"]
