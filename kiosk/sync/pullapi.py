"""The kiosk's pull API: the centre lists items after a cursor, downloads attachments
and acknowledges items (docs/protocol.md, "Pull API").

A WSGI application (werkzeug routing and responses) served by waitress from the sync
daemon. The cursor is the item's ``seq``: it is allocated inside the same ``BEGIN
IMMEDIATE`` transaction that inserts the item, and write transactions are serialised,
so items become visible strictly in ``seq`` order — a reader can never see ``seq`` N+1
before N is committed, so paging by ``after=seq`` never skips an item.

Attachments are addressed by their index, never by a name taken from the URL: the path
on disk comes only from the database, and the file is opened relative to the item's
directory without following a symlink, so no request can reach outside ``media/``.

Served by :func:`serve` with the request limits of docs/sync.md ("Pull API limits"):
a body cap (the only POST, the acknowledgement, has no body), waitress's connection
and idle limits, and the Host allow-list of :mod:`kiosk.runtime.webguard`.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import re
import stat

from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response
from werkzeug.wsgi import wrap_file

from kiosk.core.pii import PIIKeyError
from kiosk.runtime.httpserve import kept_headers
from kiosk.runtime.webguard import SERVING_LIMITS, HostGuard, parse_count
from kiosk.sync.wire import attachment_meta, item_meta

log = logging.getLogger("kiosk.sync.pullapi")

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# A cursor or page size: plain ASCII digits that fit SQLite's signed 64-bit INTEGER
# (int() alone would also take "١٢", "1_0" and " 7 ", and a 20-digit number overflows).
SQLITE_INT_MAX = 2**63 - 1
DEFAULT_PAGE = 50
#: Largest request body read: no pull API request needs one (docs/sync.md).
MAX_BODY = 64 * 1024

URLS = Map([
    Rule("/pull/v1/items", endpoint="list", methods=["GET"]),
    Rule("/pull/v1/items/<item_id>", endpoint="item", methods=["GET"]),
    Rule("/pull/v1/items/<item_id>/attachments/<int:idx>", endpoint="attachment", methods=["GET"]),
    Rule("/pull/v1/items/<item_id>/ack", endpoint="ack", methods=["POST"]),
# strict_slashes off: "/items/" is "/items"; merge_slashes off: "//" is a 404, not a
# 308 redirect (the pull API never answers with a redirect).
], strict_slashes=False, merge_slashes=False)


def _json(data, status: int = 200, **headers) -> Response:
    return Response(json.dumps(data, ensure_ascii=False), status=status,
                    mimetype="application/json", headers=headers)


def _error(status: int, message: str, **headers) -> Response:
    return _json({"error": message}, status, **headers)


class PullAPI:
    """WSGI callable; *token* is the secret the centre presents as a bearer token."""

    def __init__(self, store, token: str, page_max: int = 200):
        self.store = store
        self._token = token.encode("utf-8")
        self.page_max = page_max

    def __call__(self, environ, start_response):
        req = Request(environ)
        try:
            resp = self.dispatch(req)
        except HTTPException as e:
            resp = _error(e.code or 500, e.description or e.name, **kept_headers(e))
        return resp(environ, start_response)

    def _authorised(self, req: Request) -> bool:
        header = req.headers.get("Authorization", "")
        scheme, _, given = header.partition(" ")
        # hmac.compare_digest: the time taken does not reveal how much of the token matched.
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode("utf-8"), self._token)

    def dispatch(self, req: Request) -> Response:
        adapter = URLS.bind_to_environ(req.environ)
        endpoint, args = adapter.match()  # raises NotFound / MethodNotAllowed
        if not self._authorised(req):
            return _error(401, "missing or wrong bearer token", **{"WWW-Authenticate": 'Bearer realm="kiosk-pull"'})
        if endpoint == "list":
            return self.list_items(req)
        item_id = args["item_id"]
        if not _UUID.fullmatch(item_id):
            raise NotFound(f"no item {item_id[:40]!r} (item ids are lower-case UUIDs)")
        if endpoint == "item":
            return self.get_item(item_id)
        if endpoint == "attachment":
            return self.get_attachment(req, item_id, args["idx"])
        return self.ack(item_id)

    def list_items(self, req: Request) -> Response:
        after_s, limit_s = req.args.get("after", "0"), req.args.get("limit", str(DEFAULT_PAGE))
        after, limit = parse_count(after_s), parse_count(limit_s)
        if after is None or limit is None:
            return _error(400, "after and limit must be integers written in digits 0-9")
        if after > SQLITE_INT_MAX or not 1 <= limit <= SQLITE_INT_MAX:
            return _error(400, f"after must be 0 to {SQLITE_INT_MAX} and limit 1 to {SQLITE_INT_MAX}")
        limit = min(limit, self.page_max)
        delivery = req.args.get("delivery")
        if delivery and delivery not in ("pending", "delivered", "quarantined"):
            return _error(400, "delivery must be pending, delivered or quarantined")
        # One more than asked tells whether another page exists.
        items = self.store.list_items(after_seq=after, delivery=delivery or None, limit=limit + 1)
        more = len(items) > limit
        items = items[:limit]
        page = [self._summary(i) for i in items]
        return _json({"items": page, "next_after": items[-1].seq if items else after, "more": more})

    def _summary(self, item) -> dict:
        d = item_meta(item, with_pii=False)
        d["identity"] = None  # fetch one item to get the identity of a real-name item
        d.update(delivery=item.delivery, state=item.state, purged=item.purged_at is not None)
        return d

    def get_item(self, item_id: str) -> Response:
        try:
            item = self.store.get_item(item_id, with_pii=True)
        except PIIKeyError:
            # A setup failure of this kiosk (its key is missing or wrong), not the item's:
            # the centre retries later; staff see it in `kiosk doctor` (pii_key) and the
            # daemon's events (docs/store.md, "The personal-data key").
            return _error(503, "this kiosk cannot decrypt the item's identity now (personal-data key "
                               "unusable; see `kiosk doctor`)", **{"Retry-After": "300"})
        if item is None:
            raise NotFound(f"no item {item_id}")
        d = item_meta(item, with_pii=item.purged_at is None)
        d.update(delivery=item.delivery, state=item.state, purged=item.purged_at is not None)
        d["attachments"] = [{**attachment_meta(a), "purged": a.purged} for a in item.attachments]
        return _json(d)

    def get_attachment(self, req: Request, item_id: str, idx: int) -> Response:
        att = next((a for a in self.store.attachments(item_id) if a.idx == idx), None)
        if att is None:
            raise NotFound(f"item {item_id} has no attachment {idx}")
        if att.purged:
            return _error(410, "attachment purged by the retention policy")
        try:
            f = self._open_in_media(item_id, att.path.name)
        except FileNotFoundError:
            return _error(404, "attachment file missing on this kiosk")
        except OSError as e:
            log.warning("pull API refused attachment %s of %s: %s", idx, item_id, e)
            return _error(404, f"attachment {idx} is not a regular file in this kiosk's media directory "
                               "(symlinks are never followed)")
        # wrap_file uses the server's wsgi.file_wrapper (waitress streams it in blocks).
        resp = Response(wrap_file(req.environ, f), mimetype=att.media_type, direct_passthrough=True,
                        headers={"Content-Length": str(att.size), "Digest": f"sha-256={att.sha256}",
                                 "X-Content-SHA256": att.sha256})
        return resp

    def _open_in_media(self, item_id: str, name: str):
        """Open media/<item_id>/<name> for reading without following a symlink at
        either step (O_NOFOLLOW on the directory and the file), and only a regular file.
        Raises OSError (ELOOP for a symlink)."""
        dfd = os.open(self.store.media_dir / item_id, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        try:
            fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=dfd)
        finally:
            os.close(dfd)
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise OSError(f"{name} is not a regular file")
        return os.fdopen(fd, "rb")

    def ack(self, item_id: str) -> Response:
        if self.store.get_item(item_id) is None:
            raise NotFound(f"no item {item_id}")
        changed = self.store.mark_delivered(item_id, "pull")
        item = self.store.get_item(item_id)
        return _json({"id": item_id, "delivery": item.delivery, "changed": changed})


def build_app(store, settings):
    """The WSGI application as served: the Host guard in front of :class:`PullAPI`.
    Raises ValueError naming the key for a refused token."""
    return HostGuard(PullAPI(store, settings.pull_token(), settings.pull_page_max),
                     settings.pull_api_allowed_hosts, "sync.pull_api_allowed_hosts")


def serve(store, settings):
    """A started :class:`~kiosk.runtime.httpserve.BackgroundServer` for the pull API of
    *settings* (a SyncSettings); raises ValueError naming the key for a refused token."""
    from kiosk.runtime.httpserve import BackgroundServer
    app = build_app(store, settings)
    return BackgroundServer(app, settings.pull_api_host, settings.pull_api_port, threads=2,
                            ident="minyi-kiosk-pull", max_request_body_size=MAX_BODY,
                            **SERVING_LIMITS).start("pull-api")
