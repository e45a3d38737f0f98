"""Cameras: the photo camera and the document camera (高拍仪) for paper letters.

Interface: :class:`Camera` (``open()``, ``read_frame()``, ``close()``, ``resolution``);
every frame is an H×W×3 ``uint8`` array in OpenCV's BGR order. Implementations:

- ``"opencv"`` :class:`OpenCVCamera` — USB UVC cameras (and most document cameras, which
  are UVC devices) through OpenCV's V4L2 backend; also opens a video file or an image
  sequence pattern (``frames/%03d.png``), which is how the tests drive the real code.
- ``"picamera2"`` :class:`PiCamera2Camera` — the Raspberry Pi camera through libcamera's
  Picamera2 (imported only when opened; it ships with Raspberry Pi OS, not on PyPI).
- ``"fake"`` :class:`FakeCamera` — synthetic frames drawn in code (a street scene, a
  letter on a desk) or the images in a directory; no hardware.

Constructors only store their settings and touch no device; ``open()`` does, and raises
:class:`CameraUnavailable` with a reason a maintainer can act on. ``read_frame()``
blocks for up to one frame period on real cameras: call it from a worker thread.
This module never imports ``kiosk``.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:  # numpy and cv2 load only when a camera is used: the config (and
    import numpy as np  # with it `kiosk sync`) imports this module for its KINDS


class CameraError(Exception):
    """Base class of this driver's errors."""


class CameraUnavailable(CameraError):
    """The camera cannot be opened or stopped delivering frames (unplugged, busy, absent).

    ``str(err)`` says which camera and why.
    """


@runtime_checkable
class Camera(Protocol):
    """What the app needs from a camera."""

    resolution: tuple[int, int]
    """(width, height) of the frames: the requested size before ``open()``, the size the
    device actually delivers after it."""

    def open(self) -> None:
        """Claim the device; raises :class:`CameraUnavailable`."""

    def read_frame(self) -> np.ndarray:
        """The next frame, H×W×3 uint8 BGR; raises :class:`CameraUnavailable`."""

    def close(self) -> None:
        """Release the device; safe to call twice or without ``open()``."""


class _Context:
    """``with camera:`` opens and closes."""

    def __enter__(self):
        self.open()
        return self

    def __exit__(self, *exc):
        self.close()


def _to_bgr(frame: np.ndarray) -> np.ndarray:
    """Greyscale or BGRA frames as BGR (some document cameras deliver Y8)."""
    import cv2
    if frame.ndim == 2:
        return cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
    if frame.shape[2] == 4:
        return cv2.cvtColor(frame, cv2.COLOR_BGRA2BGR)
    return frame


class OpenCVCamera(_Context):
    """A UVC camera (or a video file / image sequence) through ``cv2.VideoCapture``.

    *device*: a V4L2 index (``0`` = /dev/video0), a device path (``/dev/video2``, or a
    stable ``/dev/v4l/by-id/…`` link), or a video file / printf-style image pattern.
    *fourcc*: the pixel format to ask for. MJPG matters: uncompressed YUYV at 1920×1080
    and 30 fps is ~124 MB/s, three times what USB 2.0 carries in practice, so cameras
    offer large YUYV sizes only at a few frames per second, while most UVC cameras and
    document cameras deliver MJPG at full resolution. Use "" for the device's default.
    """

    def __init__(self, device: int | str = 0, width: int = 1280, height: int = 720,
                 fourcc: str = "MJPG", open_timeout_frames: int = 30):
        # "0" in a config file means index 0, not a file named "0"
        self.device = int(device) if isinstance(device, str) and device.isdigit() else device
        self.fourcc = fourcc
        self.resolution = (int(width), int(height))
        self._requested = self.resolution
        self._timeout_frames = open_timeout_frames
        self._cap = None
        self._first: "np.ndarray | None" = None

    def _is_v4l2(self) -> bool:
        return isinstance(self.device, int) or str(self.device).startswith("/dev/")

    def open(self) -> None:
        import cv2
        if self._cap is not None:
            return
        dev = self.device
        if isinstance(dev, str) and dev.startswith("/dev/") and not os.path.exists(dev):
            raise CameraUnavailable(f"camera {dev}: no such device (is it plugged in?)")
        # On Linux ask V4L2 directly rather than letting OpenCV try its backends in turn
        # (slower, and a failure then names the wrong backend).
        api = cv2.CAP_V4L2 if (self._is_v4l2() and sys.platform.startswith("linux")) else cv2.CAP_ANY
        cap = cv2.VideoCapture(dev, api)
        if not cap.isOpened():
            cap.release()
            raise CameraUnavailable(f"camera {dev}: cannot open (absent, busy in another "
                                    "program, or no permission for the video group)")
        if self._is_v4l2():
            if self.fourcc:
                cap.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter_fourcc(*self.fourcc))
            cap.set(cv2.CAP_PROP_FRAME_WIDTH, self._requested[0])
            cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self._requested[1])
            # One buffered frame: a capture shows what is in front of the lens now, not
            # what was there when the driver's queue filled up.
            cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        frame = None
        for _ in range(max(1, self._timeout_frames)):
            ok, frame = cap.read()
            if ok and frame is not None:
                break
            frame = None
        if frame is None:
            cap.release()
            raise CameraUnavailable(f"camera {dev}: opened but delivers no frames")
        self._first = _to_bgr(frame)
        self.resolution = (self._first.shape[1], self._first.shape[0])
        self._cap = cap

    def read_frame(self) -> np.ndarray:
        if self._cap is None:
            raise CameraUnavailable(f"camera {self.device}: not open")
        if self._first is not None:
            frame, self._first = self._first, None
            return frame
        ok, frame = self._cap.read()
        if not ok or frame is None:
            raise CameraUnavailable(f"camera {self.device}: stopped delivering frames "
                                    "(unplugged, or the end of a video file)")
        return _to_bgr(frame)

    def close(self) -> None:
        cap, self._cap = self._cap, None
        self._first = None
        if cap is not None:
            cap.release()


class PiCamera2Camera(_Context):
    """The Raspberry Pi camera module through Picamera2 (libcamera).

    Picamera2 is installed with Raspberry Pi OS (``apt install python3-picamera2``; a venv
    needs ``--system-site-packages``), so it is imported only in ``open()``. The "RGB888"
    format is stored as B, G, R bytes per pixel — already OpenCV's order (Picamera2
    manual, "Image formats"; see raspberrypi/picamera2 issue #1325 on the naming).
    Not exercised by the test suite: this machine has no libcamera.
    """

    def __init__(self, device: int | str = 0, width: int = 1280, height: int = 720):
        self.camera_num = int(device)
        self.resolution = (int(width), int(height))
        self._cam = None

    def open(self) -> None:
        if self._cam is not None:
            return
        try:
            from picamera2 import Picamera2
        except ImportError as e:
            raise CameraUnavailable(f"Pi camera: picamera2 is not installed ({e}); "
                                    "apt install python3-picamera2") from None
        try:
            cam = Picamera2(self.camera_num)
            cam.configure(cam.create_video_configuration(
                main={"size": self.resolution, "format": "RGB888"}))
            cam.start()
        except Exception as e:  # libcamera reports absent/busy cameras as many types
            raise CameraUnavailable(f"Pi camera {self.camera_num}: cannot start ({e})") from None
        self._cam = cam

    def read_frame(self) -> np.ndarray:
        if self._cam is None:
            raise CameraUnavailable(f"Pi camera {self.camera_num}: not open")
        try:
            frame = self._cam.capture_array("main")
        except Exception as e:
            raise CameraUnavailable(f"Pi camera {self.camera_num}: capture failed ({e})") from None
        import numpy as np
        return _to_bgr(np.ascontiguousarray(frame[..., :3]))

    def close(self) -> None:
        cam, self._cam = self._cam, None
        if cam is not None:
            try:
                cam.stop()
            finally:
                cam.close()


SYNTHETIC_SOURCES = ("synthetic-scene", "synthetic-letter")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp")


class FakeCamera(_Context):
    """A camera without hardware.

    *source*: ``"synthetic-scene"`` (a street, 1280×720 by default, with a moving car),
    ``"synthetic-letter"`` (an A4 letter on a desk, 1600×1200 by default), or a directory
    whose images (jpg/png/bmp/webp, sorted by name) are returned in turn, each resized
    to *width*×*height* when those are given.
    *fps*: when set, ``read_frame()`` paces itself like a real camera; otherwise it
    returns at once. *fail_after*: raise :class:`CameraUnavailable` after this many
    frames, as an unplugged camera would (for testing the app's handling).
    """

    def __init__(self, source: str = "synthetic-scene", width: int | None = None,
                 height: int | None = None, fps: float | None = None, fail_after: int | None = None):
        self.source = str(source)
        default = (1600, 1200) if self.source == "synthetic-letter" else (1280, 720)
        self._size = (int(width), int(height)) if width and height else None
        self.resolution = self._size or default
        self.fps = fps
        self.fail_after = fail_after
        self._frames: list[Path] | None = None
        self._letter: "np.ndarray | None" = None
        self._open = False
        self._count = 0
        self._last = 0.0

    def open(self) -> None:
        if self._open:
            return
        if self.source == "synthetic-letter":
            from drivers.camera_samples import synthetic_letter
            w, h = self.resolution
            self._letter = synthetic_letter(w, h).image
        elif self.source == "synthetic-scene":
            pass
        else:
            d = Path(self.source)
            if not d.is_dir():
                raise CameraUnavailable(f"fake camera: source {self.source!r} is neither "
                                        f"{' nor '.join(SYNTHETIC_SOURCES)} nor a directory")
            self._frames = sorted(p for p in d.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
            if not self._frames:
                raise CameraUnavailable(f"fake camera: no images ({', '.join(IMAGE_SUFFIXES)}) in {d}")
            if self._size is None:
                self.resolution = self._load(self._frames[0]).shape[1::-1]
        self._count = 0
        self._open = True

    def _load(self, path: Path) -> np.ndarray:
        import cv2
        img = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if img is None:
            raise CameraUnavailable(f"fake camera: cannot decode {path}")
        if self._size and img.shape[1::-1] != self._size:
            img = cv2.resize(img, self._size, interpolation=cv2.INTER_AREA)
        return img

    def read_frame(self) -> np.ndarray:
        if not self._open:
            raise CameraUnavailable(f"fake camera {self.source}: not open")
        if self.fail_after is not None and self._count >= self.fail_after:
            raise CameraUnavailable(f"fake camera {self.source}: stopped delivering frames "
                                    f"after {self.fail_after} (simulated unplug)")
        if self.fps:
            wait = self._last + 1.0 / self.fps - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            self._last = time.monotonic()
        n, self._count = self._count, self._count + 1
        if self._letter is not None:
            return self._letter.copy()
        if self._frames is not None:
            return self._load(self._frames[n % len(self._frames)])
        from drivers.camera_samples import synthetic_scene
        w, h = self.resolution
        return synthetic_scene(w, h, t=n)

    def close(self) -> None:
        self._open = False
        self._letter = None
        self._frames = None


KINDS: dict[str, type] = {
    "opencv": OpenCVCamera,
    "picamera2": PiCamera2Camera,
    "fake": FakeCamera,
}
"""Config ``kind`` → implementation class."""


def make_camera(kind: str, **options) -> Camera:
    """A camera of *kind* built from *options* (the class's constructor keywords).

    Touches no hardware. Raises ValueError naming the problem for an unknown kind or
    an option the kind does not take.
    """
    try:
        cls = KINDS[kind]
    except KeyError:
        raise ValueError(f"unknown camera kind {kind!r} (expected one of: {', '.join(KINDS)})") from None
    try:
        return cls(**options)
    except TypeError as e:
        raise ValueError(f"camera kind {kind!r}: {e}") from None
