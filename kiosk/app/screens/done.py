"""Done: the tracking code in very large digits, the receipt secret, and what became of
the receipt."""

from __future__ import annotations

from kivy.properties import BooleanProperty

from kiosk.app import theme
from kiosk.app.screens.base import KioskScreen
from kiosk.app.services import PrintOutcome


class DoneScreen(KioskScreen):
    """Shows "saving…" until the store commit and the print come back from the worker."""

    pending = BooleanProperty(True)

    def show_pending(self) -> None:
        self.pending = True
        self.ids.code.text = "…"
        self.ids.secret.text = ""
        self.ids.printed.text = self.app.t("finish.saving")
        self.ids.printed.color = theme.FG
        self.ids.finish.disabled = True

    def show_result(self, code: str, printing: PrintOutcome, secret: str | None = None) -> None:
        """The item is stored as *code*; show its receipt *secret* and say honestly what the
        printer did."""
        self.pending = False
        self.ids.code.text = code
        t = self.app.t
        self.ids.secret.text = t("done.secret", secret=f"{secret[:3]} {secret[3:]}") if secret else ""
        if printing.printed:
            self.ids.printed.text, self.ids.printed.color = t("done.printed"), theme.FG
        elif printing.unconfirmed:
            # The bytes left the kiosk; whether paper came out nobody knows.
            self.ids.printed.text, self.ids.printed.color = t("done.sent_unconfirmed"), theme.YELLOW
        else:
            self.ids.printed.text, self.ids.printed.color = t("done.printer_problem"), theme.YELLOW
        self.ids.finish.disabled = False

    def reset(self) -> None:
        self.pending = True
        self.ids.code.text = ""
        self.ids.secret.text = ""
        self.ids.printed.text = ""
        self.ids.finish.disabled = False
