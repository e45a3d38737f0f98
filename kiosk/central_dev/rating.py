"""A resident's rating of a round (评价), and what it sets going: 不满意 opens the next
round (不满意再办), 满意 / 基本满意 closes the matter (docs/protocol.md "Ratings",
docs/centre.md "Rounds").

One transaction, the item's row locked (loop.py): the rating is checked against the
matter's rounds, stored, sent back as a ``rated`` update, and its consequence is taken
and queued in the same commit, each in the audit log as the resident's action.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.central_dev.loop import Loop, LoopError, open_round, record_action
from kiosk.central_dev.rounds import round_rating, round_replied

#: The closed update's note when the resident was satisfied (the centre's wording).
SATISFIED_NOTE = {"satisfied": "居民满意", "basically_satisfied": "居民基本满意"}


class RatingRefused(LoopError):
    """The rating names an item the centre does not have (422: final at the kiosk)."""


class RatingConflict(LoopError):
    """The matter's state does not allow the rating (409: final at the kiosk): the round is
    rated already, is not open yet, has no reply yet, or staff closed the matter."""


@dataclass(frozen=True)
class RatingResult:
    """What a rating did: ``result`` "created" or "duplicate" (same id again),
    ``round`` rated, ``then`` "reopened", "closed" or None (an earlier round, a duplicate)."""

    result: str
    round: int | None
    then: str | None


def resident(station) -> str:
    """The audit log's actor for a resident's rating at *station*."""
    return f"resident:{station or 'unknown'}"


def rate(db, body: dict) -> RatingResult:
    """Take rating *body* (docs/openapi.yaml Rating, checked for types by the caller).

    ``round`` absent: the item's current round (a kiosk of protocol 1–3). Same rating id
    again: "duplicate", nothing else happens."""
    loop = Loop(db)
    with db.begin() as conn:
        row = loop.locked(conn, body["item_id"])
        if row is None:
            raise RatingRefused("rating refers to an item the centre does not have")
        if db.rating(conn, body["id"]) is not None:
            return RatingResult("duplicate", None, None)
        code = row.code or row.id
        number = body.get("round") or row.round
        _check(conn, row, code, number)
        db.add_rating(conn, body, number)
        db.push_update(conn, row, row.status, None, stage="rated", round=number, rating=body["rating"])
        reason = (body.get("reason") or "").strip() or None
        record_action(conn, row.id, resident(body.get("station")), "rate", row.status, row.status,
                      note=f"round {number}: {body['rating']}" + (f": {reason}" if reason else ""))
        if number != row.round:
            return RatingResult("created", number, None)  # an earlier round: recorded only
        if body["rating"] == "unsatisfied":
            open_round(db, conn, row, resident(body.get("station")), reason)
            return RatingResult("created", number, "reopened")
        note = SATISFIED_NOTE[body["rating"]]
        db.push_update(conn, row, "closed", None, note=note, round=number)
        record_action(conn, row.id, resident(body.get("station")), "close", row.status, "closed", note=note)
        return RatingResult("created", number, "closed")


def _check(conn, row, code: str, number: int) -> None:
    """Raise why round *number* of the locked *row* cannot be rated (nothing: it can)."""
    if number > row.round:
        raise RatingConflict(f"round {number} of {code} does not exist: the matter is in round {row.round}")
    if round_rating(conn, row.id, number) is not None:
        raise RatingConflict(f"round {number} of {code} is rated already")
    if row.status == "closed":
        raise RatingConflict(f"{code} was closed by the centre: round {number} can no longer be rated")
    if not round_replied(conn, row.id, number):
        raise RatingConflict(f"round {number} of {code} has no reply yet: nothing to rate")
