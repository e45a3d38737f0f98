"""Entering and leaving the service menu: the hidden gesture, the PIN, the idle timeout.

The gesture is a press held :data:`HOLD_S` seconds within :data:`CORNER_PX` of the home
screen's top-left corner: a resident taps, a press that long on an empty corner does
not happen by accident. The touch is not consumed, so the home screen behaves as before.
"""

from __future__ import annotations

import time
from typing import Callable

from kivy.clock import Clock
from kivy.core.window import Window

from kiosk.app.maintenance import is_service_page

HOLD_S = 5.0
CORNER_PX = 120

# `kiosk run` exits with this when staff chose "exit to the system": systemd's
# RestartPreventExitStatus= (systemd/minyi-kiosk-ui.service) then leaves the app stopped.
EXIT_TO_SYSTEM = 75


class ServiceMenu:
    """The service menu of one app: gesture, unlock, timeout, leave."""

    def __init__(self, app, actions, *, now: Callable[[], float] = time.monotonic):
        self.app = app
        self.actions = actions
        self.now = now
        self.last_touch = now()
        self._hold = None
        self._hold_uid = None
        self._tick = None

    def start(self) -> None:
        Window.bind(on_touch_down=self._down, on_touch_move=self._move, on_touch_up=self._up)
        self._tick = Clock.schedule_interval(lambda _dt: self.tick(), 1.0)

    def stop(self) -> None:
        Window.unbind(on_touch_down=self._down, on_touch_move=self._move, on_touch_up=self._up)
        if self._tick is not None:
            self._tick.cancel()
        self._cancel_hold()

    # -- the gesture --------------------------------------------------------------------

    @staticmethod
    def _in_corner(touch) -> bool:
        return touch.x <= CORNER_PX and touch.y >= Window.height - CORNER_PX

    def _down(self, _window, touch):
        self.last_touch = self.now()
        if self.app.root is not None and self.app.root.current == "home" and self._in_corner(touch):
            self._cancel_hold()
            self._hold_uid = touch.uid
            self._hold = Clock.schedule_once(lambda _dt: self.open_pad(), HOLD_S)

    def _move(self, _window, touch):
        if touch.uid == self._hold_uid and not self._in_corner(touch):
            self._cancel_hold()

    def _up(self, _window, touch):
        if touch.uid == self._hold_uid:
            self._cancel_hold()

    def _cancel_hold(self) -> None:
        if self._hold is not None:
            self._hold.cancel()
        self._hold, self._hold_uid = None, None

    # -- entering, leaving ----------------------------------------------------------------

    def open_pad(self) -> None:
        """Show the PIN pad (the gesture's end)."""
        self._cancel_hold()
        self.last_touch = self.now()
        self.app.screen("service-pin").clear()
        self.app.go("service-pin")

    def unlocked(self) -> None:
        """The right PIN: the Status page."""
        self.last_touch = self.now()
        self.app.go("service-status")

    def leave(self) -> None:
        """Back to the home screen; every page forgets what it showed."""
        for name in self.app.root.screen_names:
            if is_service_page(name):
                self.app.screen(name).forget()
        self.app.go("home")
        self.app.idle.touch()

    def tick(self) -> None:
        """Once a second: leave after ``service.idle_timeout_s`` without a touch."""
        root = self.app.root
        if root is None or not is_service_page(root.current):
            return
        if self.app.screen(root.current).busy:
            self.last_touch = self.now()  # a self-test or an export is running
            return
        if self.now() - self.last_touch >= self.app.cfg.service.idle_timeout_s:
            self.leave()

    def restart_app(self) -> None:
        """Stop the app; systemd (Restart=always) starts it again."""
        self.actions.log_action("service_restart", "app restarted by staff")
        self.app.exit_code = 0
        self.app.stop()

    def exit_to_system(self) -> None:
        """Stop the app for maintenance; it stays stopped (see :data:`EXIT_TO_SYSTEM`)."""
        self.actions.log_action("service_exit", "app stopped by staff for maintenance")
        self.app.exit_code = EXIT_TO_SYSTEM
        self.app.stop()
