"""HTTP client for the central system (the kiosk → centre half of docs/protocol.md).

Every call to the centre goes through :meth:`CentreClient._send`, the one place where
the rules for talking to it are kept (docs/sync.md, "Centre calls"):

* one :class:`requests.Session` (keep-alive, the bearer token, TLS verified against the
  system store or ``sync.ca_bundle``, no proxy from the environment);
* **redirects are never followed** (``allow_redirects=False``): requests would replay a
  PUT with an empty body, or as a GET, at the ``Location``, and an answer there naming
  the item would count as the centre's receipt. A 3xx is a ``redirect`` failure naming
  the ``Location``;
* an **overall deadline** per call (:class:`~kiosk.sync.deadline.CallDeadline`):
  ``sync.call_deadline_s`` plus the upload's size at ``sync.min_upload_kib_s``, on top
  of the per-operation connect and read timeouts (a centre dripping a byte a second
  never trips a read timeout);
* the answer is **streamed and capped** at ``sync.max_answer_kib``; a longer one is
  refused (transient) before it is in memory. The kiosk asks for an uncompressed answer
  and refuses a compressed one (a small gzip body can expand to gigabytes).

Uploads are streamed: :class:`~kiosk.sync.wire.MultipartBody` reads each attachment
from its open file in blocks while the request is sent, so an item's files are never
all in memory.

Each failure is classified once, here, into what the daemon should do about it
(:class:`CentreError.kind`):

* ``transient`` — connection refused/reset, timeouts, the deadline, 5xx, 408/425/429,
  an answer too large, a 2xx whose body is not the JSON we expect: retry later with
  backoff (pushes are idempotent);
* ``redirect`` — a 3xx: retried like a transient failure, plus a staff alert naming
  the ``Location`` (``sync.central_url`` is probably wrong);
* ``config`` — this kiosk's own setup stops the call before anything is sent (an
  unreadable ``sync.ca_bundle``): retried with backoff, plus a staff alert;
* ``auth`` — 401/403: pause and raise an alert for staff;
* ``rejected`` — 400/413/422: the centre will never take this request as it is:
  quarantine the item (kept, retryable by staff).

No failure here is ever the item's fault except ``rejected``: an attachment that cannot
be opened raises :class:`AttachmentUnreadable` before any request is made, for the
forwarder to judge against the file's stored hash.

Retries are NOT done here (no urllib3 ``Retry``): the daemon owns the schedule so that a
whole outage is one backoff sequence, not one per request.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from dataclasses import dataclass
from typing import Any, Mapping

import requests
import urllib3

from kiosk.core.records import Attachment
from kiosk.sync.deadline import CallDeadline, DeadlineAdapter
from kiosk.config.sync import SyncSettings
from kiosk.sync.wire import PROTOCOL_VERSION, MultipartBody, app_version

TRANSIENT, AUTH, REJECTED, REDIRECT, CONFIG = "transient", "auth", "rejected", "redirect", "config"
#: A rating the centre will never take (docs/protocol.md "Ratings": 409 the round is rated
#: already; 422 no such round, no reply yet, or the matter closed): final, not our fault.
REFUSED = "refused"
_RATING_REFUSED_CODES = {409, 422}
_REJECT_CODES = {400, 413, 422}
_AUTH_CODES = {401, 403}
_READ_BLOCK = 64 * 1024
#: The receipt results of docs/protocol.md; anything else is not a receipt.
RECEIPT_RESULTS = ("created", "duplicate")


class CentreError(Exception):
    """A call to the centre failed. ``kind`` says what to do, ``str()`` says why;
    ``location`` is the ``Location`` of a refused redirect."""

    def __init__(self, kind: str, message: str, status: int | None = None, *, location: str | None = None):
        self.kind = kind
        self.status = status
        self.location = location
        super().__init__(message)


class AttachmentUnreadable(Exception):
    """An attachment of the item could not be opened; nothing was sent."""

    def __init__(self, attachment: Attachment, error: OSError):
        self.attachment = attachment
        self.error = error
        super().__init__(f"cannot open attachment {attachment.name}: {error.strerror or error}")


@dataclass(frozen=True)
class Answer:
    """The centre's answer, read whole (within the size cap)."""

    status: int
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True)
class ConfigFetch:
    """Result of a station-config request: ``changed`` False means 304 Not Modified."""

    changed: bool
    etag: str | None
    body: bytes


def _problem(answer: Answer) -> str:
    """The centre's error text (``{"error": …}``), shortened, else nothing."""
    try:
        data = json.loads(answer.body)
    except (ValueError, RecursionError):
        return "no reason given"
    if isinstance(data, dict) and isinstance(data.get("error"), str):
        return data["error"][:300]
    return "no reason given"


def classify(answer: Answer) -> None:
    """Raise :class:`CentreError` for a non-2xx answer (304 is an answer too)."""
    code = answer.status
    if 200 <= code < 300 or code == 304:
        return
    text = f"HTTP {code}: {_problem(answer)}"
    if code in _AUTH_CODES:
        raise CentreError(AUTH, text, code)
    if code in _REJECT_CODES:
        raise CentreError(REJECTED, text, code)
    raise CentreError(TRANSIENT, text, code)


class CentreClient:
    """Talks to the centre for one station. Not thread-safe: one per daemon thread."""

    def __init__(self, settings: SyncSettings, station: str, *, token: str | None = None):
        self.settings = settings
        self.station = station
        self.base = settings.central_url.rstrip("/") + "/api/v1"
        self.timeout = (settings.connect_timeout_s, settings.read_timeout_s)
        self.max_answer = settings.max_answer_kib * 1024
        self.session = requests.Session()
        # One multipart boundary per client instead of one per upload: a centre parsing
        # with werkzeug (central-dev) compiles two regular expressions per new boundary
        # (werkzeug/sansio/multipart.py), ~1.4 ms of every push. It is as unguessable
        # from outside as one per upload, and no resident's file can aim at it.
        self._boundary = uuid.uuid4().hex
        adapter = DeadlineAdapter(max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.verify = settings.verify()
        self.session.trust_env = False  # a kiosk must not pick up a stray proxy from the environment
        self.session.headers.update({
            "Authorization": f"Bearer {token if token is not None else settings.central_token()}",
            "User-Agent": f"minyi-kiosk/{app_version()} (station {station})",
            "X-Kiosk-Protocol": str(PROTOCOL_VERSION),
            "Accept-Encoding": "identity",
        })

    def close(self) -> None:
        """Close pooled connections."""
        self.session.close()

    def deadline_s(self, upload_bytes: int = 0) -> float:
        """The overall deadline of a call that uploads *upload_bytes*."""
        s = self.settings
        return s.call_deadline_s + upload_bytes / (s.min_upload_kib_s * 1024)

    def _send(self, method: str, path: str = "", *, url: str | None = None, upload_bytes: int = 0,
              cap: tuple[int, str, str] | None = None, **kw) -> Answer:
        """Make one call to the centre (the only place one is made) and read its answer.

        *path* is below the API base, or *url* is absolute (on the centre's origin).
        *cap* overrides the answer size cap: (bytes, the kind of error past it, what for).
        """
        cap = cap or (self.max_answer, TRANSIENT, "(sync.max_answer_kib)")
        seconds = self.deadline_s(upload_bytes)
        late = CentreError(TRANSIENT, f"no complete answer within the {seconds:.0f} s deadline "
                                      "(sync.call_deadline_s)")
        with CallDeadline(seconds) as deadline:
            try:
                resp = self.session.request(method, url or self.base + path, timeout=self.timeout,
                                            allow_redirects=False, stream=True, **kw)
                try:
                    answer = Answer(resp.status_code, resp.headers, self._read_answer(resp, cap))
                finally:
                    resp.close()
            except CentreError:
                raise
            except requests.exceptions.SSLError as e:
                # A bad certificate is a setup problem, but it may be fixed on the centre's
                # side at any time: retry with backoff; the outage line carries the reason.
                raise late if deadline.expired else CentreError(
                    TRANSIENT, f"TLS verification failed: {_short(e)}") from None
            except (requests.exceptions.Timeout, urllib3.exceptions.TimeoutError) as e:
                raise late if deadline.expired else CentreError(TRANSIENT, f"timed out: {_short(e)}") from None
            except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError) as e:
                raise late if deadline.expired else CentreError(
                    TRANSIENT, f"connection failed: {_short(e)}") from None
            except OSError as e:
                # Not a network error (requests and urllib3 wrap those): this kiosk's setup
                # stopped the call before it was sent, e.g. sync.ca_bundle is gone.
                raise late if deadline.expired else CentreError(
                    CONFIG, f"this kiosk's TLS setup is unusable (check sync.ca_bundle): {_short(e)}") from None
            if deadline.expired:
                raise late  # the shutdown may look like the end of a body without a length
        classify(answer)
        return answer

    @staticmethod
    def _read_answer(resp: requests.Response, cap: tuple[int, str, str]) -> bytes:
        """The body, refusing a redirect, a compressed body and one past the size cap."""
        code = resp.status_code
        if 300 <= code < 400 and code != 304:
            location = resp.headers.get("Location", "")
            shown = repr(location[:200]) if location else "no Location"
            raise CentreError(REDIRECT, f"HTTP {code} redirect to {shown} refused: centre calls never follow "
                                        "redirects (check sync.central_url)", code, location=location[:200])
        # An error's status says what to do; its body only gives the reason. So a body
        # that cannot be read is refused for a 2xx, and just left unread for an error.
        success = 200 <= code < 300
        encoding = resp.headers.get("Content-Encoding", "identity").strip().lower()
        if encoding not in ("", "identity"):
            if not success:
                return b""
            raise CentreError(TRANSIENT, f"the centre's answer is {encoding[:30]!r}-encoded although "
                                         "the kiosk asks for an uncompressed one", code)
        limit, kind, what = cap
        too_large = CentreError(kind, f"the centre's answer is larger than {limit} bytes, the most this kiosk "
                                      f"reads {what}", code)
        declared = resp.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            if not success:
                return b""
            raise too_large
        body = bytearray()
        for block in resp.raw.stream(_READ_BLOCK, decode_content=False):
            body += block
            if len(body) > limit:
                if not success:
                    return b""
                raise too_large
        return bytes(body)

    @staticmethod
    def _json(answer: Answer) -> Any:
        try:
            return json.loads(answer.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise CentreError(TRANSIENT, f"malformed JSON in the centre's answer (HTTP {answer.status})",
                              answer.status) from None

    @staticmethod
    def _receipt(answer: Answer, uuid: str, what: str) -> dict:
        data = CentreClient._json(answer)
        if (not isinstance(data, dict) or data.get("id") != uuid
                or data.get("result") not in RECEIPT_RESULTS):
            raise CentreError(TRANSIENT, f"the centre's answer is not a receipt for this {what}", answer.status)
        return data

# -- push -------------------------------------------------------------------------

    def push_item(self, meta: dict, attachments: tuple[Attachment, ...]) -> dict:
        """PUT one item with its files; returns the centre's receipt ``{"id", "result"}``.

        Raises :class:`CentreError`, or :class:`AttachmentUnreadable` (nothing sent) when
        an attachment cannot be opened.
        """
        with contextlib.ExitStack() as files:
            parts = [("metadata", "metadata.json", "application/json",
                      json.dumps(meta, ensure_ascii=False).encode("utf-8"))]
            for a in attachments:
                try:
                    f = files.enter_context(open(a.path, "rb"))
                except OSError as e:
                    raise AttachmentUnreadable(a, e) from None
                # Part names are ASCII and fixed; the real file name travels in the metadata.
                parts.append((f"file{a.idx}", f"file{a.idx}", a.media_type, f))
            body = MultipartBody(self._boundary, parts)
            answer = self._send("PUT", f"/items/{meta['id']}", data=body, upload_bytes=body.len,
                                headers={"Content-Type": body.content_type,
                                         "Idempotency-Key": meta["id"]})
        return self._receipt(answer, meta["id"], "item")

    def push_rating(self, rating: dict) -> dict:
        """PUT one rating (idempotent by the rating's UUID). Raises CentreError of kind
        ``refused`` when the centre will never take it (409, 422)."""
        try:
            answer = self._send("PUT", f"/ratings/{rating['id']}", json=rating,
                                headers={"Idempotency-Key": rating["id"]})
        except CentreError as e:
            if e.status in _RATING_REFUSED_CODES:
                raise CentreError(REFUSED, str(e), e.status) from None
            raise
        return self._receipt(answer, rating["id"], "rating")

    # -- back-channel -----------------------------------------------------------------

    def updates(self, after: int, limit: int = 100) -> dict:
        """Status changes and replies for this station's items after *after*."""
        answer = self._send("GET", f"/stations/{self.station}/updates",
                            params={"after": after, "limit": limit})
        data = self._json(answer)
        if not isinstance(data, dict) or not isinstance(data.get("updates"), list):
            raise CentreError(TRANSIENT, "malformed updates page: expected {\"updates\": [...]}")
        return data

    def heartbeat(self, data: dict) -> None:
        """POST the station's health."""
        self._send("POST", f"/stations/{self.station}/heartbeat", json=data)

    def station_config(self, etag: str | None) -> ConfigFetch:
        """GET the station config, conditional on the last applied ETag."""
        headers = {"If-None-Match": etag} if etag else {}
        answer = self._send("GET", f"/stations/{self.station}/config", headers=headers)
        if answer.status == 304:
            return ConfigFetch(False, etag, b"")
        return ConfigFetch(True, answer.headers.get("ETag"), answer.body)

    def fetch_photo(self, url: str, max_bytes: int) -> tuple[str, bytes]:
        """GET a representative's photo on the centre's origin (absolute *url*);
        returns (Content-Type, body). A body over *max_bytes* is not read to the end:
        ``CentreError("rejected")``. Other failures as for every call."""
        answer = self._send("GET", url=url, cap=(max_bytes, REJECTED, "for a photo"))
        return answer.headers.get("Content-Type", ""), answer.body


def _short(e: Exception) -> str:
    text = str(e)
    return text if len(text) <= 200 else text[:197] + "..."
