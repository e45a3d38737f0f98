"""The receipt code reader on a worker thread; each scan hops to the UI thread.

The reader (drivers.codereader) blocks in ``read_code(timeout)``; the feed's thread
(a :class:`kiosk.app.feeds.workerfeed.WorkerFeed`) opens it, polls it with a short timeout so
``stop()`` takes effect quickly, and hands each scanned payload to the UI. A reader that
is absent or unplugged is reported once through *on_error*; it never raises into the UI.
"""

from __future__ import annotations

from typing import Callable

from kiosk.app.feeds.workerfeed import WorkerFeed


class CodeFeed(WorkerFeed):
    """Read codes from an UNOPENED *reader* until :meth:`stop`."""

    thread_name = "kiosk-code-reader"

    def __init__(self, reader, on_code: Callable[[str], None], on_error: Callable[[str], None],
                 poll_s: float = 0.3, *, token=None):
        super().__init__(on_error, token=token)
        self.reader = reader
        self.on_code = on_code
        self.poll_s = poll_s

    def open_device(self) -> None:
        self.reader.open()

    def read_once(self) -> None:
        code = self.reader.read_code(self.poll_s)
        if code and not self.stopped:
            self.deliver(self.on_code, code)

    def close_device(self) -> None:
        self.reader.close()
