"""The code reader listening while a screen is shown: one mechanism for the screens
that take a scan (the lookup screen: a receipt's code; the address screen: a
representative's code).

A scan or a reader error reaches the UI thread through the session's work token
(kiosk/app/services/lookup.py ``open_code_reader``); :meth:`CodeReaderFeed.stop_feed`
cancels the token, so one already on its way is dropped, and a wiped session drops it
the same way.
"""

from __future__ import annotations

import logging

from kiosk.app.services import FeatureUnavailable

log = logging.getLogger(__name__)


class CodeReaderFeed:
    """Mixin for a :class:`~kiosk.app.screens.base.KioskScreen` that declares a
    ``scanning`` BooleanProperty (a Kivy property must live on the screen class itself)
    and implements :meth:`take_scan`."""

    feed = None          # the open reader feed, None while not listening
    _feed_token = None   # the work token its results hop to the UI with

    def open_feed(self) -> None:
        """Start listening, unless already; a missing reader is published, not raised."""
        if self.feed is not None:
            return
        self._feed_token = self.session.token()
        try:
            self.feed = self.app.services.lookup.open_code_reader(self._scanned, self._reader_failed,
                                                                  token=self._feed_token)
            self.scanning = True
        except FeatureUnavailable as e:
            log.warning("code reader unavailable: %s", e)
            self.app.services.states.publish("code_reader", "absent", e.detail)
            self.scanning = False

    def stop_feed(self) -> None:
        """Stop listening; a scan or error already on its way to the UI is dropped."""
        if self._feed_token is not None:
            self._feed_token.cancel()
            self._feed_token = None
        if self.feed is not None:
            self.feed.stop()
            self.feed = None
        self.scanning = False

    def take_scan(self, payload: str) -> None:
        """What the screen does with a scanned *payload* (while it is the current one)."""
        raise NotImplementedError

    def _reader_failed(self, detail: str) -> None:
        self.feed = None
        self.scanning = False
        self.app.services.states.publish("code_reader", "error", detail)

    def _scanned(self, payload: str) -> None:
        if self.app.root.current != self.name:
            return  # scanned in the frame the resident left (on_leave comes a frame later)
        self.take_scan(payload)
