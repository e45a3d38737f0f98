"""Live preview without blocking the UI: a worker thread keeps the newest frame.

``read_frame()`` blocks for up to a frame period (and an unplugged camera can block
longer), so the touchscreen app never calls it on the UI thread. A :class:`FrameGrabber`
opens the camera, reads continuously on its own thread and keeps only the newest frame;
the UI polls :meth:`FrameGrabber.latest` from its clock and redraws when the sequence
number changed. Errors (the camera unplugged) are kept in :attr:`FrameGrabber.error`
and passed to *on_error* once, from the worker thread — the UI hops back to its own
thread there.
"""

from __future__ import annotations

import threading
from typing import Callable

import numpy as np

from drivers.camera import Camera, CameraUnavailable


class FrameGrabber:
    """Reads *camera* on a worker thread; the newest frame is always at hand."""

    def __init__(self, camera: Camera, on_error: Callable[[CameraUnavailable], None] | None = None):
        self.camera = camera
        self.on_error = on_error
        self.error: CameraUnavailable | None = None
        self._lock = threading.Lock()
        self._frame: np.ndarray | None = None
        self._seq = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()

    def start(self) -> None:
        """Open the camera and start reading (returns at once; opening happens on the
        worker). Starting a running grabber does nothing."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._ready.clear()
        self.error = None
        self._thread = threading.Thread(target=self._run, name="camera-grabber", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self.camera.open()
            while not self._stop.is_set():
                frame = self.camera.read_frame()
                with self._lock:
                    self._frame = frame
                    self._seq += 1
                self._ready.set()
        except CameraUnavailable as e:
            self._fail(e)
        except Exception as e:  # a driver bug must not kill the app silently
            self._fail(CameraUnavailable(f"camera failed: {type(e).__name__}: {e}"))
        finally:
            try:
                self.camera.close()
            except Exception:
                pass
            self._ready.set()

    def _fail(self, e: CameraUnavailable) -> None:
        self.error = e
        if self.on_error is not None:
            self.on_error(e)

    def latest(self) -> tuple[np.ndarray | None, int]:
        """(newest frame or None, its sequence number; 0 before the first frame).

        The frame is shared, not copied: treat it as read-only.
        """
        with self._lock:
            return self._frame, self._seq

    def wait_first(self, timeout: float | None = None) -> bool:
        """Block until the first frame arrived or the camera failed; True if a frame is there."""
        self._ready.wait(timeout)
        return self.latest()[1] > 0

    def capture(self) -> np.ndarray:
        """A copy of the newest frame (for "take photo"); raises CameraUnavailable if
        there is none (the camera failed or has not delivered yet)."""
        frame, seq = self.latest()
        if frame is None:
            raise self.error or CameraUnavailable("no frame from the camera yet")
        return frame.copy()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop reading and close the camera (waits up to *timeout* for the worker)."""
        self._stop.set()
        t, self._thread = self._thread, None
        if t is not None:
            t.join(timeout)
        with self._lock:
            self._frame = None
            self._seq = 0

    @property
    def running(self) -> bool:
        """True while the worker thread is reading."""
        return self._thread is not None and self._thread.is_alive()
