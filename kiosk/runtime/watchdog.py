"""systemd notification: READY once started, WATCHDOG from the main loop.

The watchdog is petted only from the loop that does the real work (the Kivy clock in the
UI, the sync loop in the daemon), never from a side thread: a side-thread petter keeps a
hung main loop alive, which is exactly what the watchdog is for (systemd.service(5),
WatchdogSec=). Outside systemd ($NOTIFY_SOCKET unset) every call is a no-op.
"""

from __future__ import annotations

import os

import sdnotify


class Notifier:
    """Sends sd_notify messages when running under systemd."""

    def __init__(self):
        self._enabled = bool(os.environ.get("NOTIFY_SOCKET"))
        self._n = sdnotify.SystemdNotifier() if self._enabled else None

    def ready(self, status: str = "") -> None:
        """Tell systemd start-up is complete (Type=notify units)."""
        if self._n:
            self._n.notify("READY=1" + (f"\nSTATUS={status}" if status else ""))

    def pet(self) -> None:
        """Reset the watchdog timer; call from the main loop only."""
        if self._n:
            self._n.notify("WATCHDOG=1")

    def status(self, text: str) -> None:
        """A one-line status shown by `systemctl status`."""
        if self._n:
            self._n.notify(f"STATUS={text}")

    def stopping(self) -> None:
        """Tell systemd a clean stop is under way."""
        if self._n:
            self._n.notify("STOPPING=1")
