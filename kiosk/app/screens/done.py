"""Done: the tracking code in very large digits, the receipt secret, and what became of
the receipt.

When no receipt printed (or the printer could not confirm it) the resident must copy the
code and the secret down: both are then shown large, a notice in large type says so and
names them, and the screen says it aloud, reading both digit by digit (docs/ui.md
"The printer-fault notice").
"""

from __future__ import annotations

from kivy.properties import BooleanProperty

from kiosk.app import prompts, theme
from kiosk.app.screens.base import KioskScreen
from kiosk.app.services import PrintOutcome


class DoneScreen(KioskScreen):
    """Shows "saving…" until the store commit and the print come back from the worker."""

    pending = BooleanProperty(True)
    note_down = BooleanProperty(False)
    """No receipt for certain in the resident's hand: the code and secret must be copied."""

    _code = ""
    _secret = ""
    _unconfirmed = False

    def show_pending(self) -> None:
        self.pending, self.note_down = True, False
        self._code = self._secret = ""
        self.ids.code.text = "…"
        self.ids.secret.text = ""
        self.ids.printed.text = self.app.t("finish.saving")
        self.ids.printed.color = theme.FG
        self.ids.finish.disabled = True

    def show_result(self, code: str, printing: PrintOutcome, secret: str | None = None) -> None:
        """The item is stored as *code*; show its receipt *secret* and say honestly what the
        printer did."""
        self.pending = False
        self._code, self._secret = str(code), secret or ""
        self.ids.code.text = str(code)
        t = self.app.t
        self.note_down = not printing.printed
        self._unconfirmed = bool(printing.unconfirmed)
        shown = f"{secret[:3]} {secret[3:]}" if secret else ""
        self.ids.secret.text = (t("done.secret_big" if self.note_down else "done.secret", secret=shown)
                                if secret else "")
        if printing.printed:
            self.ids.printed.text, self.ids.printed.color = t("done.printed"), theme.FG
        else:
            # The bytes may have left the kiosk (unconfirmed), or not: either way the
            # resident may hold no receipt.
            key = "done.sent_unconfirmed" if printing.unconfirmed else "done.printer_problem"
            self.ids.printed.text = t(key if secret else key + "_no_secret")
            self.ids.printed.color = theme.YELLOW
        self.ids.finish.disabled = False
        if self.note_down and self.app.cfg.ui.voice_guidance and self.manager and self.manager.current == self.name:
            self.app.guidance.play_all(self.spoken_prompts())

    def spoken_prompts(self) -> list[str]:
        """After a printer fault: what happened, then the code and the secret, digit by
        digit; else the screen's own prompt."""
        if not self.note_down:
            return [self.name]
        lead = "done_unconfirmed" if self._unconfirmed else "done_printer_problem"
        said = [lead, "code_is", *prompts.digit_clips(self._code)]
        if self._secret:
            said += ["secret_is", *prompts.digit_clips(self._secret)]
        return said

    def reset(self) -> None:
        self.pending, self.note_down = True, False
        self._code = self._secret = ""
        self.ids.code.text = ""
        self.ids.secret.text = ""
        self.ids.printed.text = ""
        self.ids.finish.disabled = False
