"""central-dev's implementation of the centre's API (docs/protocol.md, docs/openapi.yaml).

A werkzeug WSGI application run by waitress. Waitress has buffered the whole request
body (to a temp file when large) before the app runs, so a 413 is an answer the kiosk
reads, not a reset in the middle of its upload.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import shutil
import tempfile

import sqlalchemy as sa
from werkzeug.exceptions import HTTPException, NotFound, RequestEntityTooLarge
from werkzeug.formparser import parse_form_data
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from kiosk.central_dev import representatives
from kiosk.central_dev.continuity import check_link_meta
from kiosk.central_dev.db import CentralDB, ItemConflict, etag_of
from kiosk.central_dev.defaults import default_config
from kiosk.central_dev.keys import StationKeys, with_station_keys
from kiosk.central_dev.rating import RatingConflict, RatingRefused, rate
from kiosk.central_dev.loop import MAX_SHORT_NOTE
from kiosk.runtime.httpserve import kept_headers
from kiosk.core import trackcode
from kiosk.core.records import RATINGS
from kiosk.runtime.webguard import parse_count

log = logging.getLogger("kiosk.central_dev.api")

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
CHUNK = 64 * 1024
#: Parts of one item upload: metadata + at most 127 attachments (the kiosk allows 100,
#: submission.max_attachments). More is refused before they are parsed (413): werkzeug
#: would otherwise make a file per part (6,000 parts took 22 s).
MAX_PARTS = 128

API_URLS = Map([
    Rule("/api/v1/items/<item_id>", endpoint="put_item", methods=["PUT"]),
    Rule("/api/v1/ratings/<rating_id>", endpoint="put_rating", methods=["PUT"]),
    Rule("/api/v1/stations/<station>/updates", endpoint="updates", methods=["GET"]),
    Rule("/api/v1/stations/<station>/heartbeat", endpoint="heartbeat", methods=["POST"]),
    Rule("/api/v1/stations/<station>/config", endpoint="config", methods=["GET"]),
    Rule("/api/v1/photos/<name>", endpoint="photo", methods=["GET"]),
], merge_slashes=False)  # "//" is a 404, never a redirect
#: Most updates one page may ask for (docs/openapi.yaml, statusUpdates' limit).
MAX_UPDATES = 500
MALFORMED_STATION = "station must be 4 digits"
PHOTO_NAME = re.compile(r"[a-z0-9_-]{1,64}\.(jpg|png)")
PHOTO_TYPES = {"jpg": "image/jpeg", "png": "image/png"}


def jresp(data, status: int = 200, **headers) -> Response:
    return Response(json.dumps(data, ensure_ascii=False), status=status, mimetype="application/json",
                    headers=headers)


def err(status: int, message: str, **headers) -> Response:
    return jresp({"error": message}, status, **headers)


class CentralAPI:
    """The /api/v1 routes."""

    def __init__(self, db: CentralDB, token: str, max_item_bytes: int):
        self.db = db
        self._token = token.encode("utf-8")
        self.max_item_bytes = max_item_bytes
        self.keys = StationKeys(db)

    def authorised(self, req: Request) -> bool:
        scheme, _, given = req.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode("utf-8"), self._token)

    def __call__(self, environ, start_response):
        req = Request(environ)
        try:
            endpoint, args = API_URLS.bind_to_environ(environ).match()
            if not self.authorised(req):
                resp = err(401, "missing or wrong bearer token", **{"WWW-Authenticate": 'Bearer realm="centre"'})
            else:
                resp = getattr(self, endpoint)(req, **args)
        except HTTPException as e:
            resp = err(e.code or 500, e.description or e.name, **kept_headers(e))
        except sa.exc.DBAPIError as e:
            # The database went away mid-request: the transaction rolled back (or its
            # commit is in doubt), so nothing is acknowledged; the kiosk retries a 503
            # and the item's UUID makes the retry safe (docs/centre.md).
            log.warning("centre database error on %s: %s", req.path, str(e.orig).strip().splitlines()[:1])
            resp = err(503, "centre database unavailable, retry later", **{"Retry-After": "5"})
        return resp(environ, start_response)

    # -- items ------------------------------------------------------------------------

    def put_item(self, req: Request, item_id: str) -> Response:
        if not UUID.fullmatch(item_id):
            return err(400, "item id must be a lower-case UUID")
        if req.headers.get("Idempotency-Key", item_id) != item_id:
            return err(400, "Idempotency-Key must equal the item id in the URL")
        if req.content_length is not None and req.content_length > self.max_item_bytes:
            self.db.add_receipt(item_id, "rejected-413")
            return err(413, f"item larger than {self.max_item_bytes} bytes")
        # No look for the UUID first: that was a read transaction in every push, and the
        # insert's unique key decides anyway (CentralDB.store_item: "created" or
        # "duplicate"). Only a body this centre would refuse asks whether it has the UUID.
        tmp = self.db.new_tmp_dir()
        try:
            resp, rejected = self._receive(req, item_id, tmp)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        if resp.status_code >= 400 and self.db.has_item(item_id):
            # Idempotent: the first receipt stands, whatever this repeat carries.
            self.db.add_receipt(item_id, "duplicate")
            return jresp({"id": item_id, "result": "duplicate"})
        if rejected:
            self.db.add_receipt(item_id, rejected)
        return resp

    def _receive(self, req: Request, item_id: str, tmp) -> tuple[Response, str | None]:
        """The answer to an item's body, and the receipt of a rejection (None: none)."""
        count = iter(range(MAX_PARTS + 1))

        def stream_factory(total_content_length, content_type, filename, content_length=None):
            # Parts go straight to files in our tmp dir (named by counter, never by filename);
            # the metadata stays in memory unless it is large.
            if filename == "metadata.json":
                return tempfile.SpooledTemporaryFile(max_size=1024 * 1024, dir=tmp)
            return open(tmp / f"part{next(count)}", "wb+")
        try:
            _, form, files = parse_form_data(req.environ, stream_factory=stream_factory,
                                             max_form_memory_size=1024 * 1024, max_form_parts=MAX_PARTS)
        except RequestEntityTooLarge:
            return err(413, f"more than {MAX_PARTS} multipart parts"), "rejected-413"
        except HTTPException as e:
            return err(400, f"malformed multipart body: {e.description}"), None
        meta_file = files.get("metadata")
        try:
            meta = json.loads(meta_file.stream.read() if meta_file else form["metadata"])
        except (KeyError, ValueError, UnicodeDecodeError):
            return err(400, "part 'metadata' missing or not JSON"), None
        problem = _check_meta(meta, item_id)
        if problem:
            return err(400, problem), None
        refused = representatives.refusal(self.db, meta)
        if refused:  # the item's own problem: the kiosk quarantines it (docs/protocol.md)
            return err(422, refused), "rejected-422"
        manifest = {a["idx"]: a for a in meta["attachments"]}
        extra = [k for k in files if k != "metadata" and (not k.startswith("file") or
                                                           not k[4:].isdigit() or int(k[4:]) not in manifest)]
        if extra:
            return err(400, f"unexpected part {extra[0][:40]!r}"), None
        out = []
        for idx, a in manifest.items():
            part = files.get(f"file{idx}")
            if part is None:
                return err(400, f"part file{idx} missing"), None
            if not isinstance(getattr(part.stream, "name", None), str):  # kept in memory: not a file part
                return err(400, f"part file{idx} is named like the metadata"), None
            h, size = hashlib.sha256(), 0
            part.stream.seek(0)
            while chunk := part.stream.read(CHUNK):
                h.update(chunk)
                size += len(chunk)
            if size != a["size"] or h.hexdigest() != a["sha256"]:
                return err(422, f"attachment {idx} does not match its manifest "
                                f"(size {size}, sha256 {h.hexdigest()[:12]}...)"), "rejected-422"
            part.stream.flush()
            os.fsync(part.stream.fileno())
            part.stream.close()
            os.rename(part.stream.name, tmp / str(idx))
            out.append(a)
        for p in tmp.glob("part*"):
            p.unlink()
        try:
            result = self.db.store_item(meta, out, tmp)
        except ItemConflict as e:
            return err(422, str(e)), "rejected-422"
        return jresp({"id": item_id, "result": result}, 201 if result == "created" else 200), None

    # -- ratings, back-channel --------------------------------------------------------

    def put_rating(self, req: Request, rating_id: str) -> Response:
        body = req.get_json(silent=True)
        if not UUID.fullmatch(rating_id) or not isinstance(body, dict) or body.get("id") != rating_id:
            return err(400, "rating must be JSON whose id matches the URL")
        if body.get("rating") not in RATINGS:
            return err(422, f"rating must be one of {', '.join(RATINGS)}")
        if isinstance(body.get("round"), float) and body["round"].is_integer():
            body["round"] = int(body["round"])  # 2.0 is an integer in JSON Schema
        problem = _check_rating(body)
        if problem:
            return err(400, problem)
        if not isinstance(body.get("item_id"), str):
            return err(422, "rating refers to an item the centre does not have")
        # The matter's state does not allow it (rated already, no reply yet, closed): 409;
        # no such item: 422. Both are final at the kiosk (docs/protocol.md "Ratings").
        try:
            result = rate(self.db, body).result
        except RatingConflict as e:
            return err(409, str(e))
        except RatingRefused as e:
            return err(422, str(e))
        return jresp({"id": rating_id, "result": result}, 201 if result == "created" else 200)

    def updates(self, req: Request, station: str) -> Response:
        if not trackcode.is_station(station):
            return err(400, MALFORMED_STATION)
        after, limit = _int_arg(req, "after", 0, 0, 2**63 - 1), _int_arg(req, "limit", 100, 1, MAX_UPDATES)
        if after is None or limit is None:
            return err(400, f"after must be an integer from 0, limit from 1 to {MAX_UPDATES} (docs/openapi.yaml)")
        rows = self.db.updates(station, after, limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        # department, escalated (督办), stage, round, note and rating are added fields: a
        # kiosk that reads only status and reply applies the update as before (docs/protocol.md).
        return jresp({"updates": [_update_body(r) for r in rows], "more": more})

    def heartbeat(self, req: Request, station: str) -> Response:
        body = req.get_json(silent=True)
        if not trackcode.is_station(station):
            return err(400, MALFORMED_STATION)
        if not isinstance(body, dict):
            return err(400, "heartbeat must be a JSON object")
        self.db.add_heartbeat(station, body)
        # A changed key is refused and recorded (pages, `central-dev stations`), but the
        # heartbeat itself is kept: the station's health must stay visible.
        self.keys.take_heartbeat(station, body)
        return Response(status=204)

    def config(self, req: Request, station: str) -> Response:
        if not trackcode.is_station(station):
            return err(400, MALFORMED_STATION)
        found = self.db.config_for(station)
        body, etag = found if found else (default_config(), None)
        keys = self.keys.published()
        if keys:  # the district's pinned keys go with every station's config
            body, etag = with_station_keys(body, keys), None
        etag = etag or etag_of(body)
        if etag in [e.strip() for e in req.headers.get("If-None-Match", "").split(",")]:
            return Response(status=304, headers={"ETag": etag})
        return Response(body, mimetype="application/json", headers={"ETag": etag})

    def photo(self, req: Request, name: str) -> Response:
        if not PHOTO_NAME.fullmatch(name) or not self.db.photo_path(name).is_file():
            raise NotFound("no such photo")
        return Response(self.db.photo_path(name).read_bytes(), mimetype=PHOTO_TYPES[name.rsplit(".", 1)[1]])


#: Item protocol versions this centre accepts (docs/protocol.md, "Versioning").
PROTOCOLS = (1, 2, 3, 4)
#: Optional string fields of an item's metadata (None or a string; docs/protocol.md).
META_STRINGS = ("code", "created_at", "text", "category", "source", "lang")
MAX_TEXT = 100_000
#: The fields the centre keeps in text columns (the rest is kept as escaped JSON).
# The ID number's shape (GB 11643); the kiosk checked its check character (docs/protocol.md).
ID_NUMBER = re.compile(r"\d{17}[\dX]")
STORED_META = ("code", "text", "category", "station", "identity", "attachments", "representative_id")
STORED_RATING = ("id", "item_id", "station", "rating", "created_at", "reason")


def _update_body(r) -> dict:
    """One back-channel update as docs/openapi.yaml's StatusUpdate; ``rating`` only on
    a ``rated`` one. A row from before migration 0005 has no stage: its status is it."""
    body = {"cursor": r["cursor"], "item_id": r["item_id"], "status": r["status"], "reply": r["reply"],
            "at": r["at"], "department": r["department"], "escalated": bool(r["escalated"]),
            "stage": r["stage"] or r["status"], "round": r["round"], "note": r["note"]}
    if body["stage"] == "rated":
        body["rating"] = r["rating"]
    return body


def _check_meta(meta, item_id: str) -> str | None:
    """The first reason *meta* is not an item this centre can store and show, else None.
    One check for both doors, the push (``put_item``) and the USB bundle
    (kiosk/central_dev/bundles.py): a NUL in a stored field is refused at either."""
    if not isinstance(meta, dict):
        return "metadata must be a JSON object"
    if meta.get("id") != item_id:
        return "metadata id does not match the URL"
    if meta.get("protocol", 1) not in PROTOCOLS:
        return (f"metadata protocol {meta.get('protocol')!r:.20} is not one this centre speaks "
                f"({', '.join(map(str, PROTOCOLS))})")
    if not trackcode.is_station(meta.get("station")):
        return "metadata station must be 4 digits"
    for key in META_STRINGS:
        if meta.get(key) is not None and not isinstance(meta[key], str):
            return f"metadata {key} must be a string or null, got {type(meta[key]).__name__}"
    if len(meta.get("text") or "") > MAX_TEXT:
        return f"metadata text longer than {MAX_TEXT} characters"
    seq = meta.get("seq")
    if seq is not None and (not isinstance(seq, int) or isinstance(seq, bool) or not 0 <= seq < 2**63):
        return "metadata seq must be an integer from 0 to 2^63-1"
    if not isinstance(meta.get("anonymous", False), bool):
        return "metadata anonymous must be true or false"
    problem = representatives.type_problem(meta)
    if problem:
        return problem
    atts = meta.get("attachments")
    if not isinstance(atts, list):
        return "metadata attachments must be a list"
    if len(atts) >= MAX_PARTS:
        return f"at most {MAX_PARTS - 1} attachments"
    seen = set()
    for a in atts:
        if not (isinstance(a, dict) and _is_int(a.get("idx")) and _is_int(a.get("size"))
                and isinstance(a.get("sha256"), str) and isinstance(a.get("name"), str)
                and isinstance(a.get("media_type"), str)):
            return "each attachment needs idx, name, media_type, size and sha256"
        if not (0 <= a["idx"] < 2**63 and 0 <= a["size"] < 2**63):
            return "attachment idx and size must be 0 to 2^63-1"
        if a["idx"] in seen:
            return "duplicate attachment idx"
        seen.add(a["idx"])
    problem = check_link_meta(meta)
    if problem:
        return problem
    if not meta.get("anonymous"):
        ident = meta.get("identity")
        if not (isinstance(ident, dict) and isinstance(ident.get("name"), str) and ident["name"]
                and isinstance(ident.get("phone"), str) and ident["phone"]):
            return "a real-name item needs identity.name and identity.phone (strings)"
        number = ident.get("id_number")
        if number is not None and not (isinstance(number, str) and ID_NUMBER.fullmatch(number)):
            return "identity.id_number must be 17 digits and a check character (or absent)"
    return _nul_in({k: meta.get(k) for k in STORED_META}, "metadata")


def _check_rating(body: dict) -> str | None:
    """The first field of a rating whose type is not docs/openapi.yaml's Rating, or that
    the centre cannot store (a NUL), else None."""
    if not isinstance(body.get("created_at"), str):
        return "rating created_at must be a date-time string"
    if not isinstance(body.get("clock_trusted"), bool):
        return "rating clock_trusted must be true or false"
    if not isinstance(body.get("station", ""), str):
        return "rating station must be a string"
    number = body.get("round")
    if number is not None and not (_is_int(number) and 1 <= number < 2**63):
        return "rating round must be an integer from 1 (or absent: the item's current round)"
    reason = body.get("reason")
    if reason is not None and not (isinstance(reason, str) and len(reason) <= MAX_SHORT_NOTE):
        return f"rating reason must be text of at most {MAX_SHORT_NOTE} characters, or null"
    return _nul_in({k: body.get(k) for k in STORED_RATING}, "rating")


def _nul_in(value, where: str = "body") -> str | None:
    """Where *value* (decoded JSON) holds a NUL character, else None. PostgreSQL's text
    cannot store one (the insert fails: a 503 the kiosk would retry forever), so it is
    refused on both engines alike."""
    if isinstance(value, str):
        return f"{where} contains a NUL character" if "\x00" in value else None
    if isinstance(value, dict):
        items = [(f"{where}.{k}", v) for k, v in value.items()]  # keys are kept only as escaped JSON
    elif isinstance(value, list):
        items = [(f"{where}[{i}]", v) for i, v in enumerate(value)]
    else:
        return None
    return next((p for w, v in items if (p := _nul_in(v, w))), None)


def _int_arg(req: Request, name: str, default: int, low: int, high: int) -> int | None:
    """Query argument *name* as an int in [low, high] (ASCII digits only), *default* when
    absent, None when given more than once or out of range or not a number."""
    given = req.args.getlist(name)
    if not given:
        return default
    value = parse_count(given[0]) if len(given) == 1 else None
    return value if value is not None and low <= value <= high else None


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)
