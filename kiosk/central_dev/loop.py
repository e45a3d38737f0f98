"""The staff loop on a matter: 受理 accept, 分流 assign to a department, 处置 handle,
跟踪 follow-up notes, 督办 escalate (by staff, or by itself past the category's
``deadline_days``), 反馈 reply, 办结 close, and reopen (不满意再办). docs/centre.md.

Every step is one transaction: the item's row is locked, the step is checked against
the current stage (:class:`StageRefused` names both), the change is queued for the
station's back-channel and the action is appended to the audit log with who and when.
Each update carries the step as ``stage`` (:data:`UPDATE_STAGES`), its ``round`` and
``note`` (protocol 4), beside the statuses every kiosk knows (docs/protocol.md); 督办
also travels as the flag ``escalated``, the department as ``department``.

A reopen (staff's, or a resident's unsatisfied rating: kiosk/central_dev/rating.py)
opens the next round (:func:`open_round`); the rounds are read back by
kiosk/central_dev/rounds.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from kiosk.central_dev import representatives
from kiosk.central_dev.rounds import rounds_of
from kiosk.central_dev.tables import audit, items
from kiosk.core.clock import now_iso

#: An item's stages in order; ``received`` is where every item starts.
STAGES = ("received", "accepted", "assigned", "in_progress", "replied", "closed")
#: What ``advance`` takes: a stage, or ``escalated`` (督办, a flag on an open matter).
ADVANCE_STAGES = ("accepted", "assigned", "in_progress", "escalated", "replied", "closed")
OPEN = ("received", "accepted", "assigned", "in_progress")
#: Which steps follow from which stage. ``accepted`` from replied/closed is a reopen;
#: ``assigned`` from assigned/in_progress hands the matter to another department.
NEXT = {
    "received": ("accepted", "escalated"),
    "accepted": ("assigned", "in_progress", "replied", "escalated"),
    "assigned": ("assigned", "in_progress", "replied", "escalated"),
    "in_progress": ("assigned", "replied", "escalated"),
    "replied": ("closed", "accepted"),
    "closed": ("accepted",),
}
STAGE_ZH = {"received": "已接收", "accepted": "已受理", "assigned": "已分流", "in_progress": "处置中",
            "replied": "已反馈", "closed": "已办结", "escalated": "督办"}
#: The ``stage`` of a back-channel update (docs/protocol.md): the steps above, 跟踪 a
#: follow-up note, 督办, a rating taken (评价) and a new round (不满意再办).
UPDATE_STAGES = ("accepted", "assigned", "in_progress", "followed_up", "escalated", "replied", "rated",
                 "reopened", "closed")
SYSTEM_ACTOR = "system:deadline"
#: A reply's text (反馈) may be this long (docs/protocol.md: ``reply`` ≤ 10,000).
MAX_NOTE = 10_000
#: Any other note, and a close's reason, travel in an update's ``note`` (≤ 1,000).
MAX_SHORT_NOTE = 1_000


class LoopError(ValueError):
    """A step that cannot be taken; ``str()`` says why."""


class UnknownMatter(LoopError):
    """No item has that tracking code (or UUID)."""


class StageRefused(LoopError):
    """The step does not follow from the matter's current stage."""


@dataclass(frozen=True)
class StepResult:
    """What one step did."""

    code: str
    action: str
    from_stage: str
    stage: str
    cursor: int | None  # the back-channel update queued; None: none (a note, or 督办 before 受理)


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def record_action(conn, item_id: str, actor: str, action: str, from_stage: str | None,
                  to_stage: str | None, *, department: str | None = None, note: str | None = None) -> None:
    """Append one action to the audit log in *conn*'s transaction (there is no other
    write of that table: it is append-only, enforced by triggers from migration 0002)."""
    conn.execute(audit.insert().values(item_id=item_id, at=now_iso(), actor=actor, action=action,
                                       from_stage=from_stage, to_stage=to_stage,
                                       department=department, note=note))


def deadlines_of(config_body: str | None) -> dict[str, int]:
    """category id -> ``deadline_days`` from a station config document (others: none)."""
    try:
        cats = json.loads(config_body).get("categories") if config_body else None
    except (ValueError, AttributeError):
        return {}
    out = {}
    for c in cats if isinstance(cats, list) else []:
        days = c.get("deadline_days") if isinstance(c, dict) else None
        if isinstance(c, dict) and isinstance(c.get("id"), str) and isinstance(days, int) \
                and not isinstance(days, bool) and days > 0:
            out[c["id"]] = days
    return out


def meta_of(row) -> dict:
    """The item's metadata as the kiosk sent it ({} when the stored text is not an object)."""
    try:
        meta = json.loads(row["meta"])
    except ValueError:
        return {}
    return meta if isinstance(meta, dict) else {}


def category_of(row) -> str | None:
    cat = meta_of(row).get("category")
    return cat if isinstance(cat, str) else None


class Loop:
    """The steps, on a :class:`kiosk.central_dev.db.CentralDB`."""

    def __init__(self, db):
        self.db = db

    # -- reading ----------------------------------------------------------------------

    def find(self, code_or_id: str):
        """The item with tracking code (or UUID) *code_or_id*; raises :class:`UnknownMatter`."""
        rows = self.db.select(sa.select(items).where(sa.or_(items.c.code == code_or_id, items.c.id == code_or_id)))
        if not rows:
            raise UnknownMatter(f"no matter with code {code_or_id!r}")
        return rows[0]

    def deadlines(self, station: str) -> dict[str, int]:
        """category id -> ``deadline_days`` in the config served to *station*."""
        from kiosk.central_dev.defaults import default_config
        found = self.db.config_for(station)
        return deadlines_of(found[0] if found else default_config())

    def due_at(self, row, deadlines: dict[str, int] | None = None) -> datetime | None:
        """When the matter's deadline runs out (None: its category has no deadline);
        *deadlines* are its station's (:meth:`deadlines`), read here when not given."""
        category = category_of(row)
        if not category:
            return None
        days = (self.deadlines(row["station"]) if deadlines is None else deadlines).get(category)
        # A reopened matter's new round has its own deadline, from when it opened.
        start = row["round_opened_at"] or row["received_at"]
        return None if days is None else datetime.fromisoformat(start) + timedelta(days=days)

    def describe(self, row, now: datetime | None = None, deadlines: dict[str, int] | None = None,
                 reps: dict | None = None, rounds: list[dict] | None = None) -> dict:
        """One matter as ``kiosk central-dev items --json`` prints it (*deadlines*: as
        :meth:`due_at` takes them; *reps*: a cache of the stations' representatives;
        *rounds*: its rounds, read here when not given). ``overdue``: open (not replied
        or closed) and past its round's deadline; ``representative``: ``{"id", "name"}``
        of the one the resident addressed, or null; ``round``: the current round;
        ``rounds``: every round (kiosk/central_dev/rounds.py)."""
        due = self.due_at(row, deadlines)
        overdue = row["status"] in OPEN and due is not None and (now or now_utc()) > due
        return {"id": row["id"], "code": row["code"], "station": row["station"], "seq": row["seq"],
                "category": category_of(row), "stage": row["status"], "department": row["department"],
                "received_at": row["received_at"], "due_at": due.isoformat(timespec="seconds") if due else None,
                "overdue": overdue, "escalated": bool(row["escalated_at"]),
                "reply": row["reply"], "round": row["round"],
                "rounds": rounds if rounds is not None else rounds_of(self.db, [row])[row["id"]],
                "representative": representatives.described(self.db, meta_of(row), reps)}

    def describe_all(self, rows, now: datetime | None = None) -> list[dict]:
        """:meth:`describe` of each row, each station's deadlines and representatives read once."""
        deadlines = {station: self.deadlines(station) for station in {r["station"] for r in rows}}
        reps: dict = {}
        rounds = rounds_of(self.db, rows)
        return [self.describe(r, now, deadlines[r["station"]], reps, rounds[r["id"]]) for r in rows]

    def history(self, item_id: str) -> list:
        """The matter's audit log, oldest first."""
        return self.db.select(sa.select(audit).where(audit.c.item_id == item_id).order_by(audit.c.id))

    def supervision(self, now: datetime | None = None) -> list[dict]:
        """Open matters that are overdue or escalated (督办), oldest first."""
        rows = self.db.select(sa.select(items).where(items.c.status.in_(OPEN)).order_by(items.c.received_at))
        return [d for d in self.describe_all(rows, now) if d["overdue"] or d["escalated"]]

    # -- steps ------------------------------------------------------------------------

    def advance(self, code: str, stage: str, *, actor: str, department: str | None = None,
                note: str | None = None) -> StepResult:
        """Take one step; ``stage=None`` with a *note* is a follow-up note (跟踪)."""
        department = (department or "").strip() or None
        note = (note or "").strip() or None
        longest = MAX_NOTE if stage == "replied" else MAX_SHORT_NOTE
        if note and len(note) > longest:
            raise LoopError(f"note longer than {longest} characters")
        if stage is None:
            if not note:
                raise LoopError("nothing to do: give a stage, or a note for a follow-up (跟踪)")
            return self._note(code, actor, note)
        if stage not in ADVANCE_STAGES:
            raise LoopError(f"unknown stage {stage!r}: one of {', '.join(ADVANCE_STAGES)}")
        if stage == "assigned" and not department:
            raise LoopError("assigned (分流) needs the department: --department D")
        item_id = self.find(code)["id"]
        with self.db.begin() as conn:
            row = self._locked(conn, item_id)
            current = row.status
            if stage not in NEXT.get(current, ()):
                raise StageRefused(f"{row.code or row.id}: cannot go from {current} ({STAGE_ZH.get(current, '')}) "
                                   f"to {stage} ({STAGE_ZH[stage]}); from {current}: "
                                   + (", ".join(NEXT.get(current, ())) or "nothing"))
            return self._step(conn, row, stage, actor, department, note)

    def answer(self, code: str, text: str, *, actor: str) -> StepResult:
        """反馈: reply *text* to the resident (stage ``replied``)."""
        if not (text or "").strip():
            raise LoopError("a reply needs its text: --text T")
        return self.advance(code, "replied", actor=actor, note=text)

    def close(self, code: str, reason: str, *, actor: str) -> StepResult:
        """办结 with a stated *reason*: closes the matter from any open stage (a round the
        resident was not satisfied with, one never answered); the reason travels as the
        ``closed`` update's note. ``advance CODE closed`` stays the close of a replied
        matter, where the reason may be left out."""
        reason = (reason or "").strip()
        if not reason:
            raise LoopError("a close needs its reason: --reason R")
        if len(reason) > MAX_SHORT_NOTE:
            raise LoopError(f"reason longer than {MAX_SHORT_NOTE} characters")
        item_id = self.find(code)["id"]
        with self.db.begin() as conn:
            row = self._locked(conn, item_id)
            if row.status == "closed":
                raise StageRefused(f"{row.code or row.id}: closed (已办结) already")
            cursor = self.db.push_update(conn, row, "closed", None, note=reason)
            record_action(conn, row.id, actor, "close", row.status, "closed", note=reason)
        return StepResult(row.code or row.id, "close", row.status, "closed", cursor)

    def locked(self, conn, item_id: str):
        """The item's row, locked until *conn*'s transaction ends (None: no such item)."""
        return self._locked(conn, item_id)

    def _locked(self, conn, item_id: str):
        # FOR UPDATE on PostgreSQL: two staff stepping one matter at once take turns, and
        # the second is checked against the stage the first left (SQLite: BEGIN IMMEDIATE).
        stmt = sa.select(items).where(items.c.id == item_id)
        return conn.execute(stmt.with_for_update() if self.db.dialect == "postgresql" else stmt).first()

    def _step(self, conn, row, stage: str, actor: str, department: str | None, note: str | None) -> StepResult:
        code = row.code or row.id
        if stage == "escalated":
            if row.escalated_at:
                raise StageRefused(f"{code}: already escalated (督办) since {row.escalated_at}")
            cursor = self.escalate_row(conn, row, actor, note)
            return StepResult(code, "escalate", row.status, row.status, cursor)
        if stage == "replied" and not (note or row.reply):
            raise LoopError(f"{code}: a reply needs its text: kiosk central-dev answer CODE --text T")
        if stage == "accepted" and row.status in ("replied", "closed"):
            cursor = open_round(self.db, conn, row, actor, note)
            return StepResult(code, "reopen", row.status, stage, cursor)
        action = {"accepted": "accept", "assigned": "assign", "in_progress": "handle",
                  "replied": "reply", "closed": "close"}[stage]
        reply = note if stage == "replied" else None
        cursor = self.db.push_update(conn, row, stage, reply, note=None if stage == "replied" else note,
                                     department=department if stage == "assigned" else None)
        record_action(conn, row.id, actor, action, row.status, stage, department=department, note=note)
        return StepResult(code, action, row.status, stage, cursor)

    def escalate_row(self, conn, row, actor: str, note: str | None) -> int | None:
        """Flag *row* 督办 and tell its station (status unchanged, ``escalated`` true).

        A matter still ``received`` is not told: the kiosk knows no such status and would
        skip the update (docs/protocol.md); the flag goes with the matter's next update."""
        conn.execute(items.update().where(items.c.id == row.id).values(escalated_at=now_iso(), escalated_by=actor))
        cursor = None
        if row.status != "received":
            cursor = self.db.push_update(conn, row, row.status, None, escalated=True, stage="escalated",
                                         note=note)
        record_action(conn, row.id, actor, "escalate", row.status, row.status, note=note)
        return cursor

    def _note(self, code: str, actor: str, note: str) -> StepResult:
        item_id = self.find(code)["id"]
        cursor = None
        with self.db.begin() as conn:
            row = self._locked(conn, item_id)
            if row.status != "received":  # like 督办: a status the kiosk does not know is not sent
                cursor = self.db.push_update(conn, row, row.status, None, stage="followed_up", note=note)
            record_action(conn, row.id, actor, "note", row.status, row.status, note=note)
        return StepResult(row.code or row.id, "note", row.status, row.status, cursor)

    def escalate_overdue(self, now: datetime | None = None) -> list[str]:
        """Flag every open matter past its deadline 督办 (once: the row's flag is set in
        the same transaction, under its lock); returns their codes."""
        done = []
        for d in self.supervision(now):
            if d["escalated"] or not d["overdue"]:
                continue
            with self.db.begin() as conn:
                row = self._locked(conn, d["id"])
                if row.escalated_at or row.status not in OPEN:
                    continue  # another process or staff got there first
                self.escalate_row(conn, row, SYSTEM_ACTOR, f"past its deadline ({d['due_at']})")
            done.append(d["code"] or d["id"])
        return done


def open_round(db, conn, row, actor: str, reason: str | None) -> int:
    """不满意再办, in *conn*'s transaction, *row* locked: open round N+1 of the matter.

    The matter goes back to ``accepted`` with its department kept (再次转交); the round's
    deadline runs from now and its 督办 flag starts clear; the old reply stays in the
    old round (rounds.py) and the new round waits for its own. The ``reopened`` update
    carries the new round and *reason* as its note; the audit log records the reopen."""
    at = now_iso()
    conn.execute(items.update().where(items.c.id == row.id).values(
        round=row.round + 1, round_opened_at=at, reply=None, escalated_at=None, escalated_by=None))
    cursor = db.push_update(conn, row, "accepted", None, stage="reopened", round=row.round + 1,
                            note=reason, escalated=False)
    record_action(conn, row.id, actor, "reopen", row.status, "accepted", department=row.department, note=reason)
    return cursor
