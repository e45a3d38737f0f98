"""Station config sent by the centre: categories, representatives on duty, announcements,
public statistics.

The daemon fetches it with an ETag, :func:`parse` validates every field (a bad document
raises :class:`StationConfigError` naming the field), and :func:`apply` stores it
atomically in store meta (key ``station_config``: the raw JSON and its ETag in one
value, written in one transaction). A rejected document never replaces the last good
one. The touchscreen app reads the current one with :func:`load_current`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime

from kiosk.core import clock, trackcode
from kiosk.core.categories import STATION_CONFIG_KEY as META_KEY
from kiosk.core.categories import CategoryListError, encode_applied, parse_categories, read_applied
from kiosk.core.categories import Category
from kiosk.core.stationkey import ALGORITHM, decode_public

REJECTED_KEY = "station_config.rejected"
MAX_BYTES = 1024 * 1024
_HHMM = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


class StationConfigError(ValueError):
    """The centre's station config is invalid; ``str()`` names the field."""


@dataclass(frozen=True)
class DutySlot:
    """A representative's regular time at the station (ISO weekday 1 = Monday)."""

    weekday: int
    start: str  # "HH:MM", local time
    end: str


@dataclass(frozen=True)
class Representative:
    """A people's congress representative (public information)."""

    id: str
    name: str
    title: str = ""
    on_duty: bool = False
    schedule: tuple[DutySlot, ...] = ()
    constituency: str = ""
    photo_url: str | None = None  # fetched and cached by the sync daemon (kiosk/sync/photos.py)
    sector: str = ""              # 界别: the sector the representative stands for ("" = none given)
    qr: str | None = None         # what the representative's own QR code reads as (扫码找代表)


class UnknownRepresentative(LookupError):
    """No representative of the applied station config has this id.
    ``str()`` names it; ``known`` lists the ids there are."""

    def __init__(self, message: str, known: tuple[str, ...]):
        self.known = known
        super().__init__(message)


@dataclass(frozen=True)
class PublishedMatter:
    """A matter the centre published as handled: public wording only, never a resident's
    own text, name or photo (docs/protocol.md "Published matters")."""

    id: str
    category: str
    summary: str
    outcome: str
    handled_on: str | None = None  # YYYY-MM-DD


@dataclass(frozen=True)
class MonthFigures:
    """The station's figures for one month, as the centre counts them."""

    month: str  # YYYY-MM
    received: int
    replied: int
    resolved: int | None = None
    resolution_rate: float | None = None  # 0..1
    satisfaction_rate: float | None = None


@dataclass(frozen=True)
class Announcement:
    """A notice shown on the home screen."""

    id: str
    title: str
    body: str = ""
    starts: str | None = None  # ISO 8601 or None
    ends: str | None = None


@dataclass(frozen=True)
class StationConfig:
    """The centre's config for this station, as applied."""

    version: str
    categories: tuple[Category, ...]
    representatives: tuple[Representative, ...] = ()
    announcements: tuple[Announcement, ...] = ()
    statistics: dict = field(default_factory=dict)
    months: tuple[MonthFigures, ...] = ()
    published_matters: tuple[PublishedMatter, ...] = ()
    # The district's station signing keys the centre pinned: station -> base64 Ed25519
    # public key (kiosk/core/stationkey.py), for checking receipts offline.
    station_keys: dict = field(default_factory=dict)
    etag: str | None = None
    applied_at: str | None = None

    def representative(self, rep_id: str) -> Representative:
        """The representative with id *rep_id*; raises :class:`UnknownRepresentative`."""
        for r in self.representatives:
            if r.id == rep_id:
                return r
        raise UnknownRepresentative(f"unknown representative {rep_id!r:.60}", self.representative_ids())

    def representative_ids(self) -> tuple[str, ...]:
        """Every representative's id, in the centre's order."""
        return tuple(r.id for r in self.representatives)


def _req(d: dict, key: str, typ, where: str):
    if key not in d:
        raise StationConfigError(f"{where}{key}: missing")
    v = d[key]
    if not isinstance(v, typ) or (typ is int and isinstance(v, bool)):
        raise StationConfigError(f"{where}{key}: expected {typ.__name__ if isinstance(typ, type) else typ}, got {v!r:.60}")
    return v


def _opt_str(d: dict, key: str, where: str, limit: int) -> str | None:
    v = d.get(key)
    if v is None:
        return None
    if not isinstance(v, str) or len(v) > limit:
        raise StationConfigError(f"{where}{key}: expected a string of at most {limit} characters")
    return v


def parse(raw: bytes | str, etag: str | None = None) -> StationConfig:
    """Validate a station-config document; raise :class:`StationConfigError` if bad."""
    doc = _decode_document(raw)
    version = doc.get("version", "")
    if not isinstance(version, (str, int)) or isinstance(version, bool):
        raise StationConfigError("version: expected a string or integer")
    if "categories" not in doc:
        raise StationConfigError("categories: missing")
    try:
        cats = parse_categories(doc["categories"])
    except CategoryListError as e:
        raise StationConfigError(str(e)) from None
    reps = _parse_representatives(doc.get("representatives") or [])
    anns = _parse_announcements(doc.get("announcements") or [])
    stats, months = _parse_statistics(doc.get("statistics") or {})
    return StationConfig(version=str(version), categories=tuple(cats), representatives=tuple(reps),
                         announcements=tuple(anns), statistics=stats, months=months,
                         published_matters=_published_matters(doc.get("published_matters")),
                         station_keys=_station_keys(doc.get("station_keys")), etag=etag)


def _decode_document(raw: bytes | str) -> dict:
    """The document's JSON object, refused when too large, not JSON or not an object."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    if len(raw) > MAX_BYTES:
        raise StationConfigError(f"document: larger than {MAX_BYTES} bytes")
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise StationConfigError(f"document: not valid JSON ({e})") from None
    except RecursionError:  # nested deeper than the interpreter's stack allows
        raise StationConfigError("document: nested too deeply") from None
    if not isinstance(doc, dict):
        raise StationConfigError("document: expected a JSON object")
    return doc


_REP_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


def _parse_representatives(raw) -> list[Representative]:
    """The ``representatives`` list: each one's id, name, duty flag, schedule, photo URL,
    sector and QR code; no id or QR code twice (an item names its representative by id,
    a scan finds them by code)."""
    reps = []
    if not isinstance(raw, list):
        raise StationConfigError("representatives: expected a list")
    for i, r in enumerate(raw):
        where = f"representatives[{i}]."
        if not isinstance(r, dict):
            raise StationConfigError(f"representatives[{i}]: expected an object")
        slots = _parse_schedule(r.get("schedule") or [], where)
        name = _req(r, "name", str, where)
        if not name.strip() or len(name) > 50:
            raise StationConfigError(f"{where}name: expected 1-50 characters")
        on_duty = r.get("on_duty", False)
        if not isinstance(on_duty, bool):
            raise StationConfigError(f"{where}on_duty: expected true or false")
        rep_id = _req(r, "id", str, where)
        if not _REP_ID.fullmatch(rep_id):
            raise StationConfigError(f"{where}id: expected 1-64 letters, digits or _.:-, got {rep_id!r:.70}")
        qr = _opt_str(r, "qr", where, 500)
        if qr is not None and (not qr.strip() or qr != qr.strip()):
            raise StationConfigError(f"{where}qr: expected 1-500 characters without surrounding white space")
        reps.append(Representative(id=rep_id, name=name,
                                   title=_opt_str(r, "title", where, 100) or "",
                                   on_duty=on_duty, schedule=tuple(slots),
                                   constituency=_opt_str(r, "constituency", where, 100) or "",
                                   photo_url=_photo_url(r, where),
                                   sector=_opt_str(r, "sector", where, 50) or "", qr=qr))
    _unique(reps, "id")
    _unique([r for r in reps if r.qr is not None], "qr")
    return reps


def _unique(reps: list[Representative], attr: str) -> None:
    """Refuse two representatives with the same *attr*."""
    seen: dict[str, int] = {}
    for i, r in enumerate(reps):
        value = getattr(r, attr)
        if value in seen:
            raise StationConfigError(f"representatives: {attr} {value!r:.70} given twice")
        seen[value] = i


def _parse_schedule(raw, where: str) -> list[DutySlot]:
    """A representative's ``schedule``: weekday 1-7, HH:MM start before HH:MM end."""
    slots = []
    for j, s in enumerate(raw):
        sw = f"{where}schedule[{j}]."
        if not isinstance(s, dict):
            raise StationConfigError(f"{where}schedule[{j}]: expected an object")
        wd = _req(s, "weekday", int, sw)
        start, end = _req(s, "start", str, sw), _req(s, "end", str, sw)
        if not 1 <= wd <= 7:
            raise StationConfigError(f"{sw}weekday: expected 1 (Monday) to 7, got {wd}")
        for k, v in (("start", start), ("end", end)):
            if not _HHMM.fullmatch(v):
                raise StationConfigError(f"{sw}{k}: expected HH:MM, got {v!r:.20}")
        if end <= start:
            raise StationConfigError(f"{sw}end: expected later than start")
        slots.append(DutySlot(wd, start, end))
    return slots


def _parse_announcements(raw) -> list[Announcement]:
    """The ``announcements`` list: a title of 1-200 characters, ISO 8601 start and end."""
    anns = []
    for i, a in enumerate(raw):
        where = f"announcements[{i}]."
        if not isinstance(a, dict):
            raise StationConfigError(f"announcements[{i}]: expected an object")
        title = _req(a, "title", str, where)
        if not title.strip() or len(title) > 200:
            raise StationConfigError(f"{where}title: expected 1-200 characters")
        starts, ends = _opt_str(a, "starts", where, 40), _opt_str(a, "ends", where, 40)
        for k, v in (("starts", starts), ("ends", ends)):
            if v is not None:
                try:
                    datetime.fromisoformat(v)
                except ValueError:
                    raise StationConfigError(f"{where}{k}: expected an ISO 8601 time, got {v!r}") from None
        anns.append(Announcement(id=_req(a, "id", str, where), title=title,
                                 body=_opt_str(a, "body", where, 5000) or "", starts=starts, ends=ends))
    return anns


def _parse_statistics(stats) -> tuple[dict, tuple[MonthFigures, ...]]:
    """The ``statistics`` object: its ``months`` figures apart, the rest numbers or short strings."""
    if not isinstance(stats, dict):
        raise StationConfigError("statistics: expected an object")
    stats = dict(stats)
    months = _months(stats.pop("months", None))
    for k, v in stats.items():
        if isinstance(v, bool) or not isinstance(v, (int, float, str)) or (isinstance(v, str) and len(v) > 200):
            raise StationConfigError(f"statistics.{k}: expected a number or a short string")
    return stats, months


_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
_DATE = re.compile(r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])")
MAX_MATTERS = 100
MATTER_KEYS = frozenset({"id", "category", "summary", "outcome", "handled_on"})
# A published summary is the centre's public wording. A mobile number (11 digits from 1)
# or an ID card number (17 digits and a check character) in it means a resident's own
# words or identity slipped through: the whole document is refused.
_PERSONAL = re.compile(r"(?<!\d)(1\d{10}|\d{17}[\dXx])(?![\dXx])")


def _photo_url(r: dict, where: str) -> str | None:
    url = _opt_str(r, "photo_url", where, 500)
    if url is None:
        return None
    if not (url.startswith("https://") or url.startswith(("http://127.0.0.1", "http://localhost"))):
        raise StationConfigError(f"{where}photo_url: expected an https:// URL (http only for 127.0.0.1/localhost)")
    return url


def _objects(raw, name: str, limit: int):
    """Each ``(where, object)`` of the optional list *raw* at *name* (at most *limit*)."""
    if raw is None:
        return
    if not isinstance(raw, list) or len(raw) > limit:
        raise StationConfigError(f"{name}: expected a list of at most {limit}")
    for i, obj in enumerate(raw):
        if not isinstance(obj, dict):
            raise StationConfigError(f"{name}[{i}]: expected an object")
        yield f"{name}[{i}].", obj


def _months(raw) -> tuple[MonthFigures, ...]:
    """``statistics.months``: one object per month, no month twice."""
    out = []
    for where, m in _objects(raw, "statistics.months", 240):
        month = _req(m, "month", str, where)
        if not _MONTH.fullmatch(month):
            raise StationConfigError(f"{where}month: expected YYYY-MM, got {month!r:.20}")
        counts = {}
        for k in ("received", "replied", "resolved"):
            v = m.get(k)
            if v is None and k == "resolved":
                counts[k] = None
                continue
            v = _req(m, k, int, where)
            if v < 0:
                raise StationConfigError(f"{where}{k}: expected a count of 0 or more, got {v}")
            counts[k] = v
        rates = {}
        for k in ("resolution_rate", "satisfaction_rate"):
            v = m.get(k)
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 1):
                raise StationConfigError(f"{where}{k}: expected a fraction from 0 to 1, got {v!r:.20}")
            rates[k] = None if v is None else float(v)
        out.append(MonthFigures(month=month, **counts, **rates))
    if len({m.month for m in out}) != len(out):
        raise StationConfigError("statistics.months: the same month twice")
    return tuple(out)


def _published_matters(raw) -> tuple[PublishedMatter, ...]:
    """``published_matters``: only the public fields; anything else refuses the document."""
    out = []
    for where, m in _objects(raw, "published_matters", MAX_MATTERS):
        extra = sorted(set(m) - MATTER_KEYS)
        if extra:
            # e.g. "text", "name", "photo": a resident's content is never published here
            raise StationConfigError(f"{where}{extra[0]}: not allowed (a published matter carries only "
                                     + ", ".join(sorted(MATTER_KEYS)) + ")")
        fields = {}
        for k, limit in (("category", 50), ("summary", 300), ("outcome", 300)):
            v = _req(m, k, str, where)
            if not v.strip() or len(v) > limit:
                raise StationConfigError(f"{where}{k}: expected 1-{limit} characters")
            if _PERSONAL.search(v):
                raise StationConfigError(f"{where}{k}: contains what looks like a phone or ID number")
            fields[k] = v
        handled = _opt_str(m, "handled_on", where, 10)
        if handled is not None and not _DATE.fullmatch(handled):
            raise StationConfigError(f"{where}handled_on: expected YYYY-MM-DD, got {handled!r}")
        out.append(PublishedMatter(id=_req(m, "id", str, where), handled_on=handled, **fields))
    return tuple(out)


MAX_STATION_KEYS = 10_000


def _station_keys(raw) -> dict[str, str]:
    """``station_keys``: each station's pinned public key, no station twice."""
    out: dict[str, str] = {}
    for where, k in _objects(raw, "station_keys", MAX_STATION_KEYS):
        station = _req(k, "station", str, where)
        if not trackcode.is_station(station):
            raise StationConfigError(f"{where}station: expected 4 digits, got {station!r:.20}")
        if k.get("algorithm", ALGORITHM) != ALGORITHM:
            raise StationConfigError(f"{where}algorithm: expected {ALGORITHM!r}")
        public = _req(k, "public_key", str, where)
        try:
            decode_public(public)
        except ValueError as e:
            raise StationConfigError(f"{where}public_key: {e}") from None
        if station in out:
            raise StationConfigError(f"{where}station: {station} listed twice")
        out[station] = public
    return out


def apply(store, raw: bytes, etag: str | None) -> StationConfig:
    """Validate and store a new config atomically; raises StationConfigError (old kept)."""
    cfg = parse(raw, etag)
    applied = clock.now_iso()
    value = encode_applied(raw.decode("utf-8"), etag, applied)
    # One transaction: the new document, the cleared rejection and the event together.
    store.replace_meta({META_KEY: value, REJECTED_KEY: None},
                       event=("station_config_applied", f"station config {cfg.version or etag} applied",
                              {"etag": etag, "categories": len(cfg.categories)}))
    return StationConfig(**{**cfg.__dict__, "applied_at": applied})


def reject(store, etag: str | None, reason: str) -> bool:
    """Record that the config with *etag* was refused; True the first time for this ETag
    (the caller logs once per bad document, not once per poll)."""
    prev = store.get_meta(REJECTED_KEY)
    if prev and json.loads(prev).get("etag") == etag:
        return False
    store.set_meta(REJECTED_KEY, json.dumps({"etag": etag, "reason": reason, "at": clock.now_iso()},
                                            ensure_ascii=False))
    store.log_event("station_config_rejected", f"station config from the centre rejected: {reason}",
                    level="warning", data={"etag": etag})
    return True


def current_etag(store) -> str | None:
    """ETag of the applied config (for If-None-Match)."""
    rec = read_applied(store)
    return rec.etag if rec else None


def load_current(store) -> StationConfig | None:
    """The last good station config, or None when the centre has not sent one yet."""
    rec = read_applied(store)
    if rec is None:
        return None
    cfg = parse(rec.document, rec.etag)
    return StationConfig(**{**cfg.__dict__, "applied_at": rec.applied_at})
