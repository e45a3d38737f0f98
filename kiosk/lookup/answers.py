"""Looking up an item from its receipt, and rating the centre's answer. No UI, no I/O
beyond the store.

A resident comes back with the receipt: the code and the receipt secret (see
kiosk/core/itemsecret.py) are scanned from its QR code, or typed on the number pad. The
kiosk shows what it knows locally, brought back by the sync daemon. It deliberately
never shows the item's text, photos or the name: whoever holds a (lost) receipt may read
the answer, not the complaint.

Tracking codes are sequential, so a code alone proves nothing. Without the secret (or
with a receipt printed before receipts carried one) an :class:`Answer` holds only the
state; the reply, the dates, the category and the rating need the secret, and so does
rating. Wrong secrets are counted by a :class:`FailureLimiter` (docs/security.md,
"Receipt secret"): past :data:`MAX_FAILURES` in :data:`WINDOW_SECONDS` every lookup with
a secret is refused until the window has passed.

Rating: 满意 / 基本满意 / 不满意 (:class:`kiosk.core.records.Rating`), once per round of
不满意再办, only after the centre replied to that round (there is nothing to rate before)
and never once the centre closed the matter (kiosk/core/loop.py). An unsatisfied rating
may carry the resident's reason; the centre opens the next round with it. The sync daemon
forwards the rating exactly once like an item.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Callable

from kiosk.core import itemsecret, receiptsig, trackcode
from kiosk.core.loop import Loop, loop_of
from kiosk.core.records import MAX_NOTE_CHARS, ItemState, Rating
from kiosk.core.store import AlreadyRated
from kiosk.core.trackcode import CodeError, TrackingCode

#: States in which the centre has answered, so the answer can be rated.
RATEABLE_STATES = (ItemState.REPLIED.value, ItemState.CLOSED.value)

#: Wrong receipt secrets accepted per window at this kiosk before lookups with a secret
#: are refused (docs/security.md): 5 a minute make one item's secret take about 69 days
#: of typing on average.
MAX_FAILURES = 5
WINDOW_SECONDS = 60.0


class NotFound(LookupError):
    """No item with this code at this kiosk. ``other_station`` is set when the code
    belongs to another station (its receipt was printed there)."""

    def __init__(self, code: TrackingCode, other_station: str | None = None):
        self.code = code
        self.other_station = other_station
        where = f"station {other_station}" if other_station else "this kiosk"
        super().__init__(f"no item with tracking code {code} at this kiosk"
                         + (f" (it was issued at {where})" if other_station else ""))


class WrongSecret(LookupError):
    """The receipt secret does not match the item's (counted by the limiter)."""

    def __init__(self, code: TrackingCode, remaining: int):
        self.code = code
        self.remaining = remaining  # wrong secrets left before lookups are refused
        super().__init__(f"the receipt secret for {code} is wrong")


class TooManyFailures(LookupError):
    """Too many wrong secrets at this kiosk lately; ``retry_after`` seconds to wait."""

    def __init__(self, retry_after: float):
        self.retry_after = retry_after
        super().__init__(f"too many wrong receipt secrets; try again in {int(retry_after + 0.999)} s")


class RatingRefused(Exception):
    """The answer cannot be rated (not answered yet, rated already, or no secret)."""

    def __init__(self, reason: str, message: str):
        self.reason = reason  # "not_replied" / "already_rated" / "no_secret"
        super().__init__(message)


class FailureLimiter:
    """Counts wrong receipt secrets at this kiosk: at most *max_failures* per *window*.

    With a *store*, the times of the recent failures are kept in its meta table
    (``lookup.failures``), so that restarting the app - a crash brings it back within
    seconds under systemd - does not reset the count (docs/security.md). It costs one
    small write per wrong secret, and wrong secrets are limited. Times are wall-clock
    seconds because they must outlive the process; a board without RTC may see its clock
    jump, so a failure that seems to lie in the future counts as happening now (a
    backward jump can lengthen a lockout, never shorten it). Thread-safe.
    """

    META_KEY = "lookup.failures"

    def __init__(self, store=None, max_failures: int = MAX_FAILURES, window: float = WINDOW_SECONDS,
                 clock: Callable[[], float] = time.time):
        if max_failures < 1 or window <= 0:
            raise ValueError("max_failures must be 1 or more and window positive")
        self.max_failures, self.window, self._clock, self._store = max_failures, window, clock, store
        self._failures: deque[float] = deque()
        self._lock = threading.Lock()
        if store is not None:
            self._failures.extend(self._load(store))

    def _load(self, store) -> list[float]:
        raw = store.get_meta(self.META_KEY)
        if raw is None:
            return []
        try:
            times = json.loads(raw)
            if not isinstance(times, list) or not all(isinstance(t, (int, float)) for t in times):
                raise ValueError(raw[:40])
            return sorted(float(t) for t in times)[-self.max_failures:]
        except ValueError:
            # A damaged record must not open the door: start locked for one window.
            store.log_event("lookup_failures_unreadable",
                            f"store meta {self.META_KEY} is unreadable; lookups with a secret "
                            f"are refused for {self.window:g} s", level="error")
            return [self._clock()] * self.max_failures

    def _prune(self, now: float) -> None:
        if any(t > now for t in self._failures):
            self._failures = deque(min(t, now) for t in self._failures)
        while self._failures and self._failures[0] <= now - self.window:
            self._failures.popleft()

    def check(self) -> None:
        """Raise :class:`TooManyFailures` while the limit is reached."""
        with self._lock:
            now = self._clock()
            self._prune(now)
            if len(self._failures) >= self.max_failures:
                raise TooManyFailures(self._failures[0] + self.window - now)

    def record_failure(self) -> int:
        """Count one wrong secret; returns how many are left before the limit."""
        with self._lock:
            now = self._clock()
            self._prune(now)
            self._failures.append(now)
            while len(self._failures) > self.max_failures:
                self._failures.popleft()
            if self._store is not None:
                self._store.set_meta(self.META_KEY, json.dumps(list(self._failures)))
            return max(0, self.max_failures - len(self._failures))


@dataclass(frozen=True)
class Scan:
    """What a code reader sent: the tracking code and, on current receipts, the secret and
    the station's seal (checked by kiosk.lookup.verify, never needed for the answer)."""

    code: TrackingCode
    secret: str | None = field(default=None, repr=False)
    seal: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Answer:
    """What the resident may see about their item.

    ``authorised`` is True when the receipt secret was given and matched: only then are
    the dates, category, reply and rating filled in (else None). ``secret_issued`` is
    False for an item committed before receipts carried a secret (state only, always).
    """

    item_id: str
    code: TrackingCode
    state: str                 # an ItemState value
    authorised: bool = False
    secret_issued: bool = True
    created_at: str | None = None
    clock_trusted: bool = False
    category: str | None = None
    reply: str | None = None
    replied_at: str | None = None     # when the centre last changed the item
    rating: str | None = None         # the resident's rating of the current round, once given
    loop: Loop | None = None          # the timeline and rounds (authorised answers only)
    # The verified secret, so that rating re-checks it; never shown, never logged.
    secret: str | None = field(default=None, repr=False)

    @property
    def replied(self) -> bool:
        return self.authorised and self.state in RATEABLE_STATES and bool(self.reply)

    @property
    def round(self) -> int:
        """The current round of 不满意再办 (1 when not authorised)."""
        return self.loop.round if self.loop else 1

    @property
    def can_rate(self) -> bool:
        return self.replied and self.loop is not None and self.loop.can_rate


def scan_from_payload(payload: str, lookup_url: str = "") -> Scan:
    """The code and secret in what a code reader sent: the receipt's QR payload (see
    docs/receipts.md) or a typed code. Raises :class:`CodeError` (also for an unreadable
    secret part: either way the scan is not a usable receipt).

    The secret is the fragment's ``k=`` field and the seal its ``r=`` field
    (kiosk/core/receiptsig.py); a payload without them (a receipt printed before
    secrets or seals) gives None for each. A URL made from ``lookup_url`` gives up
    the ``{code}`` part; a URL from an older ``lookup_url`` still works when it carries
    the code as the last run of digits.
    """
    try:
        text, fields = receiptsig.split_fragment(str(payload or "").strip())
    except receiptsig.ReceiptPayloadError as e:
        raise CodeError(str(e)) from None
    secret = None
    if "k" in fields:
        try:
            secret = itemsecret.normalise(fields["k"])
        except itemsecret.SecretFormatError as e:
            raise CodeError(f"the scanned code's receipt secret is unreadable: {e}") from None
    return Scan(_code_in(text, lookup_url), secret, fields.get("r"))


def _code_in(text: str, lookup_url: str) -> TrackingCode:
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


def code_from_scan(payload: str, lookup_url: str = "") -> TrackingCode:
    """The tracking code alone in a scanned payload (see :func:`scan_from_payload`)."""
    return scan_from_payload(payload, lookup_url).code


def look_up(store, code: str | TrackingCode, secret: str | None = None, *,
            limiter: FailureLimiter | None = None) -> Answer:
    """The :class:`Answer` for a code (parsed first: a typo raises CodeError "check
    digit wrong"); raises :class:`NotFound`.

    Without *secret*, or for an item that has none, the answer holds the state only.
    With one, raises :class:`TooManyFailures` while *limiter* is at its limit (checked
    before the item is even read) and :class:`WrongSecret` for a wrong secret, which
    *limiter* counts. A secret that is not 6 digits is a wrong secret too: the limit
    must not be side-stepped by typing 5 digits.
    """
    if not isinstance(code, TrackingCode):
        code = trackcode.parse(code)
    if secret is not None and limiter is not None:
        limiter.check()
    item = store.find_by_code(code)
    if item is None:
        other = code.station if code.station != store.station else None
        raise NotFound(code, other)
    state_only = Answer(item_id=item.id, code=item.code, state=item.state,
                        secret_issued=item.has_secret)
    if secret is None or not item.has_secret:
        return state_only
    if not itemsecret.secret_matches(store, item.id, secret):
        remaining = limiter.record_failure() if limiter is not None else 0
        if limiter is not None and remaining == 0:
            store.log_event("lookup_limited",
                            f"{limiter.max_failures} wrong receipt secrets within "
                            f"{limiter.window:g} s: lookups with a secret refused for a while",
                            level="warning", item_id=item.id)
        raise WrongSecret(item.code, remaining)
    loop = loop_of(store, item.id)
    return Answer(item_id=item.id, code=item.code, state=item.state, authorised=True,
                  created_at=item.created_at, clock_trusted=item.clock_trusted,
                  category=item.category, reply=item.centre_reply,
                  replied_at=item.centre_updated_at, rating=loop.current.rating, loop=loop,
                  secret=itemsecret.normalise(secret))


def rate(store, answer: Answer, rating: str, *, reason: str | None = None,
         limiter: FailureLimiter | None = None) -> Answer:
    """Record the resident's rating of the current round (with their *reason*, kept only
    with an unsatisfied one); returns the refreshed :class:`Answer`.

    The answer's secret is checked again against the store (an Answer is only a value).
    Raises :class:`RatingRefused` (no secret, not answered yet, closed, or rated already),
    :class:`WrongSecret` / :class:`TooManyFailures` as :func:`look_up`, or ValueError for
    a rating that is not one of :class:`Rating`.
    """
    Rating(rating)
    if answer.secret is None:
        raise RatingRefused("no_secret", "rating needs the receipt secret printed on the receipt")
    current = look_up(store, answer.code, answer.secret, limiter=limiter)
    if not current.authorised:
        raise RatingRefused("no_secret", "this item has no receipt secret, so it cannot be rated here")
    if current.loop.closed:
        raise RatingRefused("closed", "the centre closed this matter; it can no longer be rated")
    if not current.can_rate and current.replied:
        raise RatingRefused("already_rated", f"round {current.round} has been rated already")
    if not current.replied:
        raise RatingRefused("not_replied", "the centre has not answered yet; rate after the answer")
    reason = ((reason or "").strip()[:MAX_NOTE_CHARS] or None) if rating == Rating.UNSATISFIED.value else None
    try:
        store.add_rating(current.item_id, rating, round=current.round, reason=reason)
    except AlreadyRated:
        raise RatingRefused("already_rated", f"round {current.round} has been rated already") from None
    return look_up(store, answer.code, answer.secret, limiter=limiter)
