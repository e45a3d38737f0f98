"""UI tests: a real Kivy window (SDL offscreen), one per test process.

The Kivy environment must be set before the first kivy import, so it happens here at
import time: SDL offscreen, KIVY_NO_ARGS (Kivy must not parse pytest's argv) and a
private KIVY_HOME (no user config.ini).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
os.environ["KIVY_NO_ARGS"] = "1"
os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="kiosk-ui-kivy-home-"))
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

from kiosk.app import kivyenv  # noqa: E402

kivyenv.prepare(None, offscreen=True, size=(1280, 800))

import pytest  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ui_doubles import TestServices  # noqa: E402


@pytest.fixture
def services(cfg, store):
    return TestServices(cfg, store)


@pytest.fixture
def harness(cfg, store, services):
    """The running app in the offscreen window, torn down after the test."""
    from kiosk.app.offscreen.harness import Harness
    h = Harness(cfg, store, services)
    h.start()
    yield h
    h.stop()


@pytest.fixture
def sample_harness(cfg, store):
    """The running app with the sample services of `kiosk screens` (a station config with
    representatives, one without a photo, announcements and statistics): the screens as
    the audit and the word checks judge them."""
    from kiosk.app.offscreen.harness import Harness
    from kiosk.app.offscreen.render import SampleServices
    h = Harness(cfg, store, SampleServices(cfg, store))
    h.start()
    yield h
    h.stop()
