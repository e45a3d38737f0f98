"""The photos or pages a resident has taken for the item being written, in memory.

Nothing is written to disk before the item is submitted (the store's commit protocol
does that), so when a session is abandoned :meth:`Captures.clear` leaves no trace.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


class LimitReached(Exception):
    """The resident already has the maximum number of photos or pages."""


@dataclass(frozen=True)
class Capture:
    """One taken photo or page: the JPEG to store and a small image to show."""

    jpeg: bytes
    preview: np.ndarray  # H×W×3 uint8 BGR


class Captures:
    """An ordered list of at most *limit* captures with add, retake (replace) and delete."""

    def __init__(self, limit: int):
        if limit < 1:
            raise ValueError(f"limit: expected at least 1, got {limit}")
        self.limit = limit
        self._items: list[Capture] = []

    def add(self, capture: Capture) -> int:
        """Append; returns its index. Raises :class:`LimitReached` when full."""
        if self.full:
            raise LimitReached(f"at most {self.limit} allowed")
        self._items.append(capture)
        return len(self._items) - 1

    def replace(self, index: int, capture: Capture) -> None:
        """Retake: put *capture* in place of the one at *index* (IndexError if none)."""
        self._items[index] = capture

    def remove(self, index: int) -> None:
        """Delete the capture at *index* (IndexError if none)."""
        del self._items[index]

    def clear(self) -> None:
        """Forget everything (end of a session)."""
        self._items.clear()

    @property
    def full(self) -> bool:
        return len(self._items) >= self.limit

    @property
    def items(self) -> tuple[Capture, ...]:
        return tuple(self._items)

    def __len__(self) -> int:
        return len(self._items)


def shrink(frame: np.ndarray, max_edge: int) -> np.ndarray:
    """*frame* scaled down so its long edge is at most *max_edge* (unchanged if smaller)."""
    import cv2
    h, w = frame.shape[:2]
    s = max_edge / max(h, w)
    if s >= 1:
        return frame
    return cv2.resize(frame, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)


def photo_capture(frame: np.ndarray, settings, preview_edge: int = 640) -> Capture:
    """A camera frame → a stored-ready photo per ``[camera]`` *settings*
    (:class:`kiosk.media.settings.CameraSettings`). Raises ImageRejected for a bad frame."""
    from kiosk.media.photo import prepare_photo
    jpeg = prepare_photo(frame, max_edge=settings.max_edge, max_input_pixels=settings.max_input_pixels,
                         quality=settings.jpeg_quality)
    preview = shrink(frame, preview_edge)
    return Capture(jpeg=jpeg, preview=preview if preview.ndim == 3 else np.dstack([preview] * 3))


def page_capture(frame: np.ndarray, settings, preview_edge: int = 1024):
    """A document-camera frame → (Capture, PageResult) per ``[scanner]`` *settings*
    (:class:`kiosk.media.settings.ScannerSettings`); ``found_page`` tells the UI whether
    to say "we could not find the edges of the page"."""
    from kiosk.media.letter import process_page
    r = process_page(frame, max_edge=settings.max_edge, enhance_mode=settings.enhance,
                     quality=settings.jpeg_quality, min_area=settings.min_page_area,
                     preview_edge=preview_edge)
    return Capture(jpeg=r.jpeg, preview=r.preview), r
