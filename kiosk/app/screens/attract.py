"""The attract / idle screen: a calm rotation of who is on duty, the next reception and the
announcements, with "请触摸屏幕开始". The first touch goes home and is swallowed: it is
never taken as a tap on a button (docs/ui.md "Attract screen")."""

from __future__ import annotations

from kivy.clock import Clock
from kivy.properties import NumericProperty

from kiosk.app.screens.public import PublicScreen, reception_text

ROTATE_S = 8.0


class AttractScreen(PublicScreen):
    """Shown when no one uses the kiosk; any touch returns to home."""

    index = NumericProperty(0)

    def __init__(self, **kw):
        super().__init__(**kw)
        self.slides: list[str] = []
        self._event = None

    def show(self, board) -> None:
        app = self.app
        slides = [app.t("attract.on_duty", name=" ".join(x for x in (r.name, r.title) if x))
                  for r in board.on_duty_now]
        nxt = board.next_reception()
        if nxt is not None:
            slides.append(app.t("attract.next_reception", when=reception_text(app, nxt)))
        slides += [a.title for a in board.announcements]
        self.slides = slides
        self.index = 0
        self._show_slide()

    def show_missing(self) -> None:
        self.slides = []   # the welcome and "touch to start" are enough
        self.index = 0
        self._show_slide()

    def on_enter(self, *_):
        self._event = Clock.schedule_interval(lambda _dt: self.next_slide(), ROTATE_S)

    def on_leave(self, *_):
        if self._event is not None:
            self._event.cancel()
            self._event = None

    def next_slide(self) -> None:
        """Show the next slide (called by the clock every ROTATE_S seconds)."""
        if self.slides:
            self.index = (self.index + 1) % len(self.slides)
        self._show_slide()

    def _show_slide(self) -> None:
        self.ids.slide.text = self.slides[self.index] if self.slides else ""

    def on_touch_down(self, touch):
        # Swallowed: home's buttons never see this touch's down, so its up cannot
        # release one of them (ButtonBehavior acts only on a touch it grabbed).
        if self.manager is not None and self.manager.current == self.name:
            self.app.leave_attract()
            return True
        return super().on_touch_down(touch)
