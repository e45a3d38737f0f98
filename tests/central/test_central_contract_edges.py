"""The centre's API refuses what docs/openapi.yaml does not allow, with the statuses the
document lists (found by running Schemathesis over the document; docs/centre.md).

Each case runs on both engines (the ``centre`` fixture)."""

from __future__ import annotations

import json
import uuid

import requests

from central_items import item_meta, put_json
from kiosk.config.sync import DEV_TOKEN

AUTH = {"Authorization": f"Bearer {DEV_TOKEN}"}


def test_updates_refuses_a_limit_beyond_the_documented_cap(centre):
    url = f"{centre.url}/api/v1/stations/0371/updates"
    assert requests.get(url, params={"limit": 500}, headers=AUTH).status_code == 200
    for bad in ("501", "0", "-1", "1e3", "١٢"):  # the last: Arabic-Indic digits, not ASCII
        r = requests.get(url, params={"limit": bad}, headers=AUTH)
        assert r.status_code == 400 and "limit from 1 to 500" in r.json()["error"], bad
    r = requests.get(url + "?limit=5&limit=6", headers=AUTH)
    assert r.status_code == 400


def test_a_malformed_station_is_a_documented_400_on_every_station_route(centre):
    for method, path in (("GET", "updates"), ("GET", "config"), ("POST", "heartbeat")):
        r = requests.request(method, f"{centre.url}/api/v1/stations/03X1/{path}", headers=AUTH, json={})
        assert r.status_code == 400 and r.json() == {"error": "station must be 4 digits"}, path


def test_a_method_the_route_does_not_have_says_which_it_has(centre):
    r = requests.request("TRACE", f"{centre.url}/api/v1/items/{uuid.uuid4()}", headers=AUTH)
    assert r.status_code == 405 and r.headers["Allow"].split(", ") == ["PUT"]


def test_an_idempotency_key_that_is_not_the_item_id_is_refused_and_nothing_stored(centre):
    meta = item_meta(1)
    r = requests.put(f"{centre.url}/api/v1/items/{meta['id']}", timeout=30,
                     headers={**AUTH, "Idempotency-Key": str(uuid.uuid4())},
                     files={"metadata": (None, json.dumps(meta), "application/json")})
    assert r.status_code == 400 and "Idempotency-Key" in r.json()["error"]
    assert not centre.db.has_item(meta["id"])
    assert put_json(centre.url, meta).status_code == 201  # without the header, as before


def test_a_rating_with_fields_of_the_wrong_type_is_refused(centre):
    meta = item_meta(1)
    assert put_json(centre.url, meta).status_code == 201
    good = {"id": str(uuid.uuid4()), "item_id": meta["id"], "rating": "satisfied",
            "created_at": "2026-12-01T09:30:00+08:00", "clock_trusted": True}
    from kiosk.central_dev.loop import Loop
    Loop(centre.db).advance(meta["code"], "accepted", actor="wang")
    Loop(centre.db).answer(meta["code"], "已处理", actor="wang")  # a round with a reply, to rate
    for field, value, says in (("clock_trusted", {}, "clock_trusted"), ("created_at", 5, "created_at"),
                               ("station", 371, "station"), ("round", 0, "round"), ("round", "1", "round"),
                               ("round", True, "round"), ("reason", 7, "reason"), ("reason", "长" * 1001, "reason")):
        body = {**good, "id": str(uuid.uuid4()), field: value}
        r = requests.put(f"{centre.url}/api/v1/ratings/{body['id']}", json=body, headers=AUTH)
        assert r.status_code == 400 and says in r.json()["error"], field
    r = requests.put(f"{centre.url}/api/v1/ratings/{good['id']}", json=good, headers=AUTH)
    assert r.status_code == 201


def test_a_nul_character_is_refused_by_name_on_both_engines_not_a_retry_forever_503(centre):
    meta = {**item_meta(1), "text": "路灯\x00坏了"}
    r = put_json(centre.url, meta)
    assert r.status_code == 400 and r.json()["error"] == "metadata.text contains a NUL character"
    assert not centre.db.has_item(meta["id"])
    ok = item_meta(2)
    assert put_json(centre.url, ok).status_code == 201
    rating = {"id": str(uuid.uuid4()), "item_id": ok["id"], "rating": "satisfied",
              "created_at": "2026-12-01T09:30:00+08:00", "clock_trusted": True, "station": "03\x0071"}
    r = requests.put(f"{centre.url}/api/v1/ratings/{rating['id']}", json=rating, headers=AUTH)
    assert r.status_code == 400 and r.json()["error"] == "rating.station contains a NUL character"
