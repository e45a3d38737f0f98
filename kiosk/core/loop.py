"""An item's loop as a resident follows it: the timeline of the centre's updates and the
rounds of 不满意再办 (docs/protocol.md "Status changes and replies", protocol 4).

Built from what the store keeps (``Store.loop_history``, ``Store.ratings_of``); no UI, no
I/O beyond the store. The lookup screen, ``kiosk status CODE --json`` and ``kiosk rate``
all read it from here, so they cannot disagree on which round is current or whether it
may be rated.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from kiosk.core.records import Delivery, Stage

#: Updates that change nothing a resident waits for: a staff note (跟踪) and the echo of a
#: rating. They stay in the timeline; the current stage is the last other one.
SIDE_STAGES = (Stage.FOLLOWED_UP.value, Stage.RATED.value)


@dataclass(frozen=True)
class TimelineEntry:
    """One step of the loop as the centre reported it."""

    stage: str           # a kiosk.core.records.Stage value
    round: int
    at: str
    department: str | None = None
    note: str | None = None
    reply: str | None = None       # only on a "replied" step
    rating: str | None = None      # only on a "rated" step
    escalated: bool = False        # the matter was under supervision (督办) at this step


@dataclass
class RoundView:
    """One round of the matter: why it opened, the centre's reply, the resident's rating."""

    round: int
    opened_at: str | None = None
    reason: str | None = None          # the resident's words that reopened it (None for round 1)
    reply: str | None = None           # the last reply of the round
    replied_at: str | None = None
    rating: str | None = None          # the resident's rating of it (here or as the centre echoed it)
    rating_refused: str | None = None  # the centre's words when it refused this kiosk's rating
    closed_reason: str | None = None   # the stated reason when the centre closed it


@dataclass(frozen=True)
class Loop:
    """An item's whole loop: every step, every round, and what is current."""

    entries: list[TimelineEntry] = field(default_factory=list)
    rounds: list[RoundView] = field(default_factory=lambda: [RoundView(1)])

    @property
    def round(self) -> int:
        """The current round (1 before anything happened)."""
        return self.rounds[-1].round

    @property
    def current(self) -> RoundView:
        """The current round."""
        return self.rounds[-1]

    @property
    def stage(self) -> str | None:
        """The current stage: the last step that is not a note or a rating echo."""
        for e in reversed(self.entries):
            if e.stage not in SIDE_STAGES:
                return e.stage
        return None

    @property
    def overdue(self) -> bool:
        """Whether the matter is under supervision (督办) as of the last step."""
        return bool(self.entries) and self.entries[-1].escalated

    @property
    def closed(self) -> bool:
        """Whether the centre closed the matter (办结): no round can be rated then."""
        return self.stage == Stage.CLOSED.value

    @property
    def can_rate(self) -> bool:
        """The current round has a reply, no rating yet (given, or refused by the centre:
        the store keeps one per round), and the matter is open."""
        c = self.current
        return bool(c.reply) and c.rating is None and c.rating_refused is None and not self.closed

    def as_dict(self) -> dict:
        """What ``kiosk status CODE --json`` prints: timeline, round, stage, rounds."""
        return {"timeline": [asdict(e) for e in self.entries], "round": self.round, "stage": self.stage,
                "overdue": self.overdue, "rounds": [asdict(r) for r in self.rounds]}


def loop_of(store, item_id: str) -> Loop:
    """The loop of item *item_id* from the store's kept updates and ratings."""
    entries = [TimelineEntry(stage=r.stage, round=r.round, at=r.at, department=r.department, note=r.note,
                             reply=r.reply, rating=r.rating, escalated=r.escalated) for r in store.loop_history(item_id)]
    rounds = fold_rounds(entries)
    for rating in store.ratings_of(item_id):
        _round(rounds, rating.round).__dict__.update(_rating_fields(rating))
    return Loop(entries, rounds)


def fold_rounds(entries: list[TimelineEntry]) -> list[RoundView]:
    """The rounds the steps describe, oldest first (round 1 always exists)."""
    rounds = [RoundView(1, opened_at=entries[0].at if entries else None)]
    for e in entries:
        this = _round(rounds, e.round)
        if e.reply:  # a replied step; from an older centre, any step with a reply
            this.reply, this.replied_at = e.reply, e.at
        if e.stage == Stage.REOPENED.value:
            this.opened_at, this.reason = e.at, e.note
        elif e.stage == Stage.RATED.value and this.rating is None:
            this.rating = e.rating
        elif e.stage == Stage.CLOSED.value:
            this.closed_reason = e.note
    return rounds


def _round(rounds: list[RoundView], number: int) -> RoundView:
    """Round *number* of *rounds*, adding the rounds up to it (a round whose opening step
    the kiosk never saw still shows)."""
    while rounds[-1].round < number:
        rounds.append(RoundView(rounds[-1].round + 1))
    return rounds[number - 1]


def _rating_fields(rating) -> dict:
    """A kiosk rating's fields of its round: a refused one is shown as refused, not as given."""
    if rating.delivery == Delivery.REFUSED.value:
        return {"rating_refused": rating.refusal}
    return {"rating": rating.rating}
