"""Look up an answer: scan the receipt's QR code, or type its number and secret on the pad.

The code reader (if any) listens while this screen is shown. A scan carries the code and
the receipt secret (docs/receipts.md) and opens the answer at once. Typing is two steps:
the code ("查询" checks it on a worker: a typo gets "check digit wrong", an unknown
number "not found here", a receipt of another station says which one), then the 6-digit
receipt secret, without which the answer screen shows the state only ("只看进度" skips
it). A wrong secret says so; too many at this kiosk say when to try again
(docs/security.md, "Receipt secret"). Receipts printed before secrets go straight to
the state.
"""

from __future__ import annotations

import logging

from kivy.properties import BooleanProperty, StringProperty

from kiosk.app.feeds.mainthread import run_in_worker
from kiosk.app.screens.base import KioskScreen
from kiosk.app.screens.codefeed import CodeReaderFeed
from kiosk.app.services import (LOOKUP_OUTCOMES, CodeError, NotFound, TooManyFailures,
                               WrongSecret)

log = logging.getLogger(__name__)

MAX_CHARS = 16   # 12 digits and separators, with room for a stray key
SECRET_CHARS = 6
CODE, SECRET = "code", "secret"


class LookupScreen(CodeReaderFeed, KioskScreen):
    """Number pad, a code field, and the scanner hint."""

    code_text = StringProperty("")
    secret_text = StringProperty("")    # never logged; wiped with the session
    step = StringProperty(CODE)         # CODE, then SECRET once the code was found
    scanning = BooleanProperty(False)   # a code reader is listening
    checking = BooleanProperty(False)   # a lookup is on its way

    def __init__(self, **kw):
        super().__init__(**kw)
        self._lookup_token = None
        self._code = None                # the TrackingCode found in the CODE step

    # -- the code reader ---------------------------------------------------------------

    def on_pre_enter(self, *_):
        self.open_feed()

    def on_leave(self, *_):
        self.stop_feed()

    def take_scan(self, payload: str) -> None:
        try:
            scan = self.app.services.lookup.scan_from_payload(payload)
        except CodeError:
            self.notice(self.app.t("lookup.scan_unreadable"))
            return
        self.app.services.states.publish("code_reader", "ok")
        self.step, self.code_text, self.secret_text = CODE, str(scan.code), ""
        self.find(scan.code, scan.secret)

    # -- typing --------------------------------------------------------------------------

    def insert(self, text: str) -> None:
        if self.step == SECRET:
            self.secret_text = (self.secret_text + text.strip("-"))[:SECRET_CHARS]
        else:
            self.code_text = (self.code_text + text)[:MAX_CHARS]
        self.notice("")

    def delete(self) -> None:
        if self.step == SECRET:
            self.secret_text = self.secret_text[:-1]
        else:
            self.code_text = self.code_text[:-1]
        self.notice("")

    def confirm(self) -> None:
        if self.step == SECRET:
            if not self.secret_text:
                self.notice(self.app.t("lookup.enter_secret"))
                return
            self.find(self._code, self.secret_text)
            return
        if not self.code_text.strip("-"):
            self.notice(self.app.t("lookup.enter_code"))
            return
        self.find(self.code_text)

    def state_only(self) -> None:
        """"只看进度": open the answer without the secret (the state only)."""
        if self.step == SECRET and self._code is not None:
            self.find(self._code)

    def back(self) -> None:
        """Back from the secret to the code; from the code, end the session."""
        if self.step == SECRET and not self.checking:
            self.step, self.secret_text, self._code = CODE, "", None
            self.notice("")
        else:
            self.app.reset_session()

    # -- looking up ----------------------------------------------------------------------

    def find(self, code, secret: str | None = None) -> None:
        """Look *code* up on a worker (with *secret*, for the reply).

        From the code step without a secret, a found item that has a secret asks for it;
        otherwise the answer screen opens.
        """
        if self.checking:
            return
        self.checking = True
        self.notice(self.app.t("common.working"))
        ask_secret = self.step == CODE and secret is None
        self._lookup_token = self.session.token()
        run_in_worker(self.app.services.lookup.look_up, code, secret, name="kiosk-lookup",
                      token=self._lookup_token, on_done=lambda answer: self._found(answer, ask_secret),
                      on_error=self._failed, outcomes=LOOKUP_OUTCOMES)

    def _found(self, answer, ask_secret: bool) -> None:
        self.checking = False
        self.notice("")
        if ask_secret and answer.secret_issued:
            self._code, self.secret_text, self.step = answer.code, "", SECRET
            self.code_text = str(answer.code)
            return
        self.stop_feed()  # now, not on the next frame's on_leave: no scan may overtake this
        self.app.screen("answer").show(answer)
        self.app.go("answer")

    def _failed(self, e: BaseException) -> None:
        self.checking = False
        t = self.app.t
        if isinstance(e, WrongSecret):
            self.secret_text = ""
            if e.remaining:
                self.notice(t("lookup.wrong_secret"))
            else:
                self.notice(t("lookup.too_many", seconds=int(self._window())))
        elif isinstance(e, TooManyFailures):
            self.secret_text = ""
            self.notice(t("lookup.too_many", seconds=max(1, int(e.retry_after + 0.999))))
        elif isinstance(e, NotFound) and e.other_station:
            self.notice(t("lookup.other_station", station=e.other_station))
        elif isinstance(e, NotFound):
            self.notice(t("lookup.not_found"))
        elif isinstance(e, CodeError) and e.check_digit_wrong:
            self.notice(t("lookup.check_digit"))
        elif isinstance(e, CodeError):
            self.notice(t("lookup.bad_code"))
        else:
            log.error("lookup failed: %s: %s", type(e).__name__, e)
            self.notice(t("lookup.failed"))

    def _window(self) -> float:
        return self.app.services.lookup.limiter().window

    def reset(self) -> None:
        if self._lookup_token is not None:
            self._lookup_token.cancel()
            self._lookup_token = None
        self.stop_feed()
        self.checking = False
        self.step, self.code_text, self.secret_text, self._code = CODE, "", "", None
        self.notice("")
