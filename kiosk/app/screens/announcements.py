"""公告: the announcements in effect now (kiosk/disclosure/board.py decides, clock trust included)."""

from __future__ import annotations

from kiosk.app.screens.public import PublicScreen


class AnnouncementsScreen(PublicScreen):
    """Each announcement in effect; says how many are held back for an unset clock."""

    def show(self, board) -> None:
        app = self.app
        items = []
        for a in board.announcements:
            items.append(("heading", a.title))
            if a.body:
                items.append(("row", a.body))
            if a.ends:
                items.append(("row", app.t("ann.until", ends=a.ends[:16].replace("T", " "))))
        if not board.announcements:
            items.append(("row", app.t("ann.none")))
        if board.withheld_for_clock:
            items.append(("note", app.t("ann.withheld_clock", count=board.withheld_for_clock)))
        self.rows(self.ids.rows, items)
