"""Look up an answer: scan the receipt's QR code, or type its number on the pad.

The code reader (if any) listens while this screen is shown; a scan or "查询" looks the
code up on a worker thread (a database read) and opens the answer screen. A typo gets
"check digit wrong", an unknown number "not found here", a receipt of another station
says which one.
"""

from __future__ import annotations

import logging

from kivy.properties import BooleanProperty, StringProperty

from kiosk.ui.mainthread import run_in_worker
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.services import CheckDigitWrong, CodeError, FeatureUnavailable, NotFound

log = logging.getLogger(__name__)

MAX_CHARS = 16   # 12 digits and separators, with room for a stray key


class LookupScreen(KioskScreen):
    """Number pad, a code field, and the scanner hint."""

    code_text = StringProperty("")
    scanning = BooleanProperty(False)   # a code reader is listening
    checking = BooleanProperty(False)   # a lookup is on its way

    def __init__(self, **kw):
        super().__init__(**kw)
        self.feed = None
        self._feed_token = None
        self._lookup_token = None

    # -- the code reader ---------------------------------------------------------------

    def on_pre_enter(self, *_):
        if self.feed is None:
            self._feed_token = self.session.token()
            try:
                self.feed = self.app.services.lookup.open_code_reader(self._scanned, self._reader_failed,
                                                                      token=self._feed_token)
                self.scanning = True
            except FeatureUnavailable as e:
                log.warning("code reader unavailable: %s", e)
                self.app.services.states.publish("code_reader", "absent", e.detail)
                self.scanning = False

    def on_leave(self, *_):
        self.stop_feed()

    def stop_feed(self) -> None:
        if self._feed_token is not None:
            self._feed_token.cancel()  # a scan or error already on its way to the UI is dropped
            self._feed_token = None
        if self.feed is not None:
            self.feed.stop()
            self.feed = None
        self.scanning = False

    def _reader_failed(self, detail: str) -> None:
        self.feed = None
        self.scanning = False
        self.app.services.states.publish("code_reader", "error", detail)

    def _scanned(self, payload: str) -> None:
        if self.app.root.current != self.name:
            return  # scanned in the frame the resident left (on_leave comes a frame later)
        try:
            code = self.app.services.lookup.code_from_scan(payload)
        except CodeError:
            self.notice(self.app.t("lookup.scan_unreadable"))
            return
        self.app.services.states.publish("code_reader", "ok")
        self.code_text = str(code)
        self.find(code)

    # -- typing --------------------------------------------------------------------------

    def insert(self, text: str) -> None:
        self.code_text = (self.code_text + text)[:MAX_CHARS]
        self.notice("")

    def delete(self) -> None:
        self.code_text = self.code_text[:-1]
        self.notice("")

    def confirm(self) -> None:
        if not self.code_text.strip("-"):
            self.notice(self.app.t("lookup.enter_code"))
            return
        self.find(self.code_text)

    # -- looking up ----------------------------------------------------------------------

    def find(self, code) -> None:
        """Look *code* up on a worker; the answer screen opens when it is found."""
        if self.checking:
            return
        self.checking = True
        self.notice(self.app.t("common.working"))
        self._lookup_token = self.session.token()
        run_in_worker(self.app.services.lookup.look_up, code, name="kiosk-lookup", token=self._lookup_token,
                      on_done=self._found, on_error=self._failed)

    def _found(self, answer) -> None:
        self.checking = False
        self.notice("")
        self.stop_feed()  # now, not on the next frame's on_leave: no scan may overtake this
        self.app.screen("answer").show(answer)
        self.app.go("answer")

    def _failed(self, e: BaseException) -> None:
        self.checking = False
        t = self.app.t
        if isinstance(e, NotFound) and e.other_station:
            self.notice(t("lookup.other_station", station=e.other_station))
        elif isinstance(e, NotFound):
            self.notice(t("lookup.not_found"))
        elif isinstance(e, CheckDigitWrong):
            self.notice(t("lookup.check_digit"))
        elif isinstance(e, CodeError):
            self.notice(t("lookup.bad_code"))
        else:
            self.notice(t("lookup.failed"))

    def reset(self) -> None:
        if self._lookup_token is not None:
            self._lookup_token.cancel()
            self._lookup_token = None
        self.stop_feed()
        self.checking = False
        self.code_text = ""
        self.notice("")
