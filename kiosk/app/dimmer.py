"""The screen schedule (``ui.screen_schedule``, e.g. "23:00-06:00"): at night, while the
attract screen is up, the screen is dimmed under a dark overlay; the first touch wakes it
and is swallowed (it is never taken as a tap on what lies underneath).

Dimming needs a trusted clock (kiosk/core/clock.py): a Pi that booted with a stale time must
not go dark in the middle of the day.
"""

from __future__ import annotations

from datetime import datetime
from typing import Callable

from kivy.clock import Clock
from kivy.core.window import Window
from kivy.properties import ColorProperty
from kivy.uix.widget import Widget

from kiosk.core import clock
from kiosk.config.ui import parse_schedule

CHECK_S = 20.0
DIM = (0, 0, 0, 0.85)


def in_window(hhmm: str, start: str, end: str) -> bool:
    """Is *hhmm* in [start, end)? A window past midnight (23:00-06:00) wraps."""
    return start <= hhmm < end if start < end else hhmm >= start or hhmm < end


class DimOverlay(Widget):
    """Covers the whole window; a touch on it wakes the screen and goes no further."""

    bg_color = ColorProperty(DIM)

    def __init__(self, on_wake: Callable[[], None], **kw):
        super().__init__(**kw)
        self.on_wake = on_wake

    def on_touch_down(self, touch):
        self.on_wake()
        return True

    def on_touch_move(self, touch):
        return True

    def on_touch_up(self, touch):
        return True


class Dimmer:
    """Checks every CHECK_S seconds whether the screen should be dim."""

    def __init__(self, app, wall: Callable[[], datetime] = datetime.now):
        self.app = app
        self.wall = wall
        self.window = parse_schedule(app.cfg.ui.screen_schedule)
        self.overlay: DimOverlay | None = None
        self._event = None

    @property
    def dimmed(self) -> bool:
        return self.overlay is not None

    def start(self) -> None:
        if self.window is not None:
            self._event = Clock.schedule_interval(lambda _dt: self.tick(), CHECK_S)

    def stop(self) -> None:
        if self._event is not None:
            self._event.cancel()
        self.wake()

    def tick(self) -> None:
        """One check (called by the clock, and directly by tests)."""
        if self.window is None or self.dimmed:
            return
        now = self.wall()
        if (self.app.root is not None and self.app.root.current == "attract"
                and clock.clock_trusted(now.timestamp()) and in_window(now.strftime("%H:%M"), *self.window)):
            self.overlay = DimOverlay(self._woken, size=Window.size)
            Window.add_widget(self.overlay)

    def _woken(self) -> None:
        self.wake()
        self.app.leave_attract()

    def wake(self) -> None:
        """Remove the overlay (a touch, or the app stopping)."""
        if self.overlay is not None:
            Window.remove_widget(self.overlay)
            self.overlay = None
