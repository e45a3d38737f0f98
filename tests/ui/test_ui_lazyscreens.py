"""Screens are made when first needed, and the rest one a frame only while no one uses the
kiosk (kiosk/app/lazyscreens.py; the cold-start figure is tests/bench/bench_ui.py's)."""

from __future__ import annotations

import time

from kiosk.app.kioskapp import SCREEN_PREBUILD_DELAY_S
from kiosk.app.offscreen.harness import Harness
from kiosk.app.screens import SCREENS


def made(h) -> set[str]:
    return {s.name for s in h.app.root.made_screens()}


def test_only_home_is_made_at_start_and_a_screen_is_made_when_shown(cfg, store, services):
    h = Harness(cfg, store, services)
    h.start()
    try:
        assert "home" in made(h) and "lookup" not in made(h)
        assert h.app.root.has_screen("lookup")     # deferred, not missing
        assert not h.app.root.has_screen("no-such-screen")
        h.tap(h.screen("home").ids.write)
        assert h.app.root.current == "write" and "write" in made(h)
    finally:
        h.stop()


def frames_for(h, seconds: float) -> None:
    """Run the loop for *seconds* of real time (the prebuild waits on Kivy's clock)."""
    end = time.monotonic() + seconds
    h.wait(lambda: time.monotonic() > end, timeout=seconds + 5, what=f"{seconds} s of frames")


def test_the_rest_are_made_only_while_no_one_is_there(cfg, store, services):
    h = Harness(cfg, store, services)
    h.start()
    try:
        h.tap(h.screen("home").ids.write)             # a resident on another screen
        frames_for(h, 3 * SCREEN_PREBUILD_DELAY_S)
        assert not set(SCREENS) <= made(h), "screens were made while a resident was on a screen"
        h.app.go("home")
        h.app.session.text = "路灯坏了"                # back home, but with words given
        frames_for(h, 3 * SCREEN_PREBUILD_DELAY_S)
        assert not set(SCREENS) <= made(h), "screens were made during a resident's session"
        h.app.reset_session()                         # they leave: home, empty session
        h.wait(lambda: set(SCREENS) <= made(h), timeout=30, what="every screen made at home")
    finally:
        h.stop()
