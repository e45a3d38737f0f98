"""Camera driver: the real OpenCV code path on files, the fake, the registry."""

from __future__ import annotations

import ast
import importlib.util
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from drivers.camera import (KINDS, Camera, CameraUnavailable, FakeCamera, OpenCVCamera,
                            PiCamera2Camera, make_camera)
from drivers.camera_samples import synthetic_scene
from kiosk.media.letter import find_page

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def video(tmp_path):
    """A real MJPG AVI of 5 scene frames (320×240), and the frames written."""
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (320, 240))
    assert writer.isOpened()
    frames = [synthetic_scene(320, 240, t=t * 20) for t in range(5)]
    for f in frames:
        writer.write(f)
    writer.release()
    return path, frames


def test_constructors_touch_no_hardware():
    for cam in (OpenCVCamera("/dev/video99", 640, 480), OpenCVCamera(9), PiCamera2Camera(0),
                FakeCamera("/no/such/dir")):
        assert isinstance(cam, Camera)
        cam.close()  # closing an unopened camera is harmless
    assert OpenCVCamera(0, 640, 480).resolution == (640, 480)
    assert OpenCVCamera("2").device == 2  # a digit string from a config file is an index


def test_missing_devices_raise_camera_unavailable():
    with pytest.raises(CameraUnavailable, match="/dev/video99.*no such device"):
        OpenCVCamera("/dev/video99").open()
    with pytest.raises(CameraUnavailable, match="camera 9: cannot open"):
        OpenCVCamera(9).open()
    with pytest.raises(CameraUnavailable, match="not open"):
        OpenCVCamera(0).read_frame()


@pytest.mark.skipif(importlib.util.find_spec("picamera2") is not None, reason="picamera2 is installed here")
def test_picamera2_absent_is_a_clear_error():
    with pytest.raises(CameraUnavailable, match="picamera2 is not installed"):
        PiCamera2Camera(0).open()


def test_opencv_camera_reads_a_real_video_stream(video):
    path, written = video
    cam = OpenCVCamera(str(path), 1280, 720)
    assert cam.resolution == (1280, 720)  # as asked, before open
    with cam:
        assert cam.resolution == (320, 240)  # what the stream delivers
        got = [cam.read_frame() for _ in range(5)]
        with pytest.raises(CameraUnavailable, match="stopped delivering"):
            cam.read_frame()
    for g, w in zip(got, written):
        assert g.shape == (240, 320, 3) and g.dtype == np.uint8
        # BGR order kept through MJPEG encode/decode: the red car stays red
        assert np.abs(g.astype(int) - w.astype(int)).mean() < 8
    assert not np.array_equal(got[0], got[1])
    with pytest.raises(CameraUnavailable):
        cam.read_frame()  # closed
    cam.close()


def test_opencv_camera_reads_an_image_sequence(tmp_path):
    for t in range(3):
        grey = cv2.cvtColor(synthetic_scene(160, 120, t=t), cv2.COLOR_BGR2GRAY)
        cv2.imwrite(str(tmp_path / f"f_{t:03d}.png"), grey)
    with OpenCVCamera(str(tmp_path / "f_%03d.png")) as cam:
        frame = cam.read_frame()
    assert frame.shape == (120, 160, 3)


def test_fake_scene_moves():
    cam = FakeCamera("synthetic-scene")
    assert cam.resolution == (1280, 720)
    with cam:
        a, b = cam.read_frame(), cam.read_frame()
    assert a.shape == (720, 1280, 3) and a.dtype == np.uint8
    assert (a != b).any()


def test_fake_letter_shows_a_page():
    with FakeCamera("synthetic-letter", 1200, 900) as cam:
        assert cam.resolution == (1200, 900)
        frame = cam.read_frame()
    assert frame.shape == (900, 1200, 3)
    assert find_page(frame) is not None


def test_fake_directory_cycles_and_resizes(tmp_path):
    cv2.imwrite(str(tmp_path / "b.png"), np.full((60, 80, 3), 200, np.uint8))
    cv2.imwrite(str(tmp_path / "a.jpg"), np.full((60, 80, 3), 20, np.uint8))
    (tmp_path / "notes.txt").write_text("not an image")
    with FakeCamera(str(tmp_path)) as cam:
        assert cam.resolution == (80, 60)
        levels = [int(cam.read_frame().mean()) for _ in range(3)]
    assert levels[0] < 40 and levels[1] > 180 and levels[2] < 40  # a.jpg, b.png, a.jpg
    with FakeCamera(str(tmp_path), 40, 30) as cam:
        assert cam.read_frame().shape == (30, 40, 3)


def test_fake_failures(tmp_path):
    with pytest.raises(CameraUnavailable, match="no images"):
        FakeCamera(str(tmp_path)).open()
    with pytest.raises(CameraUnavailable, match="neither"):
        FakeCamera(str(tmp_path / "missing")).open()
    with pytest.raises(CameraUnavailable, match="not open"):
        FakeCamera().read_frame()
    cam = FakeCamera(fail_after=2)
    cam.open()
    cam.read_frame(), cam.read_frame()
    with pytest.raises(CameraUnavailable, match="simulated unplug"):
        cam.read_frame()
    cam.close()


def test_fake_paces_itself_when_asked():
    with FakeCamera(fps=50, width=320, height=240) as cam:
        t = time.monotonic()
        for _ in range(6):
            cam.read_frame()
        assert time.monotonic() - t >= 5 / 50 * 0.9


def test_registry():
    assert set(KINDS) == {"opencv", "picamera2", "fake"}
    assert isinstance(make_camera("fake", source="synthetic-letter"), FakeCamera)
    assert make_camera("opencv", device="/dev/video2", width=640, height=480).resolution == (640, 480)
    with pytest.raises(ValueError, match="unknown camera kind 'usb'.*opencv, picamera2, fake"):
        make_camera("usb")
    with pytest.raises(ValueError, match="camera kind 'fake'"):
        make_camera("fake", device=0)


def test_drivers_never_import_kiosk():
    for path in (REPO / "drivers").glob("camera*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                assert not any(a.name.split(".")[0] == "kiosk" for a in node.names), path
            if isinstance(node, ast.ImportFrom):
                assert (node.module or "").split(".")[0] != "kiosk", path


def test_config_and_driver_imports_stay_light():
    # `kiosk sync` and `kiosk --help` load the config and must not pay for numpy,
    # OpenCV or Pillow (or the pinyin data)
    import subprocess
    import sys
    code = ("import sys\n"
            "import kiosk.config, kiosk.config.media, kiosk.doctor.media, kiosk.ime.pinyin, drivers.camera\n"
            "print([m for m in ('numpy', 'cv2', 'PIL', 'Pinyin2Hanzi') if m in sys.modules])\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
