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
from kiosk.ui.services import FeatureUnavailable

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
        self._generation = 0
        self._feed_gen = 0

    # -- the code reader ---------------------------------------------------------------

    def on_pre_enter(self, *_):
        if self.feed is None:
            gen = self._feed_gen
            try:
                self.feed = self.app.services.open_code_reader(
                    lambda payload: self._scanned(gen, payload), lambda detail: self._reader_failed(gen, detail))
                self.scanning = True
            except FeatureUnavailable as e:
                log.warning("code reader unavailable: %s", e)
                self.app.services.publish_device("code_reader", "absent", str(e.detail))
                self.scanning = False

    def on_leave(self, *_):
        self.stop_feed()

    def stop_feed(self) -> None:
        self._feed_gen += 1  # a scan or error already on its way to the UI is ignored
        if self.feed is not None:
            self.feed.stop()
            self.feed = None
        self.scanning = False

    def _reader_failed(self, gen: int, detail: str) -> None:
        if gen != self._feed_gen:
            return
        self.feed = None
        self.scanning = False
        self.app.services.publish_device("code_reader", "error", detail)

    def _scanned(self, gen: int, payload: str) -> None:
        if gen != self._feed_gen or self.app.root.current != self.name:
            return  # a late scan after the resident left
        from kiosk.trackcode import CodeError
        try:
            code = self.app.services.code_from_scan(payload)
        except CodeError:
            self.notice(self.app.t("lookup.scan_unreadable"))
            return
        self.app.services.publish_device("code_reader", "ok")
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
        gen = self._generation
        run_in_worker(self.app.services.look_up, code, name="kiosk-lookup",
                      on_done=lambda answer: self._found(gen, answer),
                      on_error=lambda e: self._failed(gen, e))

    def _found(self, gen: int, answer) -> None:
        if gen != self._generation:
            return  # the session was wiped meanwhile
        self.checking = False
        self.notice("")
        self.stop_feed()  # now, not on the next frame's on_leave: no scan may overtake this
        self.app.screen("answer").show(answer)
        self.app.go("answer")

    def _failed(self, gen: int, e: BaseException) -> None:
        if gen != self._generation:
            return
        self.checking = False
        from kiosk.lookup import NotFound
        from kiosk.trackcode import CodeError
        t = self.app.t
        if isinstance(e, NotFound) and e.other_station:
            self.notice(t("lookup.other_station", station=e.other_station))
        elif isinstance(e, NotFound):
            self.notice(t("lookup.not_found"))
        elif isinstance(e, CodeError) and "check digit" in str(e):
            self.notice(t("lookup.check_digit"))
        elif isinstance(e, CodeError):
            self.notice(t("lookup.bad_code"))
        else:
            self.notice(t("lookup.failed"))

    def reset(self) -> None:
        self._generation += 1
        self.stop_feed()
        self.checking = False
        self.code_text = ""
        self.notice("")
