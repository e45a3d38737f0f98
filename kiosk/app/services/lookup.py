"""Answers to residents' items (kiosk.lookup.answers): the receipt code reader, lookups, ratings."""

from __future__ import annotations

import threading
from typing import Callable

from kiosk.lookup import answers as lookup


class LookupService:
    """What the lookup and answer screens need from outside the UI."""

    def __init__(self, cfg, store, devices):
        self.cfg = cfg
        self.store = store
        self.devices = devices
        self._limiter = None
        self._lock = threading.Lock()

    def open_code_reader(self, on_code: Callable[[str], None], on_error: Callable[[str], None], *,
                         token=None):
        """Start reading receipt codes on a worker thread; returns the feed (``stop()``).

        Raises FeatureUnavailable when no reader can be made; a reader that fails to open
        reports through *on_error* on the UI thread. Deliveries are dropped once *token*
        (a :class:`kiosk.app.session.WorkToken`) is stale.
        """
        from kiosk.app.feeds.codefeed import CodeFeed
        return CodeFeed(self.devices.code_reader(), on_code, on_error, token=token).start()

    def scan_from_payload(self, payload: str) -> lookup.Scan:
        """The code and receipt secret in a scanned payload (raises CodeError)."""
        return lookup.scan_from_payload(payload, self.cfg.receipt.lookup_url)

    def verify_receipt(self, payload: str):
        """Whether a scanned receipt is genuine, offline: a
        :class:`kiosk.core.receiptsig.ReceiptCheck` (verdict authentic / forged /
        unknown_station / unsigned, and for this station's items whether the item still
        matches). Raises CodeError for a payload that is not a receipt. Blocking."""
        from kiosk.lookup.verify import verify_payload
        return verify_payload(self.store, payload, self.cfg.receipt.lookup_url)

    def limiter(self) -> lookup.FailureLimiter:
        """This kiosk's wrong-secret limiter (kept in the store)."""
        with self._lock:
            if self._limiter is None:
                self._limiter = lookup.FailureLimiter(self.store)
            return self._limiter

    def look_up(self, code, secret: str | None = None) -> lookup.Answer:
        """The answer for *code*, wrong secrets counted by this kiosk's limiter; raises
        CodeError (``check_digit_wrong`` for a typo) / NotFound / WrongSecret / TooManyFailures.
        Blocking."""
        return lookup.look_up(self.store, code, secret, limiter=self.limiter())

    def rate(self, answer: lookup.Answer, rating: str) -> lookup.Answer:
        """Save the resident's rating (once); raises RatingRefused. Blocking."""
        return lookup.rate(self.store, answer, rating, limiter=self.limiter())
