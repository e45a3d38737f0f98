"""Answers to residents' items (kiosk.lookup): the receipt code reader, lookups, ratings."""

from __future__ import annotations

from typing import Callable

from kiosk import lookup
from kiosk.receipt.layout import local_time


class LookupService:
    """What the lookup and answer screens need from outside the UI."""

    def __init__(self, cfg, store, devices):
        self.cfg = cfg
        self.store = store
        self.devices = devices

    def open_code_reader(self, on_code: Callable[[str], None], on_error: Callable[[str], None], *,
                         token=None):
        """Start reading receipt codes on a worker thread; returns the feed (``stop()``).

        Raises FeatureUnavailable when no reader can be made; a reader that fails to open
        reports through *on_error* on the UI thread. Deliveries are dropped once *token*
        (a :class:`kiosk.ui.session.WorkToken`) is stale.
        """
        from kiosk.ui.codefeed import CodeFeed
        return CodeFeed(self.devices.code_reader(), on_code, on_error, token=token).start()

    def code_from_scan(self, payload: str):
        """The tracking code in a scanned payload (raises CodeError / CheckDigitWrong)."""
        return lookup.code_from_scan(payload, self.cfg.receipt.lookup_url)

    def look_up(self, code) -> lookup.Answer:
        """The answer for *code*; raises CodeError / CheckDigitWrong / NotFound. Blocking."""
        return lookup.look_up(self.store, code)

    def rate(self, answer: lookup.Answer, rating: str) -> lookup.Answer:
        """Save the resident's rating (once); raises RatingRefused. Blocking."""
        return lookup.rate(self.store, answer, rating)

    def local_time(self, iso: str) -> str:
        """A stored UTC time as the receipt prints it (the configured time zone)."""
        return local_time(iso, self.cfg.receipt.timezone)
