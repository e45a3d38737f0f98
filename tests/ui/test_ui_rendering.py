"""Changing text and camera frames render into new textures (no in-place refill).

Refilling a texture the previous frame drew with stalled the UI thread 50–350 ms on
Mesa llvmpipe (tests/bench/bench_ui.py measures it); these tests pin the mechanism that
avoids it, and that what the window shows is still right.
"""

from __future__ import annotations

import numpy as np


def test_same_size_text_change_gets_a_new_texture_and_is_shown(harness, tmp_path):
    title = harness.screen("home").ids.title
    title.text = "一二三四"
    harness.pump(3)
    first_texture, first_size = title.texture, tuple(title.texture_size)
    before = harness.screenshot(tmp_path / "a.png").read_bytes()

    title.text = "五六七八"                      # CJK glyphs: the same pixel size
    harness.pump(3)
    assert tuple(title.texture_size) == first_size
    assert title.texture is not first_texture
    changed = harness.screenshot(tmp_path / "b.png").read_bytes()
    assert changed != before

    title.text = "一二三四"                      # back again: exactly the first picture
    harness.pump(3)
    assert harness.screenshot(tmp_path / "c.png").read_bytes() == before


def test_buttons_also_render_changed_text_into_new_textures(harness):
    button = harness.screen("home").ids.speak
    button.text = "说一说"
    harness.pump(3)
    old, size = button.texture, tuple(button.texture_size)
    button.text = "讲一讲"
    harness.pump(3)
    assert tuple(button.texture_size) == size
    assert button.texture is not old


def test_each_camera_frame_gets_its_own_texture_with_its_pixels(harness):
    from kiosk.app.feeds.camerafeed import frame_to_texture

    red = np.zeros((40, 60, 3), np.uint8)
    red[:, :, 2] = 255                           # BGR: red
    blue = np.zeros((40, 60, 3), np.uint8)
    blue[:, :, 0] = 255
    t1, t2 = frame_to_texture(red), frame_to_texture(blue)
    assert t1 is not t2 and t1.size == t2.size == (60, 40)
    p1 = np.frombuffer(t1.pixels, np.uint8).reshape(40, 60, 4)
    p2 = np.frombuffer(t2.pixels, np.uint8).reshape(40, 60, 4)
    assert tuple(p1[20, 30, :3]) == (255, 0, 0)  # RGBA read back
    assert tuple(p2[20, 30, :3]) == (0, 0, 255)


def test_photo_preview_shows_new_textures_as_frames_arrive(harness):
    harness.tap(harness.screen("home").ids.photo)
    photo = harness.screen("photo")
    seen = []
    photo.ids.preview.bind(texture=lambda _w, t: seen.append(t))
    harness.wait(lambda: len([t for t in seen if t is not None]) >= 4, timeout=10,
                 what="four preview frames")
    frames = [t for t in seen if t is not None]
    # Each frame in the texture the last frame did not draw; two alternate (no allocation
    # per frame: tests/ui/test_ui_textures.py).
    assert all(a is not b for a, b in zip(frames, frames[1:]))
    assert len({id(t) for t in frames}) == 2
