"""A camera preview that never blocks the UI thread.

A worker thread reads frames (``camera.read_frame() -> numpy BGR``) at a modest rate and
hands only the newest one to the UI through :func:`kiosk.app.feeds.mainthread.call_in_ui`;
if the UI has not shown the previous frame yet, the new one replaces it instead of
piling up (the thread is a :class:`kiosk.app.feeds.workerfeed.WorkerFeed`).
:func:`frame_to_texture` runs on the UI thread.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable

from kiosk.app.feeds.workerfeed import WorkerFeed


class FrameFeed(WorkerFeed):
    """Read frames from an OPENED camera on a thread; deliver the latest to *on_frame*."""

    thread_name = "kiosk-camera"

    def __init__(self, camera, on_frame: Callable[[Any], None], on_error: Callable[[str], None],
                 fps: float = 8.0, preview_width: int = 800, *, token=None):
        super().__init__(on_error, token=token)
        self.camera = camera
        self.on_frame = on_frame
        self.period = 1.0 / fps
        self.latest = None          # the full frame, for capture
        self.preview = None         # a smaller copy for the screen (made on this thread)
        self.preview_width = preview_width
        self._pending = False
        self._lock = threading.Lock()

    def read_once(self) -> None:
        t0 = time.monotonic()
        frame = self.camera.read_frame()
        small = shrink(frame, self.preview_width)
        with self._lock:
            self.latest, self.preview = frame, small
            post = not self._pending
            self._pending = True
        if post:  # the UI has shown the previous frame: post this one (never a backlog)
            self.deliver(self._show_newest)
        self.wait(self.period - (time.monotonic() - t0))

    def close_device(self) -> None:
        self.camera.close()

    def _show_newest(self) -> None:
        with self._lock:
            frame, self._pending = self.preview, False
        if frame is not None:
            self.on_frame(frame)


def shrink(frame, width: int):
    """*frame* scaled down to at most *width* pixels wide (worker side: keeps blits cheap)."""
    h, w = frame.shape[:2]
    if w <= width:
        return frame
    import cv2
    return cv2.resize(frame, (width, max(1, round(h * width / w))), interpolation=cv2.INTER_AREA)


def frame_to_texture(frame, into=None):
    """A Kivy texture showing a numpy BGR (or gray) frame.

    Filled into *into* when it is a texture of the frame's size, else a new one. Never the
    texture on screen: on Mesa llvmpipe, writing into a texture the last frame drew with
    can wait for that frame's rasterisation, which stalled the UI thread 50–350 ms
    (tests/bench/bench_ui.py). :class:`PreviewTextures` alternates two for a live preview.
    """
    import numpy as np
    from kivy.graphics.texture import Texture

    if frame.ndim == 2:
        frame = np.dstack([frame] * 3)
    h, w = frame.shape[:2]
    texture = into if into is not None and tuple(into.size) == (w, h) else Texture.create(size=(w, h),
                                                                                         colorfmt="rgb")
    # OpenCV rows go top-down, GL textures bottom-up.
    data = np.ascontiguousarray(frame[::-1, :, :3])
    texture.blit_buffer(data.tobytes(), colorfmt="bgr", bufferfmt="ubyte")
    return texture


class PreviewTextures:
    """Two textures a live preview alternates between (UI thread only).

    Each frame goes into the texture shown before the current one, which the last frame
    did not draw: no rasteriser wait (see :func:`frame_to_texture`) and no allocation per
    frame. A new texture per frame (the first fix for the wait) made the app grow without
    bound under llvmpipe, like the labels in :class:`kiosk.app.widgets.base.FreshTextLabel`
    (tests/bench/bench_soak.py).
    """

    def __init__(self):
        self._shown = None
        self._spare = None

    def show(self, frame):
        """The texture to put on screen for *frame*."""
        texture = frame_to_texture(frame, into=self._spare)
        self._spare, self._shown = self._shown, texture
        return texture

    def clear(self) -> None:
        """Forget both (the preview is gone)."""
        self._shown = self._spare = None


def jpeg_to_texture(jpeg: bytes):
    """A Kivy texture from JPEG bytes (decoded with OpenCV)."""
    import cv2
    import numpy as np
    frame = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    if frame is None:
        raise ValueError("not a decodable image")
    return frame_to_texture(frame)
