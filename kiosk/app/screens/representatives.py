"""代表信息: who is on duty now / today / this week, and the receptions to come."""

from __future__ import annotations

from kiosk.app.screens.public import PublicScreen, reception_text


class RepresentativesScreen(PublicScreen):
    """Representatives (photo from the cache only) and the reception schedule."""

    def show(self, board) -> None:
        app = self.app
        items = [("card", c) for c in board.representatives] or [("note", app.t("reps.none"))]
        items.append(("heading", app.t("reps.schedule")))
        if not board.clock_trusted:
            items.append(("note", app.t("reps.clock_untrusted")))
        items += [("row", reception_text(app, x)) for x in board.receptions[:12]]
        if not board.receptions:
            items.append(("row", app.t("reps.no_receptions")))
        self.rows(self.ids.rows, items)
