"""Done: the tracking code in very large digits, the receipt secret, and whether the
receipt printed."""

from __future__ import annotations

from kivy.properties import BooleanProperty

from kiosk.ui.screens.base import KioskScreen


class DoneScreen(KioskScreen):
    """Shows "saving…" until the store commit and the print come back from the worker."""

    pending = BooleanProperty(True)

    def show_pending(self) -> None:
        self.pending = True
        self.ids.code.text = "…"
        self.ids.secret.text = ""
        self.ids.printed.text = self.app.t("finish.saving")
        self.ids.printed.color = (1, 1, 1, 1)
        self.ids.finish.disabled = True

    def show_result(self, code: str, printed: bool, secret: str | None = None) -> None:
        self.pending = False
        self.ids.code.text = code
        self.ids.secret.text = (self.app.t("done.secret", secret=f"{secret[:3]} {secret[3:]}")
                                if secret else "")
        if printed:
            self.ids.printed.text = self.app.t("done.printed")
            self.ids.printed.color = (1, 1, 1, 1)
        else:
            self.ids.printed.text = self.app.t("done.printer_problem")
            from kiosk.ui import theme
            self.ids.printed.color = theme.YELLOW
        self.ids.finish.disabled = False

    def reset(self) -> None:
        self.pending = True
        self.ids.code.text = ""
        self.ids.secret.text = ""
        self.ids.printed.text = ""
        self.ids.finish.disabled = False
