"""Public disclosure (三定四公开): what the station's public screens show right now.

UI-free: computed from the applied station config (kiosk/core/station_config.py), the
kiosk's clock and its trust (kiosk/core/clock.py) and the photo cache (kiosk/sync/photos.py).
The representatives / board / announcements / attract screens and ``kiosk board`` all
call :func:`current_board`, so the command prints exactly what the screens show.

Clock rules (docs/ui.md "Public disclosure"):

* Duty slots are local wall-clock times. With a trusted clock a representative is on
  duty now when the centre says so (``on_duty``) or a slot covers the current time;
  receptions are dated for the coming :data:`RECEPTION_DAYS` days. With an untrusted
  clock (a Pi after a power cut) nothing is claimed about "now" or "today" beyond the
  centre's ``on_duty``: receptions are listed as the weekly schedule, without dates.
* Announcements are shown between ``starts`` and ``ends``. With an untrusted clock every
  announcement without an end date is shown (a start date cannot be checked, and an
  open-ended notice cannot have expired); one with an end date is withheld and counted
  in :attr:`Board.withheld`, so the screen says that some are held back, never hides
  them silently.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta

from kiosk.core import clock
from kiosk.sync.photos import cached_photo
from kiosk.core.station_config import Announcement, MonthFigures, PublishedMatter, StationConfig, load_current

RECEPTION_DAYS = 21
MAX_MATTERS_SHOWN = 20
WITHHELD_EXPIRED, WITHHELD_NOT_STARTED, WITHHELD_CLOCK = "expired", "not_started", "clock_untrusted"


@dataclass(frozen=True)
class Slot:
    """One duty time: ISO weekday, local HH:MM start and end."""

    weekday: int
    start: str
    end: str


@dataclass(frozen=True)
class RepresentativeCard:
    """A representative as the screens show them."""

    id: str
    name: str
    title: str
    constituency: str
    photo: str | None          # path of the cached photo, None when not cached
    on_duty_now: bool
    on_duty_today: bool
    on_duty_this_week: bool
    schedule: tuple[Slot, ...]
    sector: str = ""           # 界别 ("" = not given)
    qr: str | None = None      # what the representative's own QR code reads as


@dataclass(frozen=True)
class Reception:
    """A time a representative receives residents here (``date`` None: weekly, undated)."""

    representative_id: str
    name: str
    weekday: int
    start: str
    end: str
    date: str | None = None


@dataclass(frozen=True)
class Withheld:
    """An announcement not shown now, and why."""

    id: str
    reason: str   # expired / not_started / clock_untrusted


@dataclass(frozen=True)
class Board:
    """Everything the public screens show at one moment."""

    available: bool              # False: the centre has not sent a station config yet
    at: str                      # the kiosk's local time this was computed for
    clock_trusted: bool
    config_version: str | None
    representatives: tuple[RepresentativeCard, ...]
    receptions: tuple[Reception, ...]
    announcements: tuple[Announcement, ...]
    withheld: tuple[Withheld, ...]
    months: tuple[MonthFigures, ...]       # newest first
    statistics: dict                       # the centre's other figures (e.g. "period")
    matters: tuple[PublishedMatter, ...]   # newest first

    @property
    def on_duty_now(self) -> tuple[RepresentativeCard, ...]:
        return tuple(r for r in self.representatives if r.on_duty_now)

    @property
    def withheld_for_clock(self) -> int:
        """How many announcements are held back only because the clock is untrusted."""
        return sum(1 for w in self.withheld if w.reason == WITHHELD_CLOCK)

    def next_reception(self) -> Reception | None:
        """The first upcoming reception (dated ones first), or None."""
        return self.receptions[0] if self.receptions else None

    def to_dict(self) -> dict:
        """JSON-ready, as ``kiosk board --json`` prints it."""
        d = asdict(self)
        d["on_duty_now"] = [r.id for r in self.on_duty_now]
        return d


def _in_slot(s: Slot, moment: datetime) -> bool:
    return moment.isoweekday() == s.weekday and s.start <= moment.strftime("%H:%M") < s.end


def _still_this_week(s: Slot, monday: date, now: datetime) -> bool:
    day = monday + timedelta(days=s.weekday - 1)
    return day > now.date() or (day == now.date() and now.strftime("%H:%M") < s.end)


def _cards(cfg: StationConfig, now: datetime, trusted: bool, data_dir) -> tuple[RepresentativeCard, ...]:
    monday = now.date() - timedelta(days=now.isoweekday() - 1)
    out = []
    for r in cfg.representatives:
        slots = tuple(Slot(s.weekday, s.start, s.end) for s in r.schedule)
        now_slot = trusted and any(_in_slot(s, now) for s in slots)
        today = trusted and any(s.weekday == now.isoweekday() for s in slots)
        week = trusted and any(_still_this_week(s, monday, now) for s in slots)
        out.append(RepresentativeCard(
            id=r.id, name=r.name, title=r.title, constituency=r.constituency,
            photo=str(p) if (p := cached_photo(data_dir, r.photo_url)) else None,
            on_duty_now=r.on_duty or now_slot, on_duty_today=r.on_duty or today,
            on_duty_this_week=r.on_duty or week, schedule=slots, sector=r.sector, qr=r.qr))
    # On duty now first, then today, then the rest, each in the centre's order.
    return tuple(sorted(out, key=lambda c: (not c.on_duty_now, not c.on_duty_today)))


def _receptions(cfg: StationConfig, now: datetime, trusted: bool) -> tuple[Reception, ...]:
    out = []
    for r in cfg.representatives:
        for s in r.schedule:
            if not trusted:
                out.append(Reception(r.id, r.name, s.weekday, s.start, s.end))
                continue
            for offset in range(RECEPTION_DAYS):
                day: date = now.date() + timedelta(days=offset)
                if day.isoweekday() != s.weekday:
                    continue
                if offset == 0 and now.strftime("%H:%M") >= s.end:
                    continue  # already over today
                out.append(Reception(r.id, r.name, s.weekday, s.start, s.end, day.isoformat()))
    if trusted:
        return tuple(sorted(out, key=lambda x: (x.date, x.start, x.name)))
    return tuple(sorted(out, key=lambda x: (x.weekday, x.start, x.name)))


def _aware(iso: str, now: datetime) -> datetime:
    t = datetime.fromisoformat(iso)
    return t.replace(tzinfo=now.tzinfo) if t.tzinfo is None else t  # no offset: kiosk-local time


def _announcements(cfg: StationConfig, now: datetime, trusted: bool):
    shown, withheld = [], []
    for a in cfg.announcements:
        if not trusted:
            if a.ends is None:
                shown.append(a)
            else:
                withheld.append(Withheld(a.id, WITHHELD_CLOCK))
            continue
        if a.starts is not None and now < _aware(a.starts, now):
            withheld.append(Withheld(a.id, WITHHELD_NOT_STARTED))
        elif a.ends is not None and now >= _aware(a.ends, now):
            withheld.append(Withheld(a.id, WITHHELD_EXPIRED))
        else:
            shown.append(a)
    return tuple(shown), tuple(withheld)


def compute(cfg: StationConfig | None, now: datetime, trusted: bool, data_dir) -> Board:
    """The board for station config *cfg* at local time *now* (timezone-aware)."""
    if now.tzinfo is None:
        raise ValueError("now: expected a timezone-aware time")
    at = now.isoformat(timespec="seconds")
    if cfg is None:
        return Board(False, at, trusted, None, (), (), (), (), (), {}, ())
    shown, withheld = _announcements(cfg, now, trusted)
    matters = sorted(cfg.published_matters, key=lambda m: m.handled_on or "", reverse=True)
    return Board(
        available=True, at=at, clock_trusted=trusted, config_version=cfg.version,
        representatives=_cards(cfg, now, trusted, data_dir),
        receptions=_receptions(cfg, now, trusted),
        announcements=shown, withheld=withheld,
        months=tuple(sorted(cfg.months, key=lambda m: m.month, reverse=True)),
        statistics=dict(cfg.statistics), matters=tuple(matters[:MAX_MATTERS_SHOWN]))


def current_board(store, now: datetime | None = None) -> Board:
    """The board right now for the station config applied in *store*."""
    now = now or datetime.now().astimezone()
    return compute(load_current(store), now, clock.clock_trusted(now.timestamp()), store.data_dir)
