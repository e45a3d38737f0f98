"""Configuration sections owned by kiosk.voice (see kiosk/settings.py for the rules)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MicrophoneSettings:
    """The capture device (issue 4)."""


@dataclass(frozen=True)
class ASRSettings:
    """Offline speech recognition (issue 4)."""
