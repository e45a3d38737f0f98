"""Frames ready for a GPU texture (the UI blits them; no Kivy import here)."""

from __future__ import annotations

import numpy as np


def texture_bytes(frame: np.ndarray, max_width: int, max_height: int,
                  flip: bool = True) -> tuple[bytes, tuple[int, int]]:
    """(pixels, (width, height)) of *frame* fitted inside max_width×max_height.

    The bytes are BGR rows, bottom row first when *flip* (Kivy's texture origin is the
    bottom-left corner), for ``texture.blit_buffer(buf, colorfmt="bgr", bufferfmt="ubyte")``.
    Greyscale frames are expanded to BGR. Never enlarges.
    """
    import cv2
    if frame.ndim == 2:
        frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
    h, w = frame.shape[:2]
    s = min(1.0, max_width / w, max_height / h)
    if s < 1:
        frame = cv2.resize(frame, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)
    if flip:
        frame = frame[::-1]
    frame = np.ascontiguousarray(frame)
    return frame.tobytes(), (frame.shape[1], frame.shape[0])
