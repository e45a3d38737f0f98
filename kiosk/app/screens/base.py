"""What every screen shares: the background, the app, and reset on session wipe."""

from __future__ import annotations

from kivy.app import App
from kivy.properties import ColorProperty
from kivy.uix.screenmanager import Screen

from kiosk.app import theme


class KioskScreen(Screen):
    """A full-screen page of the app. Subclasses keep their Python thin."""

    bg_color = ColorProperty(theme.BG)

    @property
    def app(self):
        return App.get_running_app()

    @property
    def session(self):
        return self.app.session

    def reset(self) -> None:
        """Forget everything shown for the previous resident (idle wipe, new session)."""

    def spoken_prompts(self) -> list[str]:
        """The prompts (kiosk/app/prompts.py) this screen says, in order: its own."""
        return [self.name]

    def category_text(self, category_id: str | None) -> str:
        """An item's category as shown in the screen's language: "no category" for none,
        and a category the centre no longer offers by its id."""
        if not category_id:
            return self.app.t("answer.no_category")
        return self.app.services.submission.category_name(category_id, self.app.lang) or category_id

    def notice(self, text: str = "") -> None:
        """Show (or clear) this screen's message to the resident."""
        if "notice" in self.ids:
            self.ids.notice.text = text
