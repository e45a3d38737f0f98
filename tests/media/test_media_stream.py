"""Live preview grabber, in-memory captures and texture bytes."""

from __future__ import annotations

import threading

import cv2
import numpy as np
import pytest

from drivers.camera import CameraUnavailable, FakeCamera, OpenCVCamera
from drivers.camera_samples import synthetic_scene
from kiosk.media.captures import Capture, Captures, LimitReached, page_capture, photo_capture
from kiosk.media.display import texture_bytes
from kiosk.media.photo import ImageRejected
from kiosk.media.settings import CameraSettings, ScannerSettings
from kiosk.media.stream import FrameGrabber


def test_grabber_keeps_the_newest_frame_and_closes():
    cam = FakeCamera(width=320, height=240, fps=100)
    g = FrameGrabber(cam)
    g.start()
    g.start()  # idempotent
    assert g.wait_first(10)
    _, first = g.latest()
    while g.latest()[1] < first + 3:  # frames keep arriving
        threading.Event().wait(0.01)
    shot = g.capture()
    assert shot.shape == (240, 320, 3)
    assert shot is not g.latest()[0]  # a copy, safe to keep
    g.stop()
    assert not g.running and g.latest() == (None, 0)
    with pytest.raises(CameraUnavailable):
        cam.read_frame()  # the worker closed the camera


def test_grabber_reports_an_unplugged_camera_once():
    errors = []
    g = FrameGrabber(FakeCamera(width=320, height=240, fail_after=5), on_error=errors.append)
    g.start()
    g._thread.join(10)
    assert len(errors) == 1 and "simulated unplug" in str(errors[0])
    assert g.error is errors[0] and not g.running
    g.stop()
    with pytest.raises(CameraUnavailable, match="simulated unplug"):
        g.capture()  # the reason, not a bare "no frame"


def test_grabber_reports_a_camera_that_cannot_open():
    errors = []
    g = FrameGrabber(OpenCVCamera("/dev/video77"), on_error=errors.append)
    g.start()
    assert not g.wait_first(10)
    assert "/dev/video77" in str(g.error) and errors == [g.error]
    with pytest.raises(CameraUnavailable, match="/dev/video77"):
        g.capture()
    g.stop()


def test_captures_limit_retake_delete():
    c = Captures(3)
    cap = [Capture(jpeg=bytes([i]), preview=np.zeros((2, 2, 3), np.uint8)) for i in range(5)]
    for i in range(3):
        assert c.add(cap[i]) == i
    assert c.full
    with pytest.raises(LimitReached):
        c.add(cap[3])
    c.replace(1, cap[4])
    assert [x.jpeg for x in c.items] == [b"\0", b"\4", b"\2"]
    c.remove(0)
    assert [x.jpeg for x in c.items] == [b"\4", b"\2"] and not c.full
    with pytest.raises(IndexError):
        c.remove(5)
    c.clear()
    assert len(c) == 0
    with pytest.raises(ValueError):
        Captures(0)


def test_photo_and_page_captures_follow_the_settings():
    shot = photo_capture(synthetic_scene(1920, 1080), CameraSettings(max_edge=800))
    img = cv2.imdecode(np.frombuffer(shot.jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert img.shape == (450, 800, 3) and max(shot.preview.shape[:2]) == 640
    with pytest.raises(ImageRejected):
        photo_capture(np.zeros((5000, 9000, 3), np.uint8), CameraSettings())
    with FakeCamera("synthetic-letter") as cam:
        frame = cam.read_frame()
    page, result = page_capture(frame, ScannerSettings(max_edge=800, enhance="binary"))
    assert result.found_page and max(result.size) == 800 and page.jpeg == result.jpeg


def test_texture_bytes_fit_and_flip():
    frame = np.zeros((100, 200, 3), np.uint8)
    frame[0] = (255, 0, 0)  # top row blue
    buf, (w, h) = texture_bytes(frame, 100, 100)
    assert (w, h) == (100, 50) and len(buf) == 100 * 50 * 3
    rows = np.frombuffer(buf, np.uint8).reshape(50, 100, 3)
    assert rows[-1, :, 0].mean() > 100 and rows[0, :, 0].mean() == 0  # top row is last (bottom-up)
    buf, size = texture_bytes(np.zeros((10, 20), np.uint8), 640, 480, flip=False)
    assert size == (20, 10) and len(buf) == 600  # grey → BGR, never enlarged
