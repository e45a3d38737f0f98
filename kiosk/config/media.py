"""Configuration sections owned by kiosk.media (see kiosk/config/tree.py for the rules)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

ENHANCE_MODES = ("gray", "binary", "none")


def _check_device(kind: str, device, width: int, height: int, fourcc: str,
                  fake_source: str) -> None:
    """Checks shared by the photo camera and the document camera."""
    # The driver's registry is the one list of kinds; imported here, not at module
    # import, so that loading the config imports no driver (docs/architecture.md).
    from drivers.camera import KINDS, SYNTHETIC_SOURCES
    if kind not in KINDS:
        raise ValueError(f"kind: expected one of {', '.join(KINDS)}, got {kind!r}")
    if isinstance(device, bool) or not (
            (isinstance(device, int) and device >= 0) or (isinstance(device, str) and device.strip())):
        raise ValueError(f"device: expected a camera index (0, 1, …) or a device path such as "
                         f"\"/dev/video0\", got {device!r}")
    if kind == "picamera2" and not isinstance(device, int):
        raise ValueError(f"device: the picamera2 kind takes a camera number (0 or 1), got {device!r}")
    if not 160 <= width <= 8192:
        raise ValueError(f"width: expected 160-8192 pixels, got {width}")
    if not 120 <= height <= 8192:
        raise ValueError(f"height: expected 120-8192 pixels, got {height}")
    if fourcc and (len(fourcc) != 4 or not fourcc.isascii()):
        raise ValueError(f"fourcc: expected four ASCII characters such as \"MJPG\" or \"\" for "
                         f"the device default, got {fourcc!r}")
    if not fake_source.strip():
        raise ValueError(f"fake_source: expected {' or '.join(SYNTHETIC_SOURCES)} or a directory of images")


def _resolve_source(s, base: Path):
    """A fake camera's image directory, relative to the config file's directory."""
    from drivers.camera import SYNTHETIC_SOURCES
    if s.fake_source in SYNTHETIC_SOURCES or Path(s.fake_source).expanduser().is_absolute():
        return dataclasses.replace(s, fake_source=str(Path(s.fake_source).expanduser())
                                   if s.fake_source not in SYNTHETIC_SOURCES else s.fake_source)
    return dataclasses.replace(s, fake_source=str(base / s.fake_source))


def _build_camera(s, fake_hardware: bool):
    """The camera *s* describes (not opened; touches no hardware)."""
    from drivers.camera import SYNTHETIC_SOURCES, make_camera
    if fake_hardware or s.kind == "fake":
        if s.fake_source in SYNTHETIC_SOURCES:
            return make_camera("fake", source=s.fake_source, width=s.width, height=s.height)
        return make_camera("fake", source=s.fake_source)  # a directory: its images keep their own size
    if s.kind == "picamera2":
        return make_camera("picamera2", device=s.device, width=s.width, height=s.height)
    return make_camera(s.kind, device=s.device, width=s.width, height=s.height, fourcc=s.fourcc)


def _check_quality(quality: int) -> None:
    if not 30 <= quality <= 100:
        raise ValueError(f"jpeg_quality: expected 30 to 100, got {quality}")


@dataclass(frozen=True)
class CameraSettings:
    """The photo camera: what residents photograph (a broken lamp, a pothole)."""

    enabled: bool = True
    kind: str = "fake"
    device: int | str = 0
    width: int = 1280
    height: int = 720
    fourcc: str = "MJPG"
    fake_source: str = "synthetic-scene"
    max_photos: int = 3
    max_edge: int = 1600
    jpeg_quality: int = 85
    max_input_pixels: int = 40_000_000

    def validate(self) -> None:
        _check_device(self.kind, self.device, self.width, self.height,
                      self.fourcc, self.fake_source)
        if not 1 <= self.max_photos <= 10:
            raise ValueError(f"max_photos: expected 1 to 10, got {self.max_photos}")
        if not 320 <= self.max_edge <= 8192:
            raise ValueError(f"max_edge: expected 320 to 8192 pixels, got {self.max_edge}")
        _check_quality(self.jpeg_quality)
        if not 1_000_000 <= self.max_input_pixels <= 200_000_000:
            raise ValueError(f"max_input_pixels: expected 1000000 to 200000000, got {self.max_input_pixels}")

    def resolve_paths(self, base: Path) -> "CameraSettings":
        return _resolve_source(self, base)

    def build(self, *, fake_hardware: bool = False):
        """The photo camera (``drivers.camera``), not opened; the fake one with *fake_hardware*.

        The one factory: the app, ``kiosk camera`` and ``kiosk doctor`` all call it.
        """
        return _build_camera(self, fake_hardware)

    def photo_options(self) -> dict:
        """The keywords ``kiosk.media.photo.prepare_photo`` takes for a stored photo."""
        return {"max_edge": self.max_edge, "max_input_pixels": self.max_input_pixels,
                "quality": self.jpeg_quality}


@dataclass(frozen=True)
class ScannerSettings:
    """The document camera for paper letters (高拍仪)."""

    enabled: bool = True
    kind: str = "fake"
    device: int | str = 1
    width: int = 1600
    height: int = 1200
    fourcc: str = "MJPG"
    fake_source: str = "synthetic-letter"
    max_pages: int = 10
    max_edge: int = 2000
    enhance: str = "gray"
    jpeg_quality: int = 80
    min_page_area: float = 0.15

    def validate(self) -> None:
        _check_device(self.kind, self.device, self.width, self.height,
                      self.fourcc, self.fake_source)
        if not 1 <= self.max_pages <= 50:
            raise ValueError(f"max_pages: expected 1 to 50, got {self.max_pages}")
        if not 600 <= self.max_edge <= 8192:
            raise ValueError(f"max_edge: expected 600 to 8192 pixels, got {self.max_edge}")
        if self.enhance not in ENHANCE_MODES:
            raise ValueError(f"enhance: expected one of {', '.join(ENHANCE_MODES)}, got {self.enhance!r}")
        _check_quality(self.jpeg_quality)
        if not 0.02 <= self.min_page_area <= 0.95:
            raise ValueError(f"min_page_area: expected a fraction 0.02 to 0.95, got {self.min_page_area}")

    def resolve_paths(self, base: Path) -> "ScannerSettings":
        return _resolve_source(self, base)

    def build(self, *, fake_hardware: bool = False):
        """The document camera (``drivers.camera``), not opened; the fake one with *fake_hardware*.

        The one factory: the app, ``kiosk camera --scanner`` and ``kiosk doctor`` all call it.
        """
        return _build_camera(self, fake_hardware)

    def page_options(self) -> dict:
        """The keywords ``kiosk.media.letter.process_page`` takes for a stored page."""
        return {"max_edge": self.max_edge, "enhance_mode": self.enhance,
                "quality": self.jpeg_quality, "min_area": self.min_page_area}
