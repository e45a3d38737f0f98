"""Configuration sections owned by kiosk.media (see kiosk/settings.py for the rules)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CameraSettings:
    """The photo camera (issue 6)."""


@dataclass(frozen=True)
class ScannerSettings:
    """The document camera for paper letters (高拍仪) (issue 6)."""
