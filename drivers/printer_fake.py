"""The fake receipt printer: an :class:`escpos.printer.Dummy` that answers like a printer.

:class:`FakePrinter` runs the real connection code (``drivers.printer_connection``) over an
in-memory escpos device: job bytes are kept (bounded), the DLE EOT status queries are
answered with the bits a printer would send (``drivers.printer_status``), and switches
make it out of paper, offline, silent or absent (docs/receipts.md, "Drivers"). It is the
``fake`` kind of :data:`drivers.printer.PRINTERS`. This module never imports ``kiosk``.
"""

from __future__ import annotations

import collections

from drivers.printer_connection import EscposConnection
from drivers.printer_status import (BIT_COVER_OPEN, BIT_NEAR_END, BIT_OFFLINE, BIT_PAPER_END,
                                    BIT_PAPER_STOP, DLE_EOT, REPLY_FIXED_VALUE, STATUS_OFFLINE_CAUSE,
                                    STATUS_PAPER, STATUS_PRINTER, PrinterConfigError)

# What the fake keeps (a `kiosk demo` left running for days must not grow without bound):
# the newest jobs, at most this many and this many bytes together; the newest job is
# always kept whole, however large (docs/receipts.md, "Drivers").
FAKE_JOBS_KEPT = 50
FAKE_BYTES_KEPT = 2 * 1024 * 1024


class FakePrinter(EscposConnection):
    """A printer made of an :class:`escpos.printer.Dummy`: it keeps the newest jobs' bytes.

    Each :meth:`write` is one job. ``jobs`` holds the newest *max_jobs* of them (at most
    *max_bytes* together, the newest always whole) and ``output`` their bytes in order;
    ``jobs_received`` / ``bytes_received`` count everything ever written. Status queries
    are answered, not kept as job data (they are real-time commands a real printer does
    not print); ``queries`` keeps the newest ``6 * max_jobs`` of them. Switches:

    * ``present = False`` – absent: :meth:`open` raises :class:`PrinterNotFound`;
    * ``offline = True`` – reachable but not ready (cover open, error);
    * ``paper_out = True`` / ``paper_near_end = True`` – the paper sensors;
    * ``run_out_after = N`` – the paper runs out once N job bytes have arrived;
    * ``silent = True`` – never answers status queries (a write-only cable).
    """

    kind = "fake"

    def __init__(self, paper_out: bool = False, offline: bool = False, present: bool = True,
                 paper_near_end: bool = False, run_out_after: int | None = None,
                 silent: bool = False, max_jobs: int = FAKE_JOBS_KEPT, max_bytes: int = FAKE_BYTES_KEPT,
                 **common):
        super().__init__(**common)
        if max_jobs < 1 or max_bytes < 1:
            raise PrinterConfigError(f"fake printer: max_jobs and max_bytes must be 1 or more, "
                                     f"got {max_jobs} and {max_bytes}")
        self.paper_out, self.offline, self.present = paper_out, offline, present
        self.paper_near_end, self.run_out_after, self.silent = paper_near_end, run_out_after, silent
        self.max_jobs, self.max_bytes = max_jobs, max_bytes
        self.queries: list[int] = []
        self._jobs: collections.deque[bytes] = collections.deque()
        self._kept_bytes = 0
        self.jobs_received = 0
        self.bytes_received = 0
        self._dummy = None

    def describe(self) -> str:
        return "in memory"

    def _make(self):
        from escpos.printer import Dummy

        fake = self

        class _Device(Dummy):
            # Status requests are answered, not printed; everything else is job data,
            # kept (bounded) by the fake instead of in Dummy's unbounded list.
            def _raw(self, msg: bytes) -> None:
                if len(msg) == 3 and msg[:2] == DLE_EOT:
                    fake._note_query(msg[2])
                    return
                fake._keep_job(bytes(msg))
                if fake.run_out_after is not None and fake.bytes_received >= fake.run_out_after:
                    fake.paper_out = True

            def open(self, raise_not_found: bool = True) -> None:
                if not fake.present:
                    from escpos.exceptions import DeviceNotFoundError
                    raise DeviceNotFoundError("fake printer switched to absent")

        if self._dummy is None:
            self._dummy = _Device()
        return self._dummy

    _pending: int | None = None

    def _note_query(self, n: int) -> None:
        self.queries.append(n)
        if len(self.queries) > 6 * self.max_jobs:
            del self.queries[:-6 * self.max_jobs]
        self._pending = None if self.silent else self._reply(n)

    def _keep_job(self, data: bytes) -> None:
        self.jobs_received += 1
        self.bytes_received += len(data)
        self._jobs.append(data)
        self._kept_bytes += len(data)
        while len(self._jobs) > 1 and (len(self._jobs) > self.max_jobs or self._kept_bytes > self.max_bytes):
            self._kept_bytes -= len(self._jobs.popleft())

    def _reply(self, n: int) -> int:
        b = REPLY_FIXED_VALUE
        if n == STATUS_PRINTER and (self.offline or self.paper_out):
            b |= BIT_OFFLINE  # a printer out of paper goes offline too
        elif n == STATUS_PAPER:
            if self.paper_out:
                b |= BIT_PAPER_END
            elif self.paper_near_end:
                b |= BIT_NEAR_END
        elif n == STATUS_OFFLINE_CAUSE:
            if self.paper_out:
                b |= BIT_PAPER_STOP
            if self.offline:
                b |= BIT_COVER_OPEN
        return b

    def _drain(self) -> None:
        self._pending = None

    def _read_byte(self) -> int | None:
        b, self._pending = self._pending, None
        return b

    @property
    def jobs(self) -> tuple[bytes, ...]:
        """The kept jobs' bytes, oldest first (the last one is the newest job)."""
        return tuple(self._jobs)

    @property
    def output(self) -> bytes:
        """The kept jobs' bytes in the order written (across open/close)."""
        return b"".join(self._jobs)

    def clear(self) -> None:
        """Forget the kept jobs and queries (the counters go on)."""
        self._jobs.clear()
        self._kept_bytes = 0
        self.queries.clear()



__all__ = ["FAKE_JOBS_KEPT", "FAKE_BYTES_KEPT", "FakePrinter"]
