"""The data pool (民意数据池): what a district's residents keep asking for, read from the
centre's database with SQLAlchemy Core on SQLite and PostgreSQL alike (docs/centre.md,
"Data pool").

Every table is a :class:`PoolTable` (name, columns, rows of plain values): the staff page
draws and lists it, ``/pool/<name>.csv`` exports it and ``kiosk central-dev pool --json``
prints it, from this one place. Counting is done by the database where it can be
(``GROUP BY`` week); percentiles and word segmentation are done here on the rows read,
since SQLite has no percentile function, and whether a matter is overdue is the staff
loop's judgement (kiosk/central_dev/loop.py: deadlines live in the station config's JSON).
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from kiosk.central_dev.defaults import default_config
from kiosk.central_dev.loop import OPEN, Loop
from kiosk.central_dev.pool_text import TextItem, count_keywords, group_items
from kiosk.central_dev.tables import audit, items, ratings
from kiosk.core.clock import now_iso

DEFAULT_WEEKS = 12
MAX_WEEKS = 104
#: The newest items whose text is cut into keywords (jieba takes ~0.1 ms a short text).
MAX_TEXT_ITEMS = 20_000
#: Ratings that count as satisfied for 满意率 (满意 + 基本满意), as districts report it.
SATISFIED = ("satisfied", "basically_satisfied")

#: name -> (title, columns): every table of the pool, in the order the page shows them.
TABLES = {
    "categories_by_week": ("各类别每周件数 Items per category and week", ("week", "category", "items")),
    "stations_by_week": ("各站点每周件数 Items per station and week", ("week", "station", "items")),
    "keywords": ("高频词 Recurring keywords", ("keyword", "count", "stations")),
    "groups": ("相似诉求 Similar items", ("keyword", "keywords", "items", "stations", "codes")),
    "answers": ("办理时长与满意度 Answer time and satisfaction",
                ("department", "category", "items", "answered", "median_h", "p90_h", "ratings",
                 "satisfied", "basically_satisfied", "unsatisfied", "satisfaction_pct")),
    "overdue": ("超期督办 Overdue", ("department", "category", "open", "overdue", "escalated")),
}


class PoolError(ValueError):
    """A request the pool cannot answer (``str()`` says why)."""


@dataclass(frozen=True)
class PoolTable:
    """One table: its columns and rows (dicts of plain JSON values)."""

    name: str
    title: str
    columns: tuple[str, ...]
    rows: list[dict]


@dataclass(frozen=True)
class PoolReport:
    """The pool over ``weeks`` weeks from ``since`` (the first week's Monday, local)."""

    since: str
    weeks: tuple[str, ...]  # each week's Monday, YYYY-MM-DD, oldest first
    generated_at: str
    utc_offset_min: int
    tables: dict[str, PoolTable]
    category_names: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict:
        """What ``kiosk central-dev pool --json`` prints: every table's rows by name."""
        return {"ok": True, "since": self.since, "weeks": list(self.weeks), "generated_at": self.generated_at,
                "utc_offset_min": self.utc_offset_min, **{n: t.rows for n, t in self.tables.items()}}


# -- SQL expressions that differ between the engines ---------------------------------------

class week_start(FunctionElement):
    """The Monday (YYYY-MM-DD) of the week an ISO 8601 time falls in, in local time
    *offset* minutes east of UTC. Rendered per engine below."""

    type = sa.Text()
    name = "week_start"
    inherit_cache = False  # the offset is rendered into the SQL, not a bind parameter

    def __init__(self, column, offset_min: int):
        self.offset_min = int(offset_min)
        super().__init__(column)


@compiles(week_start, "sqlite")
def _week_sqlite(element, compiler, **kw):
    col = compiler.process(element.clauses, **kw)
    # date() reads the ISO time with its offset; 'weekday 0' moves to the next Sunday
    # (or stays), six days back is that week's Monday (sqlite.org/lang_datefunc.html).
    return f"date({col}, '{element.offset_min:+d} minutes', 'weekday 0', '-6 days')"


@compiles(week_start, "postgresql")
def _week_postgresql(element, compiler, **kw):
    col = compiler.process(element.clauses, **kw)
    return (f"to_char(date_trunc('week', (CAST({col} AS timestamptz) AT TIME ZONE 'UTC') "
            f"+ interval '{element.offset_min} minutes'), 'YYYY-MM-DD')")


def meta_field(dialect: str, key: str):
    """The string at *key* of an item's metadata JSON (``items.meta``)."""
    if dialect == "postgresql":
        return sa.cast(items.c.meta, postgresql.JSON)[key].astext
    return sa.func.json_extract(items.c.meta, f"$.{key}")


# -- the window ---------------------------------------------------------------------------

def local_offset_min() -> int:
    """This machine's UTC offset in minutes (weeks start Monday 00:00 local time)."""
    off = datetime.now().astimezone().utcoffset()
    return int(off.total_seconds() // 60) if off else 0


def window(weeks: int, now: datetime, offset_min: int) -> tuple[str, tuple[str, ...]]:
    """(UTC ISO time of the first week's Monday 00:00 local, each week's Monday)."""
    if not 1 <= weeks <= MAX_WEEKS:
        raise PoolError(f"weeks: expected 1 to {MAX_WEEKS}, got {weeks}")
    tz = timezone(timedelta(minutes=offset_min))
    today = now.astimezone(tz).date()
    first = today - timedelta(days=today.weekday() + 7 * (weeks - 1))
    start = datetime(first.year, first.month, first.day, tzinfo=tz).astimezone(timezone.utc)
    return start.isoformat(timespec="milliseconds"), tuple(
        (first + timedelta(days=7 * i)).isoformat() for i in range(weeks))


def percentile(values: list[float], q: float) -> float | None:
    """The *q* quantile of *values*, interpolated between ranks (as PERCENTILE.INC)."""
    if not values:
        return None
    s = sorted(values)
    pos = (len(s) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def _hours(start: str, end: str | None) -> float | None:
    try:
        return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds() / 3600 if end else None
    except ValueError:
        return None


def _round(v: float | None, digits: int = 1) -> float | None:
    return None if v is None else round(v, digits)


class Pool:
    """The pool's queries on a :class:`kiosk.central_dev.db.CentralDB`."""

    def __init__(self, db):
        self.db = db

    def report(self, weeks: int = DEFAULT_WEEKS, *, now: datetime | None = None,
               utc_offset_min: int | None = None) -> PoolReport:
        """Every table over the last *weeks* weeks (this one included)."""
        now = now or datetime.now(timezone.utc)
        offset = local_offset_min() if utc_offset_min is None else utc_offset_min
        since, week_list = window(weeks, now, offset)
        text_items = self.texts(since)
        keywords, per_item = count_keywords(text_items)
        rows = {
            "categories_by_week": self.by_week(since, offset, "category"),
            "stations_by_week": self.by_week(since, offset, "station"),
            "keywords": [{"keyword": k.keyword, "count": k.count, "stations": k.stations} for k in keywords],
            "groups": [{"keyword": g.keyword, "keywords": " ".join(g.keywords), "items": g.items,
                        "stations": g.stations, "codes": " ".join(g.codes)}
                       for g in group_items(text_items, per_item)],
            "answers": self.answers(since),
            "overdue": self.overdue(now),
        }
        tables = {n: PoolTable(n, title, cols, rows[n]) for n, (title, cols) in TABLES.items()}
        return PoolReport(since, week_list, now_iso(), offset, tables, self.category_names())

    # -- counted by the database ----------------------------------------------------------

    def _window_items(self, since: str, offset: int):
        return sa.select(week_start(items.c.received_at, offset).label("week"),
                         meta_field(self.db.dialect, "category").label("category"),
                         items.c.station).where(items.c.received_at >= since).subquery()

    def by_week(self, since: str, offset: int, key: str) -> list[dict]:
        """``{"week", key, "items"}`` rows, by week then *key* (``category`` or ``station``).

        Grouped over a subquery's columns: PostgreSQL would not see two renderings of the
        JSON path (each its own bind parameter) as one GROUP BY expression."""
        sub = self._window_items(since, offset)
        col = sub.c[key]
        stmt = (sa.select(sub.c.week, col, sa.func.count().label("items")).group_by(sub.c.week, col)
                .order_by(sub.c.week, col))
        return [{"week": r["week"], key: r[key], "items": r["items"]} for r in self.db.select(stmt)]

    # -- read here, counted here ----------------------------------------------------------

    def texts(self, since: str) -> list[TextItem]:
        """The newest items' texts in the window (at most :data:`MAX_TEXT_ITEMS`)."""
        text = meta_field(self.db.dialect, "text").label("text")
        stmt = (sa.select(items.c.id, items.c.code, items.c.station, text).where(items.c.received_at >= since)
                .order_by(items.c.received_at.desc()).limit(MAX_TEXT_ITEMS))
        return [TextItem(r["code"] or r["id"], r["station"], r["text"] if isinstance(r["text"], str) else "")
                for r in self.db.select(stmt)]

    def answers(self, since: str) -> list[dict]:
        """Per department and category: items, answered, median / p90 hours from receipt to
        the first reply (反馈, from the audit log), and the residents' ratings."""
        cat = meta_field(self.db.dialect, "category").label("category")
        first = (sa.select(audit.c.item_id, sa.func.min(audit.c.at).label("replied_at"))
                 .where(audit.c.to_stage == "replied").group_by(audit.c.item_id).subquery())
        stmt = (sa.select(items.c.received_at, items.c.department, cat, first.c.replied_at)
                .select_from(items.outerjoin(first, first.c.item_id == items.c.id))
                .where(items.c.received_at >= since))
        counts: dict[tuple, dict] = defaultdict(lambda: {"items": 0, "hours": [], "ratings": defaultdict(int)})
        for r in self.db.select(stmt):
            c = counts[(r["department"], r["category"])]
            c["items"] += 1
            h = _hours(r["received_at"], r["replied_at"])
            if h is not None:
                c["hours"].append(h)
        rated = (sa.select(ratings.c.rating, items.c.department, cat)
                 .select_from(ratings.join(items, ratings.c.item_id == items.c.id))
                 .where(items.c.received_at >= since))
        for r in self.db.select(rated):
            counts[(r["department"], r["category"])]["ratings"][r["rating"]] += 1
        return [_answer_row(dept, category, c) for (dept, category), c in
                sorted(counts.items(), key=lambda kv: (kv[0][0] or "\uffff", kv[0][1] or ""))]

    def overdue(self, now: datetime) -> list[dict]:
        """Per department and category: open matters (any age), overdue and escalated, as
        :meth:`Loop.describe_all` judges each (the rule of the supervision list and of
        ``kiosk central-dev items``)."""
        rows = self.db.select(sa.select(items).where(items.c.status.in_(OPEN)))
        counts: dict[tuple, dict] = defaultdict(lambda: {"open": 0, "overdue": 0, "escalated": 0})
        for d in Loop(self.db).describe_all(rows, now):
            c = counts[(d["department"], d["category"])]
            c["open"] += 1
            c["overdue"] += d["overdue"]
            c["escalated"] += d["escalated"]
        return [{"department": d, "category": k, **c} for (d, k), c in
                sorted(counts.items(), key=lambda kv: (kv[0][0] or "\uffff", kv[0][1] or ""))]

    def category_names(self) -> dict[str, str]:
        """category id -> its Chinese name in the config served to every station."""
        found = self.db.config_for("*")
        try:
            cats = json.loads(found[0] if found else default_config()).get("categories") or []
        except (ValueError, AttributeError):
            return {}
        out = {}
        for c in cats if isinstance(cats, list) else []:
            names = c.get("names") if isinstance(c, dict) else None
            if isinstance(c.get("id") if isinstance(c, dict) else None, str) and isinstance(names, dict):
                name = names.get("zh-CN") or next(iter(names.values()), None)
                if isinstance(name, str):
                    out[c["id"]] = name
        return out


def _answer_row(dept: str | None, category: str | None, c: dict) -> dict:
    r = c["ratings"]
    total = sum(r.values())
    good = sum(r.get(k, 0) for k in SATISFIED)
    return {"department": dept, "category": category, "items": c["items"], "answered": len(c["hours"]),
            "median_h": _round(percentile(c["hours"], 0.5)), "p90_h": _round(percentile(c["hours"], 0.9)),
            "ratings": total, "satisfied": r.get("satisfied", 0),
            "basically_satisfied": r.get("basically_satisfied", 0), "unsatisfied": r.get("unsatisfied", 0),
            "satisfaction_pct": _round(100 * good / total) if total else None}
