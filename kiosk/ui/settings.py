"""Configuration sections owned by kiosk.ui (see kiosk/settings.py for the rules)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class UISettings:
    """The touchscreen app (issue 6)."""
