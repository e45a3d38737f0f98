"""docs/openapi.yaml is a valid OpenAPI 3.1 document, covers every route both servers
really have, and what the kiosk really sends and serves matches its schemas."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import requests
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

from kiosk.central_dev.api import API_URLS
from kiosk.sync import backchannel
from kiosk.sync.daemon import SyncDaemon
from kiosk.sync.pullapi import URLS as PULL_URLS
from kiosk.config.sync import DEV_TOKEN

SPEC_PATH = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"


def spec() -> dict:
    d, _ = read_from_filename(str(SPEC_PATH))
    return d


def check(instance, name: str) -> None:
    s = spec()
    jsonschema.Draft202012Validator({"$ref": f"#/components/schemas/{name}", "components": s["components"]},
                                    format_checker=jsonschema.FormatChecker()).validate(instance)


def test_spec_is_valid_openapi_31():
    s = spec()
    validate(s)
    assert s["openapi"].startswith("3.1")


def test_every_real_route_is_documented_with_its_methods():
    paths = spec()["paths"]
    for rule in list(API_URLS.iter_rules()) + list(PULL_URLS.iter_rules()):
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        assert path in paths, f"{path} missing from docs/openapi.yaml"
        methods = {m.lower() for m in rule.methods} - {"head", "options"}
        assert methods <= set(paths[path]), (path, methods)


def test_real_payloads_match_the_schemas(central, make_cfg, store, h):
    cfg = make_cfg(central.url)
    items = h.add_items(store, cfg, 1, real_name=True) + h.add_items(store, cfg, 1)
    d = SyncDaemon(cfg, store)
    assert d.run_once()["ok"]
    for i in items:
        check(json.loads(central.db.item(i.id)["meta"]), "ItemMetadata")
    check(backchannel.heartbeat_body(store, 0, 1), "Heartbeat")
    check(backchannel.heartbeat_body(store, 0, 1, cfg), "Heartbeat")
    check(backchannel.unopenable_heartbeat_body(store, 0, 1, "disk full: the store cannot be opened yet"),
          "Heartbeat")
    central.db.set_status(items[0].id, "replied", "已答复")
    page = requests.get(f"{central.url}/api/v1/stations/0371/updates",
                        headers={"Authorization": f"Bearer {DEV_TOKEN}"}).json()
    for u in page["updates"]:
        check(u, "StatusUpdate")
    store.add_rating(items[0].id, "basically_satisfied")
    row = next(iter(store.db["ratings"].rows))
    check({"id": row["id"], "item_id": row["item_id"], "station": "0371", "rating": row["rating"],
           "created_at": row["created_at"], "clock_trusted": False}, "Rating")
    port = d.start_pull_api()
    try:
        base = f"http://127.0.0.1:{port}/pull/v1"
        auth = {"Authorization": f"Bearer {DEV_TOKEN}"}
        for it in requests.get(f"{base}/items", headers=auth).json()["items"]:
            check(it, "PulledItem")
        check(requests.get(f"{base}/items/{items[0].id}", headers=auth).json(), "PulledItem")
    finally:
        d.stop_pull_api()
    from kiosk.central_dev.defaults import default_config
    check(json.loads(default_config()), "StationConfig")
