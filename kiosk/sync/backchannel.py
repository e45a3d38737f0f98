"""The centre → kiosk half: status changes and replies, station config, plus the
heartbeat and the retention purge the daemon runs on the same schedule loop.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime, timedelta, timezone

from kiosk.core import clock
from kiosk.core.records import CENTRE_STATES, MAX_NOTE_CHARS, RATINGS, STAGES, CentreUpdate, Delivery
from kiosk.core import station_config
from kiosk.core.stationkey import ALGORITHM, PUBLIC_META
from kiosk.sync.client import TRANSIENT, CentreClient, CentreError
from kiosk.sync.wire import app_version

log = logging.getLogger("kiosk.sync")

CURSOR_KEY = "sync.status_cursor"
MAX_REPLY_CHARS = 10_000
PAGE = 100
#: Largest cursor: SQLite's integer range (the cursor is sent back as ``after``).
MAX_CURSOR = 2**63 - 1


def pull_updates(store, client: CentreClient) -> int:
    """Apply every status change after the stored cursor; returns how many were applied.

    The cursor advances past a bad update too (logged once, as an event) so that one
    broken record cannot block every later answer. Raises :class:`CentreError`.
    """
    applied = 0
    cursor = int(store.get_meta(CURSOR_KEY, "0") or 0)
    while True:
        page = client.updates(cursor, PAGE)
        updates = page["updates"]
        for u in updates:
            if not isinstance(u, dict) or not _is_cursor(u.get("cursor")) or u["cursor"] <= cursor:
                raise CentreError(TRANSIENT, "malformed updates page: each update needs an increasing integer "
                                             "cursor (1 to 2^63-1)")
            problem = _check_update(u)
            item = None if problem else store.get_item(u["item_id"])
            if item is None and not problem:
                problem = "unknown item id"
            if problem:
                store.log_event("status_update_skipped", f"status update {u['cursor']} skipped: {problem}",
                                level="warning")
            else:
                store.record_update(item.id, _centre_update(u))
                applied += 1
            cursor = u["cursor"]
            store.set_meta(CURSOR_KEY, str(cursor))
        if not updates or not page.get("more"):
            return applied


def _is_cursor(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and 0 < v <= MAX_CURSOR


def _check_update(u: dict) -> str | None:
    if not isinstance(u.get("item_id"), str):
        return "item_id missing"
    if u.get("status") not in CENTRE_STATES:
        return f"unknown status {str(u.get('status'))[:30]!r}"
    reply = u.get("reply")
    if reply is not None and (not isinstance(reply, str) or len(reply) > MAX_REPLY_CHARS):
        return "reply must be text of at most 10000 characters"
    at = u.get("at")
    if not isinstance(at, str) or len(at) > 40:
        return "at missing"
    try:
        datetime.fromisoformat(at)
    except ValueError:
        return "at is not an ISO 8601 time"
    return _check_loop_fields(u)


def _check_loop_fields(u: dict) -> str | None:
    """Protocol 4's fields of an update (each may be absent: an older centre)."""
    stage = u.get("stage")
    if stage is not None and stage not in STAGES:
        return f"unknown stage {str(stage)[:30]!r}"
    number = u.get("round")
    if number is not None and not _is_cursor(number):  # the same range: 1 to 2^63-1
        return "round must be an integer from 1"
    for field in ("note", "department"):
        value = u.get(field)
        if value is not None and (not isinstance(value, str) or len(value) > MAX_NOTE_CHARS):
            return f"{field} must be text of at most {MAX_NOTE_CHARS} characters"
    if stage == "rated" and u.get("rating") not in RATINGS:
        return f"a rated update needs a rating, one of {', '.join(RATINGS)}"
    if not isinstance(u.get("escalated", False), bool):
        return "escalated must be true or false"
    return None


def _centre_update(u: dict) -> CentreUpdate:
    """A checked update as the store keeps it; an older centre's has stage = status, round 1."""
    stage = u.get("stage") or u["status"]
    return CentreUpdate(status=u["status"], stage=stage, at=u["at"], round=u.get("round") or 1,
                        reply=u.get("reply"), department=u.get("department"), note=u.get("note"),
                        rating=u.get("rating") if stage == "rated" else None,
                        escalated=bool(u.get("escalated", False)))


def fetch_config(store, client: CentreClient) -> str:
    """Fetch the station config if changed; returns "unchanged", "applied" or "rejected"."""
    res = client.station_config(station_config.current_etag(store))
    if not res.changed:
        return "unchanged"
    try:
        station_config.apply(store, res.body, res.etag)
    except station_config.StationConfigError as e:
        if station_config.reject(store, res.etag, str(e)):
            log.warning("station config from the centre rejected, last good one kept: %s", e)
        return "rejected"
    log.info("station config %s applied", res.etag)
    return "applied"


def fetch_photos(store, client: CentreClient, config):
    """Cache the representatives' photos of the applied config (kiosk/sync/photos.py)."""
    from kiosk.sync import photos
    return photos.refresh(store, client, config)


def device_states(store) -> dict:
    """Device states the UI process wrote to meta keys ``device.<name>``."""
    out = {}
    for key, value in store.meta_with_prefix("device.").items():
        try:
            v = json.loads(value)
            if not isinstance(v, dict):
                raise ValueError
            out[key[len("device."):]] = {"state": str(v.get("state", "unknown")),
                                          "detail": str(v.get("detail", ""))[:200]}
        except ValueError:
            out[key[len("device."):]] = {"state": "unknown", "detail": "unreadable state record"}
    return out


def _heartbeat_header(store, started_mono: float, now_mono: float) -> dict:
    """What every heartbeat carries, open store or not: who, when, which version, and the
    disk (state "low": media refused, "critical": out of service; the alert)."""
    return {
        "station": store.station,
        "sent_at": clock.now_iso(),
        "clock_trusted": clock.clock_trusted(),
        "app_version": app_version(),
        "uptime_s": round(now_mono - started_mono),
        "disk": store.guard.read().as_alert(),
    }


def heartbeat_body(store, started_mono: float, now_mono: float, config=None) -> dict:
    """What a heartbeat reports (no personal data). With *config*, every configured device
    with its last self-test, and the service events not yet sent (kiosk/core/devicehealth.py)."""
    oldest = store.oldest_item(Delivery.PENDING, Delivery.QUARANTINED)
    db_bytes = sum(os.path.getsize(p) for p in (store.db_path, store.db_path.with_name("kiosk.db-wal"))
                   if os.path.exists(p))
    body = {
        **_heartbeat_header(store, started_mono, now_mono),
        "queue": {
            "pending": store.count(Delivery.PENDING),
            "quarantined": store.count(Delivery.QUARANTINED),
            "oldest_undelivered_age_s": clock.age_s(oldest.created_at) if oldest else None,
            "ratings_pending": store.count_ratings(Delivery.PENDING),
        },
        "db_size_mb": round(db_bytes / 2**20, 2),
        "devices": device_states(store),
        "config_etag": station_config.current_etag(store),
        "store": {"state": "open"},
        "station_key": station_key_report(store),
        "chain": chain_report(store),
    }
    if config is not None:
        from kiosk.core import devicehealth as health
        body["devices"].update(health.device_report(config.device_kinds(), store))
        body["service_events"] = health.events_to_send(store)
    return body


def station_key_report(store) -> dict | None:
    """The station's public signing key for the centre to pin (docs/protocol.md,
    "Station keys"); None until the station made one."""
    public = store.get_meta(PUBLIC_META)
    return {"algorithm": ALGORITHM, "public_key": public} if public else None


#: At most this many undelivered seq numbers go in a heartbeat (``undelivered_more`` says
#: there are more): a long outage's backlog must not make every heartbeat huge.
MAX_UNDELIVERED = 500


def chain_report(store) -> dict:
    """The station's chain head and which seq numbers it still holds undelivered, so the
    centre can tell an item on its way from one lost (docs/protocol.md, "The item chain")."""
    seq, head = store.chain_head()
    waiting = store.undelivered_seqs(MAX_UNDELIVERED + 1)
    return {"seq": seq, "hash": head, "undelivered": waiting[:MAX_UNDELIVERED],
            "undelivered_more": len(waiting) > MAX_UNDELIVERED}


def unopenable_heartbeat_body(store, started_mono: float, now_mono: float, reason: str) -> dict:
    """The heartbeat of a daemon whose store cannot be opened (a disk full before the
    database could be made): what it knows without the database - the disk, which is the
    alert - and ``store.state = "unopenable"`` with *reason*. The queue counts are null:
    not zero, unknown (docs/protocol.md, "Heartbeat")."""
    return {
        **_heartbeat_header(store, started_mono, now_mono),
        "queue": {"pending": None, "quarantined": None, "oldest_undelivered_age_s": None,
                  "ratings_pending": None},
        "devices": {},
        "config_etag": None,
        "store": {"state": "unopenable", "detail": reason},
    }


def purge_expired(store, retention_days: int) -> int:
    """Purge media and personal data of items delivered more than *retention_days* ago.

    Undelivered items are never touched (``Store.purge_item`` refuses them too).
    ``retention_days = 0`` disables purging.
    """
    if retention_days <= 0:
        return 0
    cutoff = (datetime.now(timezone.utc) - timedelta(days=retention_days)).isoformat(timespec="milliseconds")
    return store.purge_delivered_before(cutoff)
