"""A device read on a worker thread until stopped; what it reads hops to the UI thread.

The camera preview (kiosk/app/feeds/camerafeed.py) and the receipt code reader
(kiosk/app/feeds/codefeed.py) are both this: a daemon thread opens the device, reads until
:meth:`WorkerFeed.stop`, closes it, and reports a device that fails (absent,
unplugged) once through *on_error* instead of raising into the UI. Nothing is delivered
after ``stop()`` or once the feed's work token is stale.
"""

from __future__ import annotations

import logging
import threading
from typing import Callable

from kiosk.app.feeds.mainthread import call_in_ui

log = logging.getLogger(__name__)


class WorkerFeed:
    """Subclasses implement :meth:`open_device`, :meth:`read_once` and :meth:`close_device`."""

    thread_name = "kiosk-feed"

    def __init__(self, on_error: Callable[[str], None], *, token=None):
        self.on_error = on_error
        self.token = token
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)

    def start(self):
        """Start the thread; returns the feed."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop reading; the thread closes the device when it exits."""
        self._stop.set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the thread to end; True when it has."""
        if self._thread.ident is not None:
            self._thread.join(timeout)
        return not self._thread.is_alive()

    def deliver(self, fn: Callable, *args) -> None:
        """Hand ``fn(*args)`` to the UI thread (dropped if the feed stops meanwhile)."""
        call_in_ui(self._while_running, fn, args, token=self.token)

    def _while_running(self, fn: Callable, args: tuple) -> None:
        if not self._stop.is_set():
            fn(*args)

    def _run(self) -> None:
        try:
            self.open_device()
            while not self._stop.is_set():
                self.read_once()
        except Exception as e:  # absent, unplugged, permission: a state, not a crash
            log.warning("%s stopped: %s", self.thread_name, e)
            if not self._stop.is_set():
                self.deliver(self.on_error, str(e))
        finally:
            try:
                self.close_device()
            except Exception:
                log.exception("%s: close failed", self.thread_name)

    def wait(self, seconds: float) -> None:
        """Sleep up to *seconds*, waking at once on :meth:`stop`."""
        self._stop.wait(max(0.0, seconds))

    def open_device(self) -> None:
        """Open the device (on the feed's thread); raise when it cannot be."""

    def read_once(self) -> None:
        """Read one thing and :meth:`deliver` it; called until stopped."""
        raise NotImplementedError

    def close_device(self) -> None:
        """Close the device (on the feed's thread, also after a failure)."""
