"""Schemathesis hooks for tests/sync/test_sync_schemathesis.py (loaded by name through
``SCHEMATHESIS_HOOKS``; see https://schemathesis.readthedocs.io/en/stable/guides/extending/).

They tell the fuzzer the rules docs/openapi.yaml states in words because JSON Schema
cannot say them, so that a schema-valid request it draws is one a kiosk could send:

- an item's ``metadata.id``, its Idempotency-Key and a rating's ``id`` equal the UUID in
  the URL;
- every ``fileN`` part is listed in the metadata's ``attachments`` with its size and
  SHA-256 (a cross-part rule): drawn attachments are dropped, with their parts;
- an item's ``representative_id``, when not null, is one the centre's station config
  for that station lists (a cross-document rule; ``MINYI_ST_REPRESENTATIVES``, default
  ``r1``: central-dev's built-in config, kiosk/central_dev/defaults.py);
- a rating names an item the centre has, and the pull API's item routes name items the
  kiosk has (``MINYI_ST_ITEMS``: space-separated UUIDs the test stored first).

Nothing else is changed: every other value is the fuzzer's own.
"""

from __future__ import annotations

import os
import random

import schemathesis


def _known_items() -> list[str]:
    return os.environ.get("MINYI_ST_ITEMS", "").split()


@schemathesis.hook
def map_case(ctx, case):
    path = ctx.operation.path if ctx.operation else ""
    params = case.path_parameters or {}
    body = case.body
    known = _known_items()
    if path == "/api/v1/items/{item_id}" and isinstance(body, dict) and isinstance(body.get("metadata"), dict):
        body["metadata"]["id"] = params.get("item_id")
        if case.headers and "Idempotency-Key" in case.headers:
            case.headers["Idempotency-Key"] = params.get("item_id")
        if body["metadata"].get("representative_id") is not None:
            reps = os.environ.get("MINYI_ST_REPRESENTATIVES", "r1").split()
            body["metadata"]["representative_id"] = random.choice(reps)
        body["metadata"]["attachments"] = []
        for part in [k for k in body if k.startswith("file")]:
            del body[part]
    elif path == "/api/v1/ratings/{rating_id}" and isinstance(body, dict):
        body["id"] = params.get("rating_id")
        if known and "item_id" in body:
            body["item_id"] = random.choice(known)
    elif path.startswith("/pull/v1/items/{item_id}") and known and "item_id" in params:
        params["item_id"] = random.choice(known)
        case.path_parameters = params
    return case
