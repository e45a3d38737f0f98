"""On an offscreen window every frame is drawn by the GL driver before the next one starts
(kivyenv.finish_gl_frame): an EGL pbuffer's swap does not end a frame, and Mesa's
llvmpipe then kept binning frames into one scene until it reached 36 MB, so the idle app's
memory swung by that much from one minute to the next (docs/ui.md, "Memory over a day").

Measured on the real window, the real driver and the real C heap."""

from __future__ import annotations

import pytest
from kivy.core.window import Window

from kiosk.runtime import allocator
from kiosk.app import kivyenv


def redraw_and_measure(h, frames: int) -> list[float]:
    """Force *frames* full redraws of the current screen; the C heap in use (MB) after each."""
    usage = []
    for _ in range(frames):
        Window.canvas.ask_update()
        h.app.root.canvas.ask_update()
        h.pump(1)
        usage.append(allocator.heap_usage().in_use / 2**20)
    return usage


def test_the_offscreen_window_is_flushed_after_every_frame(harness):
    assert kivyenv.is_offscreen()
    if allocator.heap_usage() is None:
        pytest.skip("needs glibc's mallinfo2 to measure the C heap")
    h = harness
    h.tap(h.screen("home").ids.write)    # a busy screen: the keyboard, many labels
    redraw_and_measure(h, 5)             # textures made, first frames out of the way
    usage = redraw_and_measure(h, 60)
    # Unflushed, each redraw of this screen added about 1.9 MB of binned commands until
    # the scene's 36 MB limit (a sawtooth of 30+ MB); finished, a frame leaves nothing.
    assert max(usage) - min(usage) < 8, f"the C heap swung {max(usage) - min(usage):.1f} MB over 60 frames"


def test_a_real_display_is_not_flushed_by_the_app(monkeypatch):
    monkeypatch.setenv("SDL_VIDEODRIVER", "kmsdrm")
    assert not kivyenv.is_offscreen()
    monkeypatch.delenv("SDL_VIDEODRIVER")
    assert not kivyenv.is_offscreen()
