"""The fleet: every station as its last heartbeat reported it (docs/protocol.md,
"Heartbeat") - when, queue, disk, version, devices - its chain's state
(kiosk/central_dev/continuity.py) and the ones gone quiet.

Read with SQLAlchemy Core on either engine; shown at ``/fleet`` and printed by
``kiosk central-dev fleet --json`` (docs/centre.md, "Fleet").
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone

import sqlalchemy as sa

from kiosk.central_dev.continuity import chain_report, head_of
from kiosk.central_dev.pool import PoolTable
from kiosk.central_dev.tables import items

#: Minutes without a heartbeat after which a station is flagged quiet (the kiosk sends
#: one every sync.heartbeat_interval_s, 300 s by default: three missed beats).
DEFAULT_QUIET_AFTER_MIN = 15

COLUMNS = ("station", "last_heartbeat", "age_min", "quiet", "app_version", "uptime_h", "clock_trusted",
           "queue_pending", "quarantined", "oldest_undelivered_age_min", "ratings_pending", "disk_state",
           "disk_free_mb", "disk_total_mb", "db_size_mb", "store_state", "devices", "attention", "chain", "chain_summary")


@dataclass(frozen=True)
class StationState:
    """One station as the fleet page shows it (None: not reported)."""

    station: str
    last_heartbeat: str | None  # when the centre received it (its own clock)
    age_min: float | None
    quiet: bool
    app_version: str | None = None
    uptime_h: float | None = None
    clock_trusted: bool | None = None
    queue_pending: int | None = None
    quarantined: int | None = None
    oldest_undelivered_age_min: float | None = None
    ratings_pending: int | None = None
    disk_state: str | None = None
    disk_free_mb: int | None = None
    disk_total_mb: int | None = None
    db_size_mb: float | None = None
    store_state: str | None = None
    devices: dict = field(default_factory=dict)  # device -> state
    attention: tuple[str, ...] = ()  # why staff should look (quiet, disk, store, devices, queue)
    chain: str | None = None  # continuity.chain_report's state: ok, awaiting, gap, rewrite
    chain_summary: str | None = None  # and its one-line summary


@dataclass(frozen=True)
class Fleet:
    """Every station, quiet ones first."""

    quiet_after_min: int
    stations: list[StationState]

    def versions(self) -> dict[str, int]:
        """app_version -> how many stations last reported it."""
        return dict(Counter(s.app_version or "unknown" for s in self.stations).most_common())

    def as_json(self) -> dict:
        """What ``kiosk central-dev fleet --json`` prints."""
        return {"ok": True, "quiet_after_min": self.quiet_after_min, "count": len(self.stations),
                "quiet": sum(s.quiet for s in self.stations), "versions": self.versions(),
                "stations": [{**asdict(s), "attention": list(s.attention)} for s in self.stations]}

    def table(self) -> PoolTable:
        """The fleet as a table (the CSV export): devices as ``name=state`` words."""
        rows = []
        for s in self.stations:
            r = asdict(s)
            r["devices"] = " ".join(f"{k}={v}" for k, v in sorted(s.devices.items()))
            r["attention"] = " ".join(s.attention)
            rows.append(r)
        return PoolTable("fleet", "站点 Fleet", COLUMNS, rows)


def _sub(body: dict, key: str, inner: str):
    v = body.get(key)
    return v.get(inner) if isinstance(v, dict) else None


def _num(v, scale: float = 1.0, digits: int = 1):
    return round(v / scale, digits) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _int(v):
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def _str(v):
    return v if isinstance(v, str) else None


def state_of(station: str, received_at: str | None, body_text: str | None, *, now: datetime,
             quiet_after_min: int) -> StationState:
    """One station's state from its last heartbeat (*body_text*, as stored)."""
    try:
        body = json.loads(body_text) if body_text else {}
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    age = (now - datetime.fromisoformat(received_at)).total_seconds() / 60 if received_at else None
    quiet = age is None or age > quiet_after_min
    devices = {str(k): str(v.get("state", "unknown")) for k, v in (body.get("devices") or {}).items()
               if isinstance(v, dict)} if isinstance(body.get("devices"), dict) else {}
    s = StationState(
        station=station, last_heartbeat=received_at, age_min=_num(age), quiet=quiet,
        app_version=_str(body.get("app_version")), uptime_h=_num(body.get("uptime_s"), 3600),
        clock_trusted=body.get("clock_trusted") if isinstance(body.get("clock_trusted"), bool) else None,
        queue_pending=_int(_sub(body, "queue", "pending")), quarantined=_int(_sub(body, "queue", "quarantined")),
        oldest_undelivered_age_min=_num(_sub(body, "queue", "oldest_undelivered_age_s"), 60),
        ratings_pending=_int(_sub(body, "queue", "ratings_pending")),
        disk_state=_str(_sub(body, "disk", "state")), disk_free_mb=_int(_sub(body, "disk", "free_mb")),
        disk_total_mb=_int(_sub(body, "disk", "total_mb")), db_size_mb=_num(body.get("db_size_mb"), 1, 2),
        store_state=_str(_sub(body, "store", "state")), devices=devices)
    return StationState(**{**asdict(s), "attention": attention_of(s, body)})


def attention_of(s: StationState, body: dict) -> tuple[str, ...]:
    """Why staff should look at the station, as short words (empty: all well)."""
    out = []
    if s.last_heartbeat is None:
        out.append("never-reported")
    elif s.quiet:
        out.append("quiet")
    if s.store_state == "unopenable":
        out.append("store-unopenable")
    if s.disk_state not in (None, "ok"):
        out.append(f"disk-{s.disk_state}")
    if s.quarantined:
        out.append("quarantined")
    if s.clock_trusted is False:
        out.append("clock-untrusted")
    out.extend(f"{name}-{state}" for name, state in sorted(s.devices.items()) if state == "error")
    return tuple(out)


def read_fleet(db, *, quiet_after_min: int = DEFAULT_QUIET_AFTER_MIN, now: datetime | None = None) -> Fleet:
    """Every station that sent a heartbeat or an item, quiet ones first, then by name,
    each with its chain as ``kiosk central-dev stations`` reports it."""
    now = now or datetime.now(timezone.utc)
    beats = {h["station"]: h for h in db.last_heartbeats()}
    known = {r["station"] for r in db.select(sa.select(items.c.station).distinct())}
    states = []
    for st in sorted(known | set(beats)):
        beat = beats.get(st)
        s = state_of(st, beat["received_at"] if beat else None, beat["body"] if beat else None, now=now,
                     quiet_after_min=quiet_after_min)
        chain = chain_report(db, st, head_of(beat))
        states.append(replace(s, chain=chain["state"], chain_summary=chain["summary"]))
    states.sort(key=lambda s: (not s.quiet, s.station))
    return Fleet(quiet_after_min, states)
