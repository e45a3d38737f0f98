"""What the public disclosure screens share (代表信息, 公开栏, 公告, attract): the board from
kiosk/disclosure/board.py through Services, and its wording in the resident's language.

The screens only format; what is shown (who is on duty, which announcement is in
effect) is decided by kiosk/disclosure/board.py, the same code ``kiosk board`` prints.
"""

from __future__ import annotations

import logging

from kivy.app import App
from kivy.factory import Factory
from kivy.properties import ObjectProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk.app.screens.base import KioskScreen
from kiosk.app.wording import date_text

log = logging.getLogger(__name__)

WEEKDAYS = ("", "weekday.mon", "weekday.tue", "weekday.wed", "weekday.thu", "weekday.fri",
            "weekday.sat", "weekday.sun")


def reception_text(app, x) -> str:
    """One reception (kiosk.disclosure.board.Reception) as a line: dated, or weekly when undated."""
    weekday = app.t(WEEKDAYS[x.weekday])
    if x.date is None:
        return app.t("reps.weekly", weekday=weekday, start=x.start, end=x.end, name=x.name)
    return app.t("reps.reception", date=date_text(x.date, app.lang), weekday=weekday,
                 start=x.start, end=x.end, name=x.name)


def percent(app, value: float | None) -> str:
    """0.934 → "93%"; a figure the centre did not send is a dash, never 0%."""
    return app.t("board.unknown") if value is None else f"{value * 100:.0f}%"


class PublicScreen(KioskScreen):
    """A screen that shows the board; refreshed each time it opens and on language change."""

    board = ObjectProperty(None, allownone=True)

    def on_pre_enter(self, *_):
        self.refresh()

    def on_language(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        try:
            self.board = self.app.services.disclosure.board()
        except Exception:  # an unreadable stored config must not take the kiosk down
            log.exception("public board unavailable")
            self.board = None
        if self.board is not None and self.board.available:
            self.show(self.board)
        else:
            self.show_missing()

    def show(self, board) -> None:
        """Fill the screen from *board* (a kiosk.disclosure.board.Board from a station config)."""

    def show_missing(self) -> None:
        """No station config yet (or it cannot be read): say so, show nothing made up."""
        self.rows(self.ids.rows, [("note", self.app.t("public.no_config"))])

    def rows(self, container, items) -> None:
        """Replace *container*'s children with one row per (kind, value): kind is
        "heading", "row", "note" (value: the text) or "card" (a RepresentativeCard)."""
        container.clear_widgets()
        for kind, value in items:
            if kind == "card":
                container.add_widget(Factory.RepresentativeCard(card=value))
            else:
                container.add_widget(getattr(Factory, f"Public{kind.capitalize()}")(text=value))


class RepresentativeCard(BoxLayout):
    """One representative: photo (only from the cache), name, title, constituency, state."""

    card = ObjectProperty(None, allownone=True)

    def state_text(self, _lang: str) -> str:
        c = self.card
        if c is None:
            return ""
        app = App.get_running_app()
        key = ("reps.on_duty_now" if c.on_duty_now else "reps.today" if c.on_duty_today
               else "reps.this_week" if c.on_duty_this_week else None)
        return app.t(key) if key else ""
