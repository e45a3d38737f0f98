"""Representatives' photos: fetched by the sync daemon from the centre, shown only from
this cache.

The station config names each photo by URL (``representatives[].photo_url``,
docs/protocol.md). The daemon downloads a photo once per URL, refusing anything that
is not a JPEG or PNG (by Content-Type AND by its first bytes) or larger than
:data:`MAX_PHOTO_BYTES`, and writes it atomically (temp file, fsync, rename) under
``<storage.data_dir>/photos/``. Photos are fetched only from the centre's own origin:
the kiosk's bearer token never goes to another host. The screens and ``kiosk board``
never touch the network; a photo not (yet) in the cache is simply not shown.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

log = logging.getLogger("kiosk.sync")

MAX_PHOTO_BYTES = 512 * 1024
TYPES = {"image/jpeg": (b"\xff\xd8\xff", ".jpg"), "image/png": (b"\x89PNG\r\n\x1a\n", ".png")}
FAILED_KEY = "photos.failed"


class PhotoRefused(Exception):
    """A photo the centre sent cannot be used; ``str()`` says why."""


@dataclass(frozen=True)
class PhotoSync:
    """What one refresh did."""

    fetched: int = 0
    cached: int = 0
    failed: tuple[str, ...] = ()  # "url: reason"


def photo_dir(data_dir: str | os.PathLike) -> Path:
    """Where the cached photos live."""
    return Path(data_dir) / "photos"


def _stem(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:32]


def cached_photo(data_dir: str | os.PathLike, url: str | None) -> Path | None:
    """The cached file of the photo at *url*, or None when it is not in the cache."""
    if not url:
        return None
    d = photo_dir(data_dir)
    for _, ext in TYPES.values():
        p = d / f"{_stem(url)}{ext}"
        if p.is_file():
            return p
    return None


def same_origin(url: str, central_url: str) -> bool:
    """True when *url* is on the centre's scheme, host and port."""
    a, b = urlsplit(url), urlsplit(central_url)
    return (a.scheme, a.hostname, a.port) == (b.scheme, b.hostname, b.port)


def check_photo(content_type: str, body: bytes) -> str:
    """The file extension for a valid photo; raises :class:`PhotoRefused` otherwise."""
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind not in TYPES:
        raise PhotoRefused(f"Content-Type {kind or 'missing'!s:.40} is not image/jpeg or image/png")
    magic, ext = TYPES[kind]
    if not body.startswith(magic):
        raise PhotoRefused(f"the body is not {kind} data (its first bytes say otherwise)")
    if len(body) > MAX_PHOTO_BYTES:
        raise PhotoRefused(f"larger than {MAX_PHOTO_BYTES} bytes")
    return ext


def store_photo(data_dir: str | os.PathLike, url: str, ext: str, body: bytes) -> Path:
    """Write one photo atomically into the cache."""
    d = photo_dir(data_dir)
    d.mkdir(parents=True, exist_ok=True)
    final = d / f"{_stem(url)}{ext}"
    tmp = final.with_suffix(final.suffix + ".tmp")
    with open(tmp, "wb") as f:
        f.write(body)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, final)
    fd = os.open(d, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    return final


def refresh(store, client, config) -> PhotoSync:
    """Fetch every photo of the applied station config that is not cached yet.

    Raises :class:`~kiosk.sync.client.CentreError` only for a failure of the link: the
    centre unreachable (at once), or a redirect (after the other photos were fetched: a
    3xx from the centre's origin is a setup problem, reported like every redirected centre
    call by the daemon's link, kiosk/sync/link.py). A refused photo is recorded once per
    URL as an event and the others are still fetched.
    """
    from kiosk.sync.client import REDIRECT, TRANSIENT, CentreError
    from kiosk.core.station_config import load_current

    current = load_current(store)
    if current is None:
        return PhotoSync()
    fetched = cached = 0
    failed = []
    redirected: CentreError | None = None
    for rep in current.representatives:
        url = rep.photo_url
        if not url:
            continue
        if cached_photo(store.data_dir, url) is not None:
            cached += 1
            continue
        try:
            if not same_origin(url, config.sync.central_url):
                raise PhotoRefused("not on the centre's origin (sync.central_url)")
            content_type, body = client.fetch_photo(url, MAX_PHOTO_BYTES)
            store_photo(store.data_dir, url, check_photo(content_type, body), body)
            store.set_meta(f"{FAILED_KEY}.{_stem(url)}", None)  # an earlier refusal is over
            fetched += 1
        except PhotoRefused as e:
            failed.append(f"{url}: {e}")
            _note_failure(store, rep.id, url, str(e))
        except CentreError as e:
            if e.kind == TRANSIENT and e.status is None:
                raise  # the centre is unreachable: the daemon's backoff owns the retry
            if e.kind == REDIRECT:
                redirected = redirected or e
                continue
            failed.append(f"{url}: {e}")
            _note_failure(store, rep.id, url, str(e))
    if redirected is not None:
        raise redirected
    return PhotoSync(fetched, cached, tuple(failed))


def photo_problems(store) -> tuple[int, list[str]]:
    """For ``kiosk doctor``: how many photos the applied config names, and one line per
    photo not in the cache ("<representative id>: <why>")."""
    from kiosk.core.station_config import load_current
    current = load_current(store)
    if current is None:
        return 0, []
    named = [r for r in current.representatives if r.photo_url]
    problems = []
    for r in named:
        if cached_photo(store.data_dir, r.photo_url) is None:
            why = store.get_meta(f"{FAILED_KEY}.{_stem(r.photo_url)}") or "not fetched yet"
            problems.append(f"{r.id}: {why}")
    return len(named), problems


def _note_failure(store, rep_id: str, url: str, reason: str) -> None:
    """One warning event per URL and reason (not one per poll)."""
    key = f"{FAILED_KEY}.{_stem(url)}"
    if store.get_meta(key) == reason:
        return
    store.set_meta(key, reason)
    log.warning("photo of representative %s refused: %s", rep_id, reason)
    store.log_event("photo_refused", f"photo of representative {rep_id} not used: {reason}",
                    level="warning", data={"url": url})
