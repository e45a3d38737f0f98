"""Configuration sections owned by kiosk.sync (see kiosk/settings.py for the rules)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SyncSettings:
    """The sync daemon - where the centre is and how to reach it (issue 3)."""


@dataclass(frozen=True)
class CentralDevSettings:
    """The reference central receiver, kiosk central-dev (issue 3)."""
