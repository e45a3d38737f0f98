"""Configuration sections owned by kiosk.receipt (see kiosk/settings.py for the rules)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PrinterSettings:
    """The receipt printer connection (issue 5)."""


@dataclass(frozen=True)
class ReceiptSettings:
    """What a receipt shows (issue 5)."""
