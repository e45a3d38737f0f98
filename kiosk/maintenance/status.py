"""What the Status, Queue, Logs and Config pages show (and ``kiosk service status|queue``).

Nothing here returns resident content beyond an item's code, time, category, size and
state (the service menu's rule, docs/service.md): no text, no names, no phone numbers,
no file names. The centre's quarantine reason is shown because it is the centre's words
about the item, not the resident's.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.core import clock
from kiosk.core.records import Delivery, Item


def _system_uptime_s() -> float | None:
    try:
        return float(Path("/proc/uptime").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def status_snapshot(cfg, store, *, app_started_mono: float | None = None, now_mono: float | None = None) -> dict:
    """The Status page: station, version, uptime, clock, disk, database, queue, link, config, model."""
    from kiosk.sync.link import AUTH_KEY, CONTACT_KEY, OUTAGE_KEY
    from kiosk.core.station_config import current_etag
    from kiosk.sync.wire import app_version
    from kiosk.voice import models as voice_models

    counts = {d.value: store.count(d) for d in Delivery}
    oldest = store.oldest_item(Delivery.PENDING, Delivery.QUARANTINED)
    disk = shutil.disk_usage(store.data_dir)
    outage = _json_meta(store, OUTAGE_KEY)
    auth = _json_meta(store, AUTH_KEY)
    model_dir = voice_models.model_path(cfg.asr, cfg.storage)
    model_problem = voice_models.model_problem(model_dir)
    return {
        "station": cfg.station.number,
        "station_name": cfg.station.name,
        "version": app_version(),
        "app_uptime_s": None if app_started_mono is None else round((now_mono or 0) - app_started_mono),
        "system_uptime_s": _system_uptime_s(),
        "clock_trusted": clock.clock_trusted(),
        "now": clock.now_iso(),
        "disk": {"free_mb": disk.free // 2 ** 20, "total_mb": disk.total // 2 ** 20,
                 "min_free_mb": cfg.storage.min_free_mb},
        "db_size_mb": round(store.database_bytes() / 2 ** 20, 2),
        "queue": {"pending": counts[Delivery.PENDING.value],
                  "held": len(store.held_item_ids()),
                  "quarantined": counts[Delivery.QUARANTINED.value],
                  "delivered": counts[Delivery.DELIVERED.value],
                  "oldest_undelivered_age_s": clock.age_s(oldest.created_at) if oldest else None},
        "centre": {"url": cfg.sync.central_url,
                   "last_contact": store.get_meta(CONTACT_KEY),
                   "outage_since": outage.get("since"),
                   "outage_failures": outage.get("failures"),
                   "outage_last_error": outage.get("last_error"),
                   "auth_alert": auth.get("reason")},
        "station_config_etag": current_etag(store),
        "speech_model": {"path": str(model_dir), "problem": model_problem,
                         "state": voice_models.model_state(model_dir)},
    }


def _json_meta(store, key: str) -> dict:
    raw = store.get_meta(key)
    try:
        v = json.loads(raw) if raw else {}
    except ValueError:
        return {"unreadable": True}
    return v if isinstance(v, dict) else {"unreadable": True}


# -- the queue ------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueEntry:
    """One item as the Queue page shows it: no resident content."""

    code: str
    created_at: str
    category: str | None
    size_bytes: int
    attachments: int
    state: str             # pending / held / quarantined / delivered
    attempts: int
    reason: str | None     # the centre's quarantine reason, or the last delivery error

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def _entry(item: Item, state: str) -> QueueEntry:
    reason = item.quarantine_reason if state == Delivery.QUARANTINED.value else item.last_error
    return QueueEntry(code=str(item.code), created_at=item.created_at, category=item.category,
                      size_bytes=sum(a.size for a in item.attachments), attachments=len(item.attachments),
                      state=state, attempts=item.attempts, reason=reason)


@dataclass(frozen=True)
class QueueListing:
    """Undelivered items by state, oldest first."""

    pending: list[QueueEntry] = field(default_factory=list)
    held: list[QueueEntry] = field(default_factory=list)
    quarantined: list[QueueEntry] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {k: [e.as_dict() for e in getattr(self, k)] for k in ("pending", "held", "quarantined")}


def list_queue(store, limit: int = 200) -> QueueListing:
    """Pending, held (the centre failed on them repeatedly) and quarantined items."""
    held_ids = store.held_item_ids()
    listing = QueueListing()
    for item in store.list_items(delivery=Delivery.PENDING, limit=limit):
        (listing.held if item.id in held_ids else listing.pending).append(
            _entry(item, "held" if item.id in held_ids else Delivery.PENDING.value))
    for item in store.list_items(delivery=Delivery.QUARANTINED, limit=limit):
        listing.quarantined.append(_entry(item, Delivery.QUARANTINED.value))
    return listing


class RequeueRefused(Exception):
    """The item is not quarantined: there is nothing to retry."""


def requeue_item(store, item) -> None:
    """Retry a quarantined item (the store's requeue, a staff action)."""
    if item.delivery != Delivery.QUARANTINED.value:
        raise RequeueRefused(f"item {item.code} is {item.delivery}, not quarantined: nothing to retry")
    store.requeue(item.id)


# -- logs -----------------------------------------------------------------------------

# Mainland mobile numbers and resident ID numbers (GB 11643): never shown, whatever
# logged them. The app itself never logs them (docs/store.md); this is the second belt.
_PHONE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
_ID_CARD = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9A-Za-z])")


def scrub(line: str) -> str:
    """*line* with anything shaped like a phone or ID-card number masked."""
    return _PHONE.sub("[phone]", _ID_CARD.sub("[id]", line))


@dataclass(frozen=True)
class LogTail:
    """The last lines of one log source; ``problem`` says why there are none."""

    source: str
    lines: list[str]
    problem: str | None = None


def tail_file(path: Path, n: int) -> LogTail:
    """The last *n* lines of a text log file, scrubbed."""
    try:
        with open(path, "rb") as f:
            f.seek(0, 2)
            size = f.tell()
            f.seek(max(0, size - 256 * n))
            text = f.read().decode("utf-8", errors="replace")
    except OSError as e:
        return LogTail(str(path), [], f"cannot read {path}: {e.strerror or e}")
    lines = text.splitlines()[-n:]
    return LogTail(str(path), [scrub(x) for x in lines])


def tail_journal(units, n: int, *, journalctl: str = "journalctl") -> LogTail:
    """The last *n* journal lines of the kiosk's systemd units, scrubbed."""
    source = "journal: " + ", ".join(units)
    exe = shutil.which(journalctl)
    if exe is None:
        return LogTail(source, [], "journalctl is not installed here (not a systemd install)")
    cmd = [exe, "--no-pager", "-o", "short-iso", "-n", str(n)]
    for u in units:
        cmd += ["-u", u]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as e:
        return LogTail(source, [], f"journalctl failed: {e}")
    if proc.returncode != 0:
        return LogTail(source, [], f"journalctl exit {proc.returncode}: {proc.stderr.strip()[:200]}")
    return LogTail(source, [scrub(x) for x in proc.stdout.splitlines()[-n:]])


def read_logs(cfg) -> list[LogTail]:
    """Every configured log source (journal units, then files)."""
    s = cfg.service
    out = [tail_journal(s.log_units, s.log_lines)] if s.log_units else []
    out += [tail_file(Path(p), s.log_lines) for p in s.log_files]
    return out


def recent_events(store, limit: int = 100) -> list[dict]:
    """The event log, newest first (events never hold personal data: Store.log_event)."""
    return [{"at": e["at"], "level": e["level"], "kind": e["kind"], "message": scrub(e["message"] or "")}
            for e in store.events(limit)]


# -- config ---------------------------------------------------------------------------

MASK = "••••••"


def is_secret_key(name: str) -> bool:
    """Config fields that hold a secret value (not the path of a file holding one, nor an
    ``allow_…`` switch such as ``central_dev.allow_development_token``)."""
    if name.startswith("allow_"):
        return False
    return name == "token" or name.endswith("_token") or name in ("password", "secret")


def effective_config(cfg) -> dict:
    """The running config as a nested dict, secrets masked (set ones only)."""
    def walk(obj):
        if dataclasses.is_dataclass(obj):
            return {f.name: (MASK if is_secret_key(f.name) and getattr(obj, f.name) else walk(getattr(obj, f.name)))
                    for f in dataclasses.fields(obj)}
        if isinstance(obj, (list, tuple)):
            return [walk(x) for x in obj]
        if isinstance(obj, dict):
            return {k: walk(v) for k, v in obj.items()}
        return obj
    return walk(cfg)


def reload_config(path):
    """Load and validate the config file again. Raises ``ConfigError`` (naming file and
    key) and leaves the caller's running config untouched."""
    from kiosk import config as configmod
    return configmod.load(path)
