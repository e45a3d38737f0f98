"""Looking up an item from its receipt, and rating the centre's answer. No UI, no I/O
beyond the store.

A resident comes back with the receipt: the code is scanned from its QR code (the bare
digits, or ``receipt.lookup_url`` with the code filled in) or typed on the number pad.
The kiosk shows what it knows locally, brought back by the sync daemon: the state, the
centre's reply and when it came. It deliberately does NOT show the item's text, photos
or the name: whoever holds a (lost) receipt may read the answer, not the complaint.

Rating: 满意 / 基本满意 / 不满意 (:class:`kiosk.records.Rating`), once per item, and only
after the centre replied (there is nothing to rate before). The sync daemon forwards the
rating exactly once like an item.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kiosk import trackcode
from kiosk.records import ItemState, Rating
from kiosk.store import AlreadyRated
from kiosk.trackcode import CodeError, TrackingCode

#: States in which the centre has answered, so the answer can be rated.
RATEABLE_STATES = (ItemState.REPLIED.value, ItemState.CLOSED.value)


class NotFound(LookupError):
    """No item with this code at this kiosk. ``other_station`` is set when the code
    belongs to another station (its receipt was printed there)."""

    def __init__(self, code: TrackingCode, other_station: str | None = None):
        self.code = code
        self.other_station = other_station
        where = f"station {other_station}" if other_station else "this kiosk"
        super().__init__(f"no item with tracking code {code} at this kiosk"
                         + (f" (it was issued at {where})" if other_station else ""))


class RatingRefused(Exception):
    """The answer cannot be rated (not answered yet, or rated already)."""

    def __init__(self, reason: str, message: str):
        self.reason = reason  # "not_replied" / "already_rated"
        super().__init__(message)


@dataclass(frozen=True)
class Answer:
    """What the resident may see about their item."""

    item_id: str
    code: TrackingCode
    created_at: str
    clock_trusted: bool
    category: str | None
    state: str                 # an ItemState value
    reply: str | None
    replied_at: str | None     # when the centre last changed the item
    rating: str | None         # the resident's rating, once given

    @property
    def replied(self) -> bool:
        return self.state in RATEABLE_STATES and bool(self.reply)

    @property
    def can_rate(self) -> bool:
        return self.replied and self.rating is None


def code_from_scan(payload: str, lookup_url: str = "") -> TrackingCode:
    """The tracking code in what a code reader sent: the receipt's QR payload (see
    ``ReceiptSettings.qr_payload``) or a typed code. Raises :class:`CodeError`.

    A URL made from ``lookup_url`` gives up the ``{code}`` part; a URL from an older
    ``lookup_url`` still works when it carries the code as the last run of digits.
    """
    text = (payload or "").strip()
    if lookup_url and "{code}" in lookup_url:
        before, after = lookup_url.split("{code}", 1)
        if text.startswith(before) and text.endswith(after) and len(text) > len(before) + len(after):
            return trackcode.parse(text[len(before):len(text) - len(after)])
    if re.match(r"[a-z][a-z0-9+.-]*://", text, re.I):
        runs = re.findall(r"[0-9][0-9\-]*[0-9]", text)
        if not runs:
            raise CodeError("the scanned code holds no tracking code")
        return trackcode.parse(runs[-1])
    return trackcode.parse(text)


def look_up(store, code: str | TrackingCode) -> Answer:
    """The :class:`Answer` for a code (parsed first: a typo raises CodeError "check
    digit wrong"); raises :class:`NotFound`."""
    if not isinstance(code, TrackingCode):
        code = trackcode.parse(code)
    item = store.find_by_code(code)
    if item is None:
        other = code.station if code.station != store.station else None
        raise NotFound(code, other)
    return Answer(item_id=item.id, code=item.code, created_at=item.created_at,
                  clock_trusted=item.clock_trusted, category=item.category, state=item.state,
                  reply=item.centre_reply, replied_at=item.centre_updated_at,
                  rating=store.rating_of(item.id))


def rate(store, answer: Answer, rating: str) -> Answer:
    """Record the resident's rating of the answer; returns the refreshed :class:`Answer`.

    Raises :class:`RatingRefused` (not answered yet, or rated already) or ValueError for
    a rating that is not one of :class:`Rating`.
    """
    Rating(rating)
    current = look_up(store, answer.code)
    if not current.replied:
        raise RatingRefused("not_replied", "the centre has not answered yet; rate after the answer")
    try:
        store.add_rating(current.item_id, rating, once=True)
    except AlreadyRated:
        raise RatingRefused("already_rated", "this answer has been rated already") from None
    return look_up(store, answer.code)
