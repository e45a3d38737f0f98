"""Documented keys that the touchscreen app reads: set a non-default value, observe it.

These keys were once documented but ignored (the app used ``ui.*`` duplicates or its
defaults): ``camera.max_photos``, ``camera.max_edge``, ``camera.jpeg_quality``,
``scanner.*`` and ``asr.preload``. docs/config.md is the reference.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from kiosk import config as configmod
from kiosk.app.offscreen.harness import Harness
from ui_doubles import TestServices


def _start(cfg, store):
    services = TestServices(cfg, store)
    h = Harness(cfg, store, services)
    h.start()
    return h, services


def test_camera_max_photos_limits_the_photo_screen(write_config, store):
    cfg = configmod.load(write_config("[camera]\nmax_photos = 1\n"))
    h, _ = _start(cfg, store)
    try:
        h.tap(h.screen("home").ids.photo)
        photo = h.screen("photo")
        h.wait(lambda: not photo.ids.capture.disabled and photo.ids.preview.texture is not None,
               what="the camera preview")
        h.tap(photo.ids.capture)
        h.wait(lambda: len(h.app.session.photos) == 1 and not photo.ids.capture.disabled, what="one photo")
        h.tap(photo.ids.capture)                    # a second one is refused
        assert len(h.app.session.photos) == 1
        assert photo.ids.notice.text == h.app.t("photo.full", max=1)
    finally:
        h.stop()


def test_scanner_max_pages_limits_the_letter_screen(write_config, store):
    cfg = configmod.load(write_config("[scanner]\nmax_pages = 1\n"))
    h, _ = _start(cfg, store)
    try:
        h.tap(h.screen("home").ids.letter)
        letter = h.screen("letter")
        h.wait(lambda: not letter.ids.capture.disabled, what="the document camera preview")
        h.tap(letter.ids.capture)
        h.wait(lambda: letter.checking, what="the processed page")
        h.tap(letter.ids.capture)                   # add it
        h.wait(lambda: not letter.ids.capture.disabled, what="ready for the next page")
        h.tap(letter.ids.capture)                   # a second page is refused
        assert len(h.app.session.pages) == 1
        assert letter.ids.notice.text == h.app.t("letter.full", max=1)
    finally:
        h.stop()


def test_asr_preload_decides_whether_the_model_loads_at_start(write_config, store, tmp_path):
    # No model is installed: loading ends "absent" with its reason; never loading keeps
    # the holder's initial reason. The model dir is per test so holders are not shared.
    for preload in (True, False):
        cfg = configmod.load(write_config(f'[asr]\npreload = {str(preload).lower()}\n'
                                          f'model_dir = "{tmp_path / f"model-{preload}"}"\n',
                                          name=f"k{preload}.toml"))
        h, services = _start(cfg, store)
        try:
            holder = services.voice.model()
            if preload:
                h.wait(lambda: "kiosk models install" in holder.reason, what="the model load attempt")
            else:
                h.pump(5)
                assert holder.reason == "not loaded yet"
        finally:
            h.stop()


def _jpeg_size(data: bytes) -> tuple[int, int]:
    return Image.open(io.BytesIO(data)).size


def test_camera_max_edge_and_jpeg_quality_shape_the_stored_photo(write_config, store):
    rng = np.random.default_rng(1)
    frame = rng.integers(0, 255, (720, 1280, 3), dtype=np.uint8)
    small = TestServices(configmod.load(write_config("[camera]\nmax_edge = 400\njpeg_quality = 40\n")), store)
    big = TestServices(configmod.load(write_config("[camera]\nmax_edge = 1600\njpeg_quality = 95\n",
                                                   name="b.toml")), store)
    a, b = small.capture.photo_jpeg(frame), big.capture.photo_jpeg(frame)
    assert _jpeg_size(a) == (400, 225) and _jpeg_size(b) == (1280, 720)
    assert len(a) * 4 < len(b)


def test_scanner_settings_shape_the_stored_page(write_config, store):
    from drivers.camera import FakeCamera
    cam = FakeCamera("synthetic-letter", width=1600, height=1200)
    with cam:
        frame = cam.read_frame()
    binary = TestServices(configmod.load(write_config(
        '[scanner]\nmax_edge = 800\nenhance = "binary"\njpeg_quality = 90\n')), store).capture.scan_page(frame)
    gray = TestServices(configmod.load(write_config(
        '[scanner]\nmax_edge = 2000\nenhance = "gray"\n', name="g.toml")), store).capture.scan_page(frame)
    assert binary.found_page and gray.found_page
    page = np.asarray(Image.open(io.BytesIO(binary.jpeg)).convert("L"))
    assert max(page.shape) <= 800 < max(np.asarray(Image.open(io.BytesIO(gray.jpeg))).shape)
    mid = np.count_nonzero((page > 60) & (page < 195)) / page.size
    assert mid < 0.05, "binary pages are black and white (JPEG adds a little noise at edges)"
    # min_page_area above what the page covers: the page is not found, the frame is kept
    unfound = TestServices(configmod.load(write_config('[scanner]\nmin_page_area = 0.95\n', name="m.toml")),
                           store).capture.scan_page(frame)
    assert not unfound.found_page


def test_camera_and_scanner_enabled_false_hide_their_home_tiles(write_config, store):
    cfg = configmod.load(write_config("[camera]\nenabled = false\n"))
    h, _ = _start(cfg, store)
    try:
        home = h.screen("home")
        h.pump(2)
        assert home.ids.photo.opacity == 0 and home.ids.photo.disabled
        assert home.ids.letter.opacity == 1 and not home.ids.letter.disabled
        h.app.reset_session()                       # a new resident: still hidden
        h.pump(2)
        assert home.ids.photo.opacity == 0 and home.ids.photo.disabled
    finally:
        h.stop()
