"""不满意再办 rounds at the centre (protocol 4): 409 for a round rated already, not
open yet, without a reply, or closed by staff; 422 for an unknown item; unsatisfied reopens with the reason, satisfied closes."""

from __future__ import annotations

import uuid

import requests

from central_items import item_meta, put_json
from kiosk.central_dev.loop import Loop
from kiosk.config.sync import DEV_TOKEN

AUTH = {"Authorization": f"Bearer {DEV_TOKEN}"}


def _rate(url, item_id, rating, rid=None, **extra):
    body = {"id": rid or str(uuid.uuid4()), "item_id": item_id, "rating": rating, "station": "0371",
            "created_at": "2026-12-01T09:30:00+08:00", "clock_trusted": True, **extra}
    return requests.put(f"{url}/api/v1/ratings/{body['id']}", json=body, headers=AUTH, timeout=10)


def test_rounds_rated_once_reopened_by_unsatisfied_closed_by_satisfied(centre):
    meta = item_meta(1)
    assert put_json(centre.url, meta).status_code == 201
    loop = Loop(centre.db)
    loop.advance(meta["code"], "accepted", actor="wang")
    loop.advance(meta["code"], "assigned", actor="wang", department="城管局")
    r = _rate(centre.url, meta["id"], "satisfied")
    assert r.status_code == 409 and "no reply yet" in r.json()["error"]
    loop.answer(meta["code"], "已修复", actor="wang")
    assert _rate(centre.url, meta["id"], "satisfied", round=2).status_code == 409
    assert _rate(centre.url, str(uuid.uuid4()), "satisfied").status_code == 422  # no such item
    rid = str(uuid.uuid4())
    assert _rate(centre.url, meta["id"], "unsatisfied", rid, round=1, reason="灯还是不亮").status_code == 201
    assert _rate(centre.url, meta["id"], "unsatisfied", rid, round=1).json()["result"] == "duplicate"
    r = _rate(centre.url, meta["id"], "satisfied", round=1)
    assert r.status_code == 409 and r.json()["error"] == f"round 1 of {meta['code']} is rated already"
    row = centre.db.item(meta["id"])
    assert (row["status"], row["department"], row["round"]) == ("accepted", "城管局", 2)
    ups = requests.get(f"{centre.url}/api/v1/stations/0371/updates", headers=AUTH, timeout=10).json()["updates"]
    assert [(u["stage"], u["round"]) for u in ups][-2:] == [("rated", 1), ("reopened", 2)]
    assert ups[-2]["rating"] == "unsatisfied" and ups[-1]["note"] == "灯还是不亮" and ups[-1]["status"] == "accepted"
    loop.answer(meta["code"], "已更换灯具", actor="wang")
    assert _rate(centre.url, meta["id"], "satisfied").status_code == 201  # no round: the current one
    row = centre.db.item(meta["id"])
    assert row["status"] == "closed"
    rounds = loop.describe(row)["rounds"]
    assert [(x["round"], x["replies"], x["rating"], x["reason"]) for x in rounds] == [
        (1, ["已修复"], "unsatisfied", None), (2, ["已更换灯具"], "satisfied", "灯还是不亮")]
    assert rounds[1]["closed_reason"] == "居民满意"


def test_close_with_reason_then_ratings_are_refused(centre):
    meta = item_meta(1)
    assert put_json(centre.url, meta).status_code == 201
    loop = Loop(centre.db)
    loop.advance(meta["code"], "accepted", actor="wang")
    loop.answer(meta["code"], "已处理", actor="wang")
    loop.close(meta["code"], "诉求已依法答复", actor="wang")
    r = _rate(centre.url, meta["id"], "unsatisfied")
    assert r.status_code == 409 and "closed" in r.json()["error"]
    assert loop.describe(centre.db.item(meta["id"]))["rounds"][0]["closed_reason"] == "诉求已依法答复"
