"""A matter's rounds (不满意再办), read back from its back-channel updates and ratings
(docs/centre.md "Rounds", docs/protocol.md "Status changes and replies").

Every step of the loop queues one update carrying its stage and round (loop.py), so the
updates are the matter's whole history: a round opens with the item (round 1) or with a
``reopened`` update (its note: the resident's reason), holds its ``replied`` updates,
and ends ``rated`` and ``closed`` (the closed update's note: the stated reason) or
``reopened`` into the next. The rating of a round is the ratings table's row for
(item, round): at most one (migration 0005's unique index).
"""

from __future__ import annotations

import sqlalchemy as sa

from kiosk.central_dev.tables import ratings, updates


def empty_round(number: int, opened_at: str | None, reason: str | None = None) -> dict:
    """One round as ``kiosk central-dev items --json`` prints it, before anything happened."""
    return {"round": number, "opened_at": opened_at, "reason": reason, "replies": [], "reply": None,
            "rating": None, "rated_at": None, "closed_reason": None}


def _fold(rows, item_rows) -> dict[str, list[dict]]:
    """item id -> its rounds, from its updates in cursor order."""
    out = {r["id"]: [empty_round(1, r["received_at"])] for r in item_rows}
    for u in rows:
        rounds = out.get(u["item_id"])
        if rounds is None:
            continue
        stage = u["stage"] or u["status"]
        if stage == "reopened":
            rounds.append(empty_round(u["round"], u["at"], u["note"]))
            continue
        while len(rounds) < u["round"]:  # a round opened by a plain status change: no reopened row
            rounds.append(empty_round(len(rounds) + 1, u["at"]))
        this = rounds[u["round"] - 1]
        if stage == "replied" and u["reply"]:
            this["replies"].append(u["reply"])
            this["reply"] = u["reply"]
        elif stage == "closed":
            this["closed_reason"] = u["note"]
    return out


def rounds_of(db, item_rows) -> dict[str, list[dict]]:
    """item id -> its rounds, oldest first, for the items *item_rows* (two queries)."""
    ids = [r["id"] for r in item_rows]
    if not ids:
        return {}
    ups = db.select(sa.select(updates.c.item_id, updates.c.stage, updates.c.status, updates.c.round,
                              updates.c.reply, updates.c.note, updates.c.at)
                    .where(updates.c.item_id.in_(ids)).order_by(updates.c.cursor))
    out = _fold(ups, item_rows)
    for r in item_rows:  # the current round exists even before its first update
        rounds = out[r["id"]]
        while len(rounds) < r["round"]:
            rounds.append(empty_round(len(rounds) + 1, r["round_opened_at"]))
    for rt in db.select(sa.select(ratings.c.item_id, ratings.c.round, ratings.c.rating, ratings.c.received_at)
                        .where(ratings.c.item_id.in_(ids), ratings.c.round.is_not(None))):
        rounds = out[rt["item_id"]]
        if rt["round"] <= len(rounds):
            rounds[rt["round"] - 1].update(rating=rt["rating"], rated_at=rt["received_at"])
    return out


def round_rating(conn, item_id: str, number: int):
    """The rating of round *number* of item *item_id* in *conn*'s transaction, else None."""
    return conn.execute(sa.select(ratings).where(ratings.c.item_id == item_id,
                                                 ratings.c.round == number)).first()


def round_replied(conn, item_id: str, number: int) -> bool:
    """Whether round *number* of the item has a reply (a ``replied`` update)."""
    return conn.execute(sa.select(updates.c.cursor).where(
        updates.c.item_id == item_id, updates.c.round == number, updates.c.stage == "replied").limit(1)).first() \
        is not None
