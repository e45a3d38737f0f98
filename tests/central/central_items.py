"""Items for the centre's tests: an item's metadata as a kiosk sends it, stored through
the centre's real storage path or pushed over HTTP. Imported by the tests of
tests/central (its conftest puts this directory on sys.path)."""

from __future__ import annotations

import json
import uuid

from kiosk.central_dev.db import CentralDB
from kiosk.config.sync import DEV_TOKEN


def item_meta(seq: int, *, station: str = "0371", category: str | None = "infrastructure",
              text: str = "路灯坏了") -> dict:
    """An anonymous item's metadata as a kiosk sends it (docs/protocol.md)."""
    from kiosk.core.trackcode import make
    return {"id": str(uuid.uuid4()), "station": station, "seq": seq, "code": str(make(station, seq)),
            "created_at": "2026-11-23T09:00:00+08:00", "text": text, "category": category,
            "source": "touch", "lang": "zh-CN", "anonymous": True, "attachments": []}


def store(db: CentralDB, meta: dict) -> str:
    """Store *meta* (no attachments) through ``CentralDB.store_item``."""
    return db.store_item(meta, [], db.new_tmp_dir())


def put_json(url: str, meta: dict):
    """PUT one item over HTTP as the kiosk does (multipart, metadata part only)."""
    import requests
    return requests.put(f"{url}/api/v1/items/{meta['id']}", timeout=30,
                        headers={"Authorization": f"Bearer {DEV_TOKEN}"},
                        files={"metadata": (None, json.dumps(meta, ensure_ascii=False), "application/json")})
