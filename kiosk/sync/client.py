"""HTTP client for the central system (the kiosk → centre half of docs/protocol.md).

Every call goes through one :class:`requests.Session` (keep-alive, the bearer token,
TLS verified against the system store or ``sync.ca_bundle``) with separate connect and
read timeouts. Uploads are streamed: requests-toolbelt's ``MultipartEncoder`` reads each
attachment from its open file in small blocks while the request is sent, so an item's
files are never all in memory.

Each failure is classified once, here, into what the daemon should do about it
(:class:`CentreError.kind`):

* ``transient`` — connection refused/reset, timeouts, 5xx, 408/425/429, a 2xx whose
  body is not the JSON we expect: retry later with backoff (pushes are idempotent);
* ``auth`` — 401/403: pause and raise an alert for staff;
* ``rejected`` — 400/413/422: the centre will never take this request as it is:
  quarantine the item (kept, retryable by staff).

Retries are NOT done here (no urllib3 ``Retry``): the daemon owns the schedule so that a
whole outage is one backoff sequence, not one per request.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from typing import Any

import requests
from requests_toolbelt.multipart.encoder import MultipartEncoder

from kiosk.records import Attachment
from kiosk.sync.settings import SyncSettings
from kiosk.sync.wire import PROTOCOL_VERSION, app_version

TRANSIENT, AUTH, REJECTED = "transient", "auth", "rejected"
_REJECT_CODES = {400, 413, 422}
_AUTH_CODES = {401, 403}


class CentreError(Exception):
    """A call to the centre failed. ``kind`` says what to do, ``str()`` says why."""

    def __init__(self, kind: str, message: str, status: int | None = None):
        self.kind = kind
        self.status = status
        super().__init__(message)


@dataclass(frozen=True)
class ConfigFetch:
    """Result of a station-config request: ``changed`` False means 304 Not Modified."""

    changed: bool
    etag: str | None
    body: bytes


def _problem(resp: requests.Response) -> str:
    """The centre's error text (``{"error": …}``), shortened, else the reason phrase."""
    try:
        data = resp.json()
        if isinstance(data, dict) and isinstance(data.get("error"), str):
            return data["error"][:300]
    except ValueError:
        pass
    return resp.reason or "no reason given"


def classify(resp: requests.Response) -> None:
    """Raise :class:`CentreError` for a non-2xx response."""
    code = resp.status_code
    if 200 <= code < 300 or code == 304:
        return
    text = f"HTTP {code}: {_problem(resp)}"
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
        self.session = requests.Session()
        self.session.verify = settings.verify()
        self.session.trust_env = False  # a kiosk must not pick up a stray proxy from the environment
        self.session.headers.update({
            "Authorization": f"Bearer {token if token is not None else settings.central_token()}",
            "User-Agent": f"minyi-kiosk/{app_version()} (station {station})",
            "X-Kiosk-Protocol": str(PROTOCOL_VERSION),
        })

    def close(self) -> None:
        """Close pooled connections."""
        self.session.close()

    def _send(self, method: str, path: str, **kw) -> requests.Response:
        try:
            resp = self.session.request(method, self.base + path, timeout=self.timeout, **kw)
        except requests.exceptions.SSLError as e:
            # A bad certificate is a setup problem, but it may be fixed on the centre's side
            # at any time: retry with backoff; the outage log line carries the reason.
            raise CentreError(TRANSIENT, f"TLS verification failed: {_short(e)}") from None
        except requests.exceptions.Timeout as e:
            raise CentreError(TRANSIENT, f"timed out: {_short(e)}") from None
        except requests.exceptions.RequestException as e:
            raise CentreError(TRANSIENT, f"connection failed: {_short(e)}") from None
        classify(resp)
        return resp

    @staticmethod
    def _json(resp: requests.Response) -> Any:
        try:
            return resp.json()
        except ValueError:
            raise CentreError(TRANSIENT, f"malformed JSON in the centre's answer (HTTP {resp.status_code})",
                              resp.status_code) from None

    # -- push -------------------------------------------------------------------------

    def push_item(self, meta: dict, attachments: tuple[Attachment, ...]) -> dict:
        """PUT one item with its files; returns the centre's receipt ``{"id", "result"}``.

        Raises :class:`CentreError`; an ``OSError`` when an attachment cannot be read.
        """
        with contextlib.ExitStack() as files:
            fields: list[tuple[str, tuple]] = [
                ("metadata", ("metadata.json", json.dumps(meta, ensure_ascii=False).encode("utf-8"),
                              "application/json"))]
            for a in attachments:
                f = files.enter_context(open(a.path, "rb"))
                # Part names are ASCII and fixed; the real file name travels in the metadata.
                fields.append((f"file{a.idx}", (f"file{a.idx}", f, a.media_type)))
            body = MultipartEncoder(fields=fields)
            resp = self._send("PUT", f"/items/{meta['id']}", data=body,
                              headers={"Content-Type": body.content_type,
                                       "Idempotency-Key": meta["id"]})
            data = self._json(resp)
        if not isinstance(data, dict) or data.get("id") != meta["id"]:
            raise CentreError(TRANSIENT, "the centre's receipt does not name this item", resp.status_code)
        return data

    def push_rating(self, rating: dict) -> dict:
        """PUT one rating (idempotent by the rating's UUID)."""
        resp = self._send("PUT", f"/ratings/{rating['id']}", json=rating,
                          headers={"Idempotency-Key": rating["id"]})
        data = self._json(resp)
        if not isinstance(data, dict) or data.get("id") != rating["id"]:
            raise CentreError(TRANSIENT, "the centre's receipt does not name this rating", resp.status_code)
        return data

    # -- back-channel -----------------------------------------------------------------

    def updates(self, after: int, limit: int = 100) -> dict:
        """Status changes and replies for this station's items after *after*."""
        resp = self._send("GET", f"/stations/{self.station}/updates",
                          params={"after": after, "limit": limit})
        data = self._json(resp)
        if not isinstance(data, dict) or not isinstance(data.get("updates"), list):
            raise CentreError(TRANSIENT, "malformed updates page: expected {\"updates\": [...]}")
        return data

    def heartbeat(self, data: dict) -> None:
        """POST the station's health."""
        self._send("POST", f"/stations/{self.station}/heartbeat", json=data)

    def station_config(self, etag: str | None) -> ConfigFetch:
        """GET the station config, conditional on the last applied ETag."""
        headers = {"If-None-Match": etag} if etag else {}
        resp = self._send("GET", f"/stations/{self.station}/config", headers=headers)
        if resp.status_code == 304:
            return ConfigFetch(False, etag, b"")
        return ConfigFetch(True, resp.headers.get("ETag"), resp.content)

    def fetch_photo(self, url: str, max_bytes: int) -> tuple[str, bytes]:
        """GET a representative's photo on the centre's origin (absolute *url*);
        returns (Content-Type, body). A body over *max_bytes* is not read to the end:
        ``CentreError("rejected")``. Other failures as for every call."""
        try:
            resp = self.session.get(url, timeout=self.timeout, stream=True, allow_redirects=False)
        except requests.exceptions.RequestException as e:
            raise CentreError(TRANSIENT, f"connection failed: {_short(e)}") from None
        with resp:
            if 300 <= resp.status_code < 400:
                raise CentreError(REJECTED, f"HTTP {resp.status_code}: redirects are not followed", resp.status_code)
            classify(resp)
            declared = resp.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise CentreError(REJECTED, f"photo larger than {max_bytes} bytes", resp.status_code)
            body = bytearray()
            try:
                for chunk in resp.iter_content(64 * 1024):
                    body += chunk
                    if len(body) > max_bytes:
                        raise CentreError(REJECTED, f"photo larger than {max_bytes} bytes", resp.status_code)
            except requests.exceptions.RequestException as e:
                raise CentreError(TRANSIENT, f"connection failed: {_short(e)}") from None
            return resp.headers.get("Content-Type", ""), bytes(body)


def _short(e: Exception) -> str:
    text = str(e)
    return text if len(text) <= 200 else text[:197] + "..."
