"""公开栏: this station's figures by month and the matters the centre published as handled."""

from __future__ import annotations

from kiosk.app.screens.public import PublicScreen, percent


class BoardScreen(PublicScreen):
    """Figures (received, replied, resolved, rates) and published matters (public wording only)."""

    def show(self, board) -> None:
        app = self.app
        items = [("heading", app.t("board.figures"))]
        for m in board.months:
            resolved = app.t("board.unknown") if m.resolved is None else m.resolved
            items.append(("row", app.t("board.month", month=m.month, received=m.received,
                                       replied=m.replied, resolved=resolved)))
            if m.resolution_rate is not None or m.satisfaction_rate is not None:
                items.append(("row", app.t("board.rates", resolution=percent(app, m.resolution_rate),
                                           satisfaction=percent(app, m.satisfaction_rate))))
        if not board.months:
            items.append(("row", app.t("board.no_figures")))
        items.append(("heading", app.t("board.matters")))
        for m in board.matters:
            items.append(("row", app.t("board.matter", category=m.category, summary=m.summary)))
            items.append(("note", app.t("board.outcome", outcome=m.outcome)))
        if not board.matters:
            items.append(("row", app.t("board.no_matters")))
        self.rows(self.ids.rows, items)
