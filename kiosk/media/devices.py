"""Build the camera drivers from the ``[camera]`` and ``[scanner]`` settings."""

from __future__ import annotations

from drivers.camera import SYNTHETIC_SOURCES, Camera, make_camera

from kiosk.media.settings import CameraSettings, ScannerSettings


def camera_options(s: CameraSettings | ScannerSettings) -> dict:
    """The driver constructor keywords for settings *s* (its ``kind`` decides which)."""
    if s.kind == "fake":
        if s.fake_source in SYNTHETIC_SOURCES:
            return {"source": s.fake_source, "width": s.width, "height": s.height}
        return {"source": s.fake_source}  # a directory: its images keep their own size
    if s.kind == "picamera2":
        return {"device": s.device, "width": s.width, "height": s.height}
    return {"device": s.device, "width": s.width, "height": s.height, "fourcc": s.fourcc}


def build_camera(s: CameraSettings | ScannerSettings) -> Camera:
    """The photo or document camera described by *s* (not opened; touches no hardware)."""
    return make_camera(s.kind, **camera_options(s))
