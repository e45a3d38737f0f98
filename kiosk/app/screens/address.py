"""找代表: address the item to a representative, picked from a list (on duty first, then
by sector, 界别) or found by scanning the representative's QR code with the code reader.

What is listed and which code names whom is decided by kiosk/disclosure/address.py
through ``services.disclosure``; the submission checks the chosen id again. Opened from
the finish screen (the choice goes back there) and from the public screens (a new
matter starts with the representative chosen, and the home screen says so).
"""

from __future__ import annotations

import logging

from kivy.properties import BooleanProperty, StringProperty

from kiosk.app import theme
from kiosk.app.screens.base import KioskScreen
from kiosk.app.screens.codefeed import CodeReaderFeed
from kiosk.app.services import NotARepresentativeCode
from kiosk.app.widgets.base import KButton

log = logging.getLogger(__name__)


class AddressScreen(CodeReaderFeed, KioskScreen):
    """The representatives as buttons, grouped; "nobody in particular" in the top bar; the scan hint."""

    return_to = StringProperty("finish")   # "finish", or "home" from the public screens
    scanning = BooleanProperty(False)      # a code reader is listening

    def on_pre_enter(self, *_):
        self.notice("")
        self.refresh()
        self.open_feed()

    def on_leave(self, *_):
        self.stop_feed()

    def on_language(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Rebuild the list from the board: a heading per group, a button per representative."""
        from kivy.factory import Factory
        app, rows = self.app, self.ids.rows
        rows.clear_widgets()
        try:
            groups = app.services.disclosure.address_groups()
        except Exception:  # an unreadable stored config must not take the kiosk down
            log.exception("representatives unavailable")
            groups = ()
        chosen = self.session.representative_id
        for g in groups:
            heading = app.t("address.on_duty") if g.on_duty else (
                app.t("address.sector", sector=g.sector) if g.sector else app.t("address.other"))
            rows.add_widget(Factory.PublicHeading(text=heading))
            for card in g.cards:
                rows.add_widget(KButton(text=self.card_text(card), selected=card.id == chosen, check_mark=True,
                                        size_hint_y=None, height=theme.TARGET, font_size=40,
                                        on_release=lambda _b, c=card: self.choose(c.id, c.name)))
        if not groups:
            rows.add_widget(Factory.PublicNote(text=app.t("reps.none")))
        self.ids.nobody.selected = chosen is None

    def card_text(self, card) -> str:
        """A representative's button: the name, then title and constituency when given."""
        more = " ".join(x for x in (card.title, card.constituency) if x)
        return f"{card.name}　{more}" if more else card.name

    def choose(self, rep_id: str | None, name: str) -> None:
        """The resident picked *rep_id* (None: nobody in particular)."""
        self.stop_feed()
        self.app.address_representative(rep_id, name, self.return_to)

    def back(self) -> None:
        self.stop_feed()
        self.app.go("finish" if self.return_to == "finish" else "home")

    # -- the code reader ---------------------------------------------------------------

    def take_scan(self, payload: str) -> None:
        self.app.services.states.publish("code_reader", "ok")
        try:
            card = self.app.services.disclosure.representative_by_code(payload)
        except NotARepresentativeCode:
            # A receipt or any other code: say so, and change nothing.
            self.notice(self.app.t("address.not_a_representative"))
            return
        self.choose(card.id, card.name)

    def reset(self) -> None:
        self.stop_feed()
        self.ids.rows.clear_widgets()
        self.return_to = "finish"
        self.notice("")
