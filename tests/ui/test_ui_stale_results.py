"""A worker result that arrives after the resident's session ended is dropped.

The photo and page processing are the real ones; only their start is held back by a gate
so the test can cancel (or let the idle wipe fire) while the work is still running.
"""

from __future__ import annotations

import threading

import pytest

from kiosk import config as configmod
from kiosk.app.offscreen.harness import Harness
from kiosk.core.submission import submit
from kiosk.app.services import CaptureService, LookupService
from ui_doubles import TestServices


class GatedCapture(CaptureService):
    """The real photo/page processing, started only when the test opens the gate."""

    def __init__(self, *a):
        super().__init__(*a)
        self.gate = threading.Event()
        self.started = threading.Event()
        self.finished = threading.Event()

    def _held(self, work, frame):
        self.started.set()
        assert self.gate.wait(20), "the test never opened the gate"
        try:
            return work(frame)
        finally:
            self.finished.set()

    def photo_jpeg(self, frame):
        return self._held(super().photo_jpeg, frame)

    def scan_page(self, frame):
        return self._held(super().scan_page, frame)


class GatedLookup(LookupService):
    """The real lookup on the real store, started only when the test opens the gate."""

    def __init__(self, *a):
        super().__init__(*a)
        self.gate = threading.Event()
        self.started = threading.Event()
        self.finished = threading.Event()

    def look_up(self, code, secret=None):
        self.started.set()
        assert self.gate.wait(20), "the test never opened the gate"
        try:
            return super().look_up(code, secret)
        finally:
            self.finished.set()


@pytest.fixture
def gated(write_config):
    from kiosk.core.store import Store
    cfg = configmod.load(write_config("[ui]\nidle_timeout_s = 10\nidle_countdown_s = 3\n"))
    store = Store.open(cfg)
    services = TestServices(cfg, store)
    services.capture = GatedCapture(cfg, services.devices, services.states)
    services.lookup = GatedLookup(cfg, store, services.devices)
    h = Harness(cfg, store, services)
    h.start()
    clock = [1000.0]
    h.app.idle.now = lambda: clock[0]
    h.app.idle.last = clock[0]
    h.gated_lookup = services.lookup
    yield h, services.capture, clock
    h.stop()
    store.close()


def idle_wipe(h, clock) -> None:
    """No touch for the timeout, then the countdown runs out: the session is wiped."""
    clock[0] += 11
    h.app.idle.tick()
    assert h.app.idle.view is not None, "the idle warning is shown"
    clock[0] += 4
    h.app.idle.tick()
    h.pump(2)


def start_capture(h, capture, screen_name: str):
    h.tap(h.screen("home").ids.photo if screen_name == "photo" else h.screen("home").ids.letter)
    screen = h.screen(screen_name)
    h.wait(lambda: not screen.ids.capture.disabled and screen.latest_frame() is not None,
           what=f"the {screen_name} preview")
    h.tap(screen.ids.capture)
    assert capture.started.wait(10), "the capture reached the worker"
    return screen


@pytest.mark.parametrize("how", ["cancel", "idle"])
def test_ui_photo_encoded_after_the_session_ended_is_not_in_the_next_session(gated, how):
    h, capture, clock = gated
    first = h.app.session
    start_capture(h, capture, "photo")
    if how == "cancel":
        h.tap(h.screen("photo").ids.back)      # the resident gives up while it encodes
    else:
        idle_wipe(h, clock)
    assert h.app.root.current == "home" and first.wiped
    h.tap(h.screen("home").ids.photo)          # the next resident opens the photo screen
    fresh = h.app.session
    assert fresh is not first
    capture.gate.set()
    assert capture.finished.wait(20)
    h.pump(10)                                 # the late result reaches the UI thread (or not)
    assert fresh.photos == [], "the previous resident's photo landed in the fresh session"
    assert first.photos == []
    assert not h.screen("photo").ids.thumbs.children, "a thumbnail of the old photo is shown"


def test_ui_letter_page_processed_after_an_idle_wipe_is_not_shown_or_kept(gated):
    h, capture, clock = gated
    start_capture(h, capture, "letter")
    idle_wipe(h, clock)
    h.tap(h.screen("home").ids.letter)
    fresh = h.app.session
    letter = h.screen("letter")
    capture.gate.set()
    assert capture.finished.wait(20)
    h.pump(10)
    assert not letter.checking and letter._pending is None, "the old page is offered to the next resident"
    h.wait(lambda: not letter.ids.capture.disabled, what="the preview")
    h.tap(letter.ids.next)
    assert fresh.pages == [] and h.app.root.current == "letter"


def test_ui_lookup_answered_after_an_idle_wipe_does_not_open_the_answer(gated):
    h, _capture, clock = gated
    item = submit(h.app.store, h.app.cfg, text="东门路灯坏了", category="urban").item
    lookup, gate = h.screen("lookup"), h.gated_lookup
    h.tap(h.screen("home").ids.lookup)
    for ch in str(item.code):
        h.tap(h.find(lookup.ids.pad, lambda w: getattr(w, "value", None) == ch))
    h.tap(lookup.ids.confirm)
    assert gate.started.wait(10), "the lookup reached the worker"
    idle_wipe(h, clock)
    assert h.app.root.current == "home"
    gate.gate.set()
    assert gate.finished.wait(20)
    h.pump(10)
    assert h.app.root.current == "home", "the previous resident's answer was opened"
    assert h.screen("answer").answer is None and lookup.step == "code" and not lookup.checking
