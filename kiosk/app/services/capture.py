"""The photo and document cameras, photo preparation and letter-page processing (kiosk.media)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kiosk.app.services.errors import FeatureUnavailable, ImageUnusable


@dataclass(frozen=True)
class ScannedPage:
    """One processed letter page."""

    jpeg: bytes
    found_page: bool
    preview: Any               # the processed page to show: numpy BGR array, long edge capped


class CaptureService:
    """Opens the cameras and turns captured frames into what a session stores."""

    def __init__(self, cfg, devices, states):
        self.cfg = cfg
        self.devices = devices
        self.states = states

    def open_camera(self, role: str):
        """The opened camera for *role* ("camera" / "scanner"); FeatureUnavailable when it
        is missing. Blocking."""
        device = self.devices.camera(role)
        from drivers.camera import CameraUnavailable
        try:
            device.open()
        except CameraUnavailable as e:
            self.states.publish(role, "absent", str(e))
            raise FeatureUnavailable(role, str(e)) from None
        self.states.publish(role, "ok", "")
        return device

    def photo_jpeg(self, frame) -> bytes:
        """A captured frame as a stored photo: JPEG, no EXIF, long edge capped. Blocking."""
        from kiosk.media.photo import ImageRejected, prepare_photo
        try:
            return prepare_photo(frame, **self.cfg.camera.photo_options())
        except ImageRejected as e:
            raise ImageUnusable(str(e)) from None

    def scan_page(self, frame) -> ScannedPage:
        """Find, straighten and enhance a letter page from a document-camera frame. Blocking."""
        from kiosk.media.letter import process_page
        r = process_page(frame, **self.cfg.scanner.page_options())
        return ScannedPage(jpeg=r.jpeg, found_page=bool(r.found_page), preview=r.preview)
