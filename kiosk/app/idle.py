"""Inactivity: warn with a countdown, then wipe the session and go home.

While the resident is recording or an item is being saved the app is ``busy`` and the
timer does not run (speaking for three minutes without touching is normal). On the done
screen the item is already stored, so the app returns home without a countdown. On an
untouched home screen (or a public disclosure screen, with nothing in the session) the
language goes back to the default and the attract screen is shown.
"""

from __future__ import annotations

import time
from typing import Callable

from kivy.clock import Clock
from kivy.core.window import Window
from kivy.factory import Factory
from kivy.properties import ColorProperty, NumericProperty
from kivy.uix.modalview import ModalView

from kiosk.app import theme
from kiosk.app.screens import PUBLIC_SCREENS
from kiosk.app.maintenance import is_service_page


class IdleView(ModalView):
    """"Need more time?" with a countdown, covering the whole screen."""

    seconds = NumericProperty(0)
    bg_color = ColorProperty(theme.BG)


class IdleWatcher:
    """Checks once a second how long ago the screen was last touched."""

    def __init__(self, app, now: Callable[[], float] = time.monotonic):
        self.app = app
        self.now = now
        self.last = now()
        self.view: IdleView | None = None
        self.shown_at = 0.0
        self._event = None

    def start(self) -> None:
        Window.bind(on_touch_down=self._touched)
        self._event = Clock.schedule_interval(lambda _dt: self.tick(), 1.0)

    def stop(self) -> None:
        Window.unbind(on_touch_down=self._touched)
        if self._event is not None:
            self._event.cancel()
        self.dismiss()

    def _touched(self, *_):
        # A touch anywhere, including on the warning itself, counts as activity; the
        # touch is not consumed (return None).
        self.last = self.now()

    def touch(self) -> None:
        """Count as activity now (used by the "continue" button)."""
        self.last = self.now()
        self.dismiss()

    def tick(self) -> None:
        """One check; called every second by the clock (and directly by tests)."""
        app = self.app
        ui = app.cfg.ui
        if app.busy:
            self.last = self.now()
            return
        idle = self.now() - self.last
        screen = app.root.current if app.root else "home"
        if self.view is not None:
            remaining = ui.idle_countdown_s - (self.now() - self.shown_at)
            if remaining <= 0:
                app.reset_session()
            else:
                self.view.seconds = int(remaining + 0.999)
            return
        if screen == "unavailable":  # nobody to wait for; the disk check leaves it
            self.last = self.now()
            return
        if screen == "done":
            if idle >= ui.done_return_s:
                app.reset_session()
            return
        if idle < ui.idle_timeout_s:
            return
        if screen == "attract" or is_service_page(screen):
            return  # the service menu has its own timeout (kiosk/app/maintenance/controller.py)
        if screen in PUBLIC_SCREENS and app.session.is_empty():
            # Nothing of a resident to wipe: the attract screen, in the default language.
            if app.lang != ui.default_language:
                app.set_language(ui.default_language)
            self.last = self.now()
            app.show_attract()
            return
        self.show(ui.idle_countdown_s)

    def show(self, seconds: int) -> None:
        if self.view is None:
            self.shown_at = self.now()
            self.view = Factory.IdleView(seconds=seconds)
            self.view.open(animation=False)

    def dismiss(self) -> None:
        if self.view is not None:
            self.view.dismiss(animation=False)
            self.view = None
