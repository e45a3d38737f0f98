"""The receipt code reader on a worker thread; each scan hops to the UI thread.

The reader (drivers.codereader) blocks in ``read_code(timeout)``; this thread opens it,
polls it with a short timeout so ``stop()`` takes effect quickly, and hands each scanned
payload to the UI through :func:`kiosk.ui.mainthread.call_in_ui`. A reader that is
absent or unplugged is reported once through *on_error*; it never raises into the UI.
"""

from __future__ import annotations

import logging
import threading
from typing import Callable

from kiosk.ui.mainthread import call_in_ui

log = logging.getLogger(__name__)


class CodeFeed:
    """Read codes from an unopened *reader* until :meth:`stop`."""

    def __init__(self, reader, on_code: Callable[[str], None], on_error: Callable[[str], None],
                 poll_s: float = 0.3):
        self.reader = reader
        self.on_code = on_code
        self.on_error = on_error
        self.poll_s = poll_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kiosk-code-reader", daemon=True)

    def start(self) -> "CodeFeed":
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop reading; the thread closes the reader when it exits."""
        self._stop.set()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the thread to end; True when it has."""
        if self._thread.ident is not None:
            self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:
        try:
            self.reader.open()
            while not self._stop.is_set():
                code = self.reader.read_code(self.poll_s)
                if code and not self._stop.is_set():
                    call_in_ui(self.on_code, code)
        except Exception as e:  # absent, unplugged, permission: a state, not a crash
            log.warning("code reader stopped: %s", e)
            if not self._stop.is_set():
                call_in_ui(self.on_error, str(e))
        finally:
            try:
                self.reader.close()
            except Exception:
                log.exception("code reader close failed")
