"""Changing text and camera frames reuse two textures per widget instead of a new one
each time: a new texture per change made the app grow by about 0.5 MB per change under
Mesa llvmpipe (tests/bench/bench_soak.py), and refilling the texture on screen stalls
the frame (tests/bench/bench_ui.py)."""

from __future__ import annotations

import numpy as np


def test_label_alternates_two_textures_and_never_refills_the_shown_one(harness):
    h = harness
    h.app.go("done")
    h.pump(2)
    label = h.screen("done").ids.printed
    seen = []
    for i in range(6):
        before = label.texture
        label.text = f"第 {i} 次 {i}{i}"
        h.pump(1)
        assert label.texture is not before  # never refilled in place while on screen
        seen.append(label.texture)
    assert len({id(t) for t in seen[1:]}) == 2, "same-size texts must alternate between two textures"
    label.text = ""            # empty text: Kivy's shared 1-pixel texture, never a spare
    h.pump(1)
    for text in ("又有字了", "再换一次", "第三次了"):
        label.text = text
        h.pump(1)
        assert label.texture is not None and label.texture.size[0] > 1


def test_preview_alternates_two_textures(harness):
    from kiosk.app.feeds.camerafeed import PreviewTextures
    t = PreviewTextures()
    frames = [np.full((48, 64, 3), v, np.uint8) for v in range(6)]
    shown = [t.show(f) for f in frames]
    assert all(a is not b for a, b in zip(shown, shown[1:]))
    assert len({id(x) for x in shown}) == 2
    assert t.show(np.zeros((32, 32, 3), np.uint8)).size == (32, 32)  # another size: a new one
