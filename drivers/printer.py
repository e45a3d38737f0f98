"""Receipt printers: python-escpos connections chosen by a ``kind`` string, plus a fake.

Every connection here only moves bytes: ``write(data)`` sends an already-encoded ESC/POS
job, ``status()`` asks the printer how it is. What the bytes say (text, QR, cut) is the
business of the caller (``kiosk.receipt``), never of the driver. This mirrors python-escpos,
where each printer class implements only ``_raw()`` (and ``_read()`` when it can) and
``escpos.printer.Dummy`` collects bytes.

Kinds (see :data:`PRINTERS`): ``usb`` (vendor/product id, via pyusb), ``serial`` (device,
baud, parity, flow control as the printer's DIP switches say), ``network`` (raw TCP,
usually port 9100), ``file`` (a path or a device node such as ``/dev/usb/lp0``) and
``fake`` (a byte-collecting :class:`escpos.printer.Dummy` that answers status queries
and can simulate paper-out, offline and absent).

Status comes from the real-time command ``DLE EOT n`` (Epson "ESC/POS Application
Programming Guide", DLE EOT: n=1 printer status, n=2 offline cause, n=4 roll paper
sensor). A connection that cannot read (``file``), or a printer that does not answer
within ``status_timeout``, yields ``PrinterStatus(reported=False)``: the caller must
then not claim the receipt was printed.

Constructors only store options; nothing touches hardware until :meth:`open`. This
module never imports ``kiosk``.
"""

from __future__ import annotations

import collections
import select
import socket
import time
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, runtime_checkable

from drivers.registry import build

DLE_EOT = b"\x10\x04"
STATUS_PRINTER, STATUS_OFFLINE_CAUSE, STATUS_PAPER = 1, 2, 4

# Bits of the DLE EOT replies (Epson ESC/POS reference, "DLE EOT n"). Every reply has
# bit 1 and bit 4 set and bits 0 and 7 clear, which is how a status byte is told apart
# from noise on the line.
_FIXED_MASK, _FIXED_VALUE = 0x93, 0x12
_OFFLINE = 0x08            # n=1 bit 3: offline
_COVER_OPEN = 0x04         # n=2 bit 2: cover is open
_PAPER_STOP = 0x20         # n=2 bit 5: printing stopped by paper end
_ERROR = 0x40              # n=2 bit 6: an error occurred
_NEAR_END = 0x0C           # n=4 bits 2,3: roll paper near-end sensor
_PAPER_END = 0x60          # n=4 bits 5,6: roll paper end sensor


class PrinterError(Exception):
    """Base of every printer failure; ``str()`` says what went wrong in plain words."""


class PrinterConfigError(PrinterError, ValueError):
    """Options that cannot describe a printer (unknown kind, bad baud rate …)."""


class PrinterNotFound(PrinterError):
    """The printer is absent: not plugged in, wrong device path, host not reachable."""


class PrinterWriteError(PrinterError):
    """The connection failed while sending the job (cable pulled, socket reset …)."""


@dataclass(frozen=True)
class PrinterStatus:
    """What the printer said about itself.

    ``reported`` is False when the connection cannot read or the printer did not answer;
    every other field is then None and nothing may be concluded about the paper.
    ``paper`` is ``"ok"``, ``"near_end"`` or ``"out"``.
    """

    reported: bool
    online: bool | None = None
    paper: str | None = None
    cover_open: bool | None = None
    error: bool | None = None
    detail: str = ""

    @property
    def ready(self) -> bool:
        """True only when the printer reported itself online with paper."""
        return bool(self.reported and self.online and self.paper in ("ok", "near_end"))


UNREPORTED = PrinterStatus(reported=False, detail="this connection cannot report the printer's status")


@runtime_checkable
class Printer(Protocol):
    """What every printer kind offers."""

    kind: ClassVar[str]
    can_report: ClassVar[bool]

    @property
    def is_open(self) -> bool: ...

    def open(self) -> None: ...

    def close(self) -> None: ...

    def write(self, data: bytes) -> None: ...

    def status(self) -> PrinterStatus: ...

    def describe(self) -> str: ...


def _status_byte_ok(b: int) -> bool:
    return b & _FIXED_MASK == _FIXED_VALUE


def decode_status(printer: int | None, paper: int | None, cause: int | None = None) -> PrinterStatus:
    """Turn the DLE EOT 1 / 4 / 2 reply bytes into a :class:`PrinterStatus`."""
    if printer is None or paper is None:
        return PrinterStatus(reported=False, detail="the printer did not answer the status query")
    if not (_status_byte_ok(printer) and _status_byte_ok(paper)):
        return PrinterStatus(reported=False,
                             detail=f"unexpected status reply {printer:#04x} {paper:#04x}")
    online = not printer & _OFFLINE
    if paper & _PAPER_END:
        paper_state = "out"
    elif paper & _NEAR_END:
        paper_state = "near_end"
    else:
        paper_state = "ok"
    cover = error = None
    if cause is not None and _status_byte_ok(cause):
        cover = bool(cause & _COVER_OPEN)
        error = bool(cause & _ERROR)
        if cause & _PAPER_STOP:
            paper_state = "out"
    bits = ["online" if online else "offline", f"paper {paper_state}"]
    if cover:
        bits.append("cover open")
    if error:
        bits.append("error")
    return PrinterStatus(True, online, paper_state, cover, error, ", ".join(bits))


class EscposConnection:
    """Common part of the kinds: wraps one python-escpos printer object.

    Subclasses set :attr:`kind`, build the escpos object in :meth:`_make` and, when the
    connection can read, implement :meth:`_drain` and :meth:`_read_byte`.
    """

    kind: ClassVar[str] = ""
    can_report: ClassVar[bool] = True

    def __init__(self, *, timeout: float = 5.0, status_timeout: float = 0.5,
                 query_status: bool = True):
        if not timeout > 0:
            raise PrinterConfigError(f"timeout: expected seconds > 0, got {timeout!r}")
        if not status_timeout > 0:
            raise PrinterConfigError(f"status_timeout: expected seconds > 0, got {status_timeout!r}")
        self.timeout = float(timeout)
        self.status_timeout = float(status_timeout)
        self.query_status = bool(query_status)
        self._conn: Any = None

    # -- to implement -------------------------------------------------------------------
    def _make(self) -> Any:
        raise NotImplementedError

    def _drain(self) -> None:
        """Discard bytes waiting on the line (a late reply must not answer the next query)."""

    def _read_byte(self) -> int | None:
        """One reply byte within ``status_timeout``, or None."""
        return None

    def describe(self) -> str:
        """Where the printer is, for messages (never personal data)."""
        return self.kind

    # -- lifecycle ----------------------------------------------------------------------
    @property
    def is_open(self) -> bool:
        return self._conn is not None

    def open(self) -> None:
        """Connect. Raises :class:`PrinterNotFound` when the printer is absent."""
        from escpos.exceptions import DeviceNotFoundError, Error as EscposError
        if self._conn is not None:
            return
        conn = self._make()
        try:
            conn.open(raise_not_found=True)
        except (DeviceNotFoundError, EscposError, OSError, RuntimeError, ValueError) as e:
            # escpos sets _device = None on failure; mark it closed so that its own
            # `device` property does not try to open again behind our back.
            conn._device = False
            raise PrinterNotFound(f"{self.kind} printer {self.describe()} not found: "
                                  f"{' '.join(str(e).split())}") from None
        except Exception as e:  # termios.error: the port exists but refuses these settings
            conn._device = False
            raise PrinterError(f"cannot configure {self.kind} printer {self.describe()}: {e}") from None
        self._conn = conn

    def close(self) -> None:
        """Disconnect; safe to call twice."""
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # closing a yanked device may fail; it is closed either way
                pass

    def write(self, data: bytes) -> None:
        """Send *data* as is. Raises :class:`PrinterWriteError`."""
        if self._conn is None:
            raise PrinterWriteError(f"{self.kind} printer is not open")
        try:
            self._conn._raw(bytes(data))
            self._flush()
        except PrinterError:
            raise
        except Exception as e:  # OSError, serial.SerialException, usb.core.USBError, timeouts
            raise PrinterWriteError(self._write_error(e)) from None

    def _write_error(self, e: Exception) -> str:
        return f"sending to {self.kind} printer {self.describe()} failed: {e}"

    def _flush(self) -> None:
        """Wait until written bytes have left this machine (so a status query follows them)."""

    def status(self) -> PrinterStatus:
        """Ask the printer (DLE EOT 1, 4, 2). Never raises for a silent printer."""
        if not (self.can_report and self.query_status):
            return UNREPORTED
        if self._conn is None:
            raise PrinterWriteError(f"{self.kind} printer is not open")
        replies = []
        for n in (STATUS_PRINTER, STATUS_PAPER, STATUS_OFFLINE_CAUSE):
            try:
                self._drain()
                self._conn._raw(DLE_EOT + bytes([n]))
                self._flush()
                replies.append(self._read_byte())
            except Exception as e:
                raise PrinterWriteError(f"status query to {self.kind} printer failed: {e}") from None
            if replies[-1] is None:
                break  # a silent printer: do not wait three times
        replies += [None] * (3 - len(replies))
        return decode_status(replies[0], replies[1], replies[2])


class SerialPrinter(EscposConnection):
    """A printer on a serial line (RS-232 or USB-serial), settings as its DIP switches say."""

    kind = "serial"
    PARITIES = {"none": "N", "even": "E", "odd": "O", "mark": "M", "space": "S"}
    # No "dsrdtr": Linux termios has no DSR/DTR flow control (pyserial ignores it on POSIX);
    # a printer that signals busy on DTR is wired to the host's CTS and used with rtscts.
    FLOW = ("none", "xonxoff", "rtscts")
    BAUDS = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400)

    def __init__(self, device: str = "/dev/ttyUSB0", baudrate: int = 9600, parity: str = "none",
                 bytesize: int = 8, stopbits: int = 1, flow_control: str = "none", **common):
        super().__init__(**common)
        if not device:
            raise PrinterConfigError("device: expected a serial device path such as /dev/ttyUSB0")
        if baudrate not in self.BAUDS:
            raise PrinterConfigError(f"baudrate: expected one of {', '.join(map(str, self.BAUDS))}, got {baudrate!r}")
        if parity not in self.PARITIES:
            raise PrinterConfigError(f"parity: expected one of {', '.join(self.PARITIES)}, got {parity!r}")
        if bytesize not in (7, 8):
            raise PrinterConfigError(f"bytesize: expected 7 or 8, got {bytesize!r}")
        if stopbits not in (1, 2):
            raise PrinterConfigError(f"stopbits: expected 1 or 2, got {stopbits!r}")
        if flow_control not in self.FLOW:
            raise PrinterConfigError(f"flow_control: expected one of {', '.join(self.FLOW)}, got {flow_control!r}")
        self.device, self.baudrate, self.parity = device, baudrate, parity
        self.bytesize, self.stopbits, self.flow_control = bytesize, stopbits, flow_control

    def describe(self) -> str:
        return f"{self.device} @ {self.baudrate} baud"

    def _make(self):
        from escpos.printer import Serial
        return Serial(devfile=self.device, baudrate=self.baudrate, bytesize=self.bytesize,
                      timeout=self.timeout, parity=self.PARITIES[self.parity],
                      stopbits=self.stopbits, xonxoff=self.flow_control == "xonxoff",
                      dsrdtr=False)  # False: pyserial raises DTR on open, which printers expect

    def open(self) -> None:
        super().open()
        dev = self._conn.device
        try:
            # escpos.printer.Serial has no rtscts argument; pyserial applies it on the open port.
            if self.flow_control == "rtscts":
                dev.rtscts = True
            dev.write_timeout = self.timeout
        except Exception as e:  # termios.error: the port refuses these settings
            self.close()
            raise PrinterError(f"cannot configure serial printer {self.describe()}: {e}") from None

    def write(self, data: bytes) -> None:
        if self._conn is not None:
            # pyserial's write_timeout covers the whole call; a 17 KB raster job needs 18 s
            # at 9600 baud, so allow the line time on top of the stall timeout.
            self._conn.device.write_timeout = self.timeout + 2 * transfer_seconds(len(data), self.baudrate)
        super().write(data)

    def _stalled(self) -> str:
        return (f"serial printer {self.describe()} stopped taking data for {self.timeout:g} s "
                "(flow control held: offline, cover open or out of paper?)")

    def _write_error(self, e: Exception) -> str:
        import serial
        if isinstance(e, serial.SerialTimeoutException):
            return self._stalled()
        return super()._write_error(e)

    def _flush(self) -> None:
        # Wait for the kernel's output queue to empty (TIOCOUTQ), but not forever: tcdrain()
        # blocks for good while a printer out of paper holds CTS low or has sent XOFF.
        dev = self._conn.device
        deadline = time.monotonic() + self.timeout + 2 * transfer_seconds(dev.out_waiting, self.baudrate)
        while dev.out_waiting:
            if time.monotonic() > deadline:
                raise PrinterWriteError(self._stalled())
            time.sleep(0.01)

    def close(self) -> None:
        if self._conn is not None:
            try:
                dev = self._conn.device
                if dev.out_waiting:  # a stalled job: drop it, or close() waits for it (tty closing_wait)
                    dev.reset_output_buffer()
            except Exception:
                pass
        super().close()

    def _drain(self) -> None:
        self._conn.device.reset_input_buffer()

    def _read_byte(self) -> int | None:
        dev = self._conn.device
        dev.timeout = self.status_timeout
        try:
            b = dev.read(1)
        finally:
            dev.timeout = self.timeout
        return b[0] if b else None


class NetworkPrinter(EscposConnection):
    """A printer on raw TCP (JetDirect style, usually port 9100)."""

    kind = "network"

    def __init__(self, host: str = "", port: int = 9100, **common):
        super().__init__(**common)
        if not host:
            raise PrinterConfigError("host: expected the printer's host name or IP address")
        if not 1 <= int(port) <= 65535:
            raise PrinterConfigError(f"port: expected 1-65535, got {port!r}")
        self.host, self.port = host, int(port)

    def describe(self) -> str:
        return f"{self.host}:{self.port}"

    def _make(self):
        from escpos.printer import Network
        return Network(host=self.host, port=self.port, timeout=self.timeout)

    def _drain(self) -> None:
        sock = self._conn.device
        while select.select([sock], [], [], 0)[0]:
            if not sock.recv(256):
                raise PrinterWriteError(f"network printer {self.describe()} closed the connection")

    def _read_byte(self) -> int | None:
        sock = self._conn.device
        sock.settimeout(self.status_timeout)
        try:
            b = sock.recv(1)
        except (socket.timeout, TimeoutError):
            return None
        finally:
            sock.settimeout(self.timeout)
        if not b:
            raise PrinterWriteError(f"network printer {self.describe()} closed the connection")
        return b[0]


class UsbPrinter(EscposConnection):
    """A printer on USB, found by vendor and product id (needs pyusb + libusb-1.0)."""

    kind = "usb"

    def __init__(self, vendor_id: int = 0, product_id: int = 0, in_ep: int = 0x82,
                 out_ep: int = 0x01, **common):
        super().__init__(**common)
        for key, v in (("vendor_id", vendor_id), ("product_id", product_id)):
            if not 0 < int(v) <= 0xFFFF:
                raise PrinterConfigError(f"{key}: expected a USB id 0x0001-0xFFFF (see lsusb), got {v!r}")
        self.vendor_id, self.product_id, self.in_ep, self.out_ep = vendor_id, product_id, in_ep, out_ep

    def describe(self) -> str:
        return f"{self.vendor_id:04x}:{self.product_id:04x}"

    def _make(self):
        from escpos.printer import Usb
        return Usb(idVendor=self.vendor_id, idProduct=self.product_id,
                   timeout=int(self.timeout * 1000), in_ep=self.in_ep, out_ep=self.out_ep)

    def open(self) -> None:
        try:
            import usb.backend.libusb1 as libusb1  # pyusb
        except ImportError:
            raise PrinterNotFound("usb printer: pyusb is not installed (pip install pyusb)") from None
        if libusb1.get_backend() is None:
            raise PrinterNotFound("usb printer: libusb-1.0 is not installed (apt install libusb-1.0-0)")
        super().open()

    def _drain(self) -> None:
        import usb.core
        try:
            while self._conn.device.read(self.in_ep, 64, timeout=1):
                pass
        except usb.core.USBTimeoutError:
            pass
        except usb.core.USBError:
            pass

    def _read_byte(self) -> int | None:
        import usb.core
        try:
            data = self._conn.device.read(self.in_ep, 16, timeout=int(self.status_timeout * 1000))
        except usb.core.USBTimeoutError:
            return None
        except usb.core.USBError:
            return None
        return data[0] if len(data) else None


class FilePrinter(EscposConnection):
    """A file or a device node written blindly (``/dev/usb/lp0``, a capture file).

    It cannot read replies, so it never reports a status: a job sent here is "sent", not
    "printed".
    """

    kind = "file"
    can_report = False

    def __init__(self, path: str = "", **common):
        super().__init__(**common)
        if not path:
            raise PrinterConfigError("path: expected a file or device path such as /dev/usb/lp0")
        self.path = path

    def describe(self) -> str:
        return self.path

    def _make(self):
        from escpos.printer import File
        return File(devfile=self.path)


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
        b = _FIXED_VALUE
        if n == STATUS_PRINTER and (self.offline or self.paper_out):
            b |= _OFFLINE  # a printer out of paper goes offline too
        elif n == STATUS_PAPER:
            if self.paper_out:
                b |= _PAPER_END
            elif self.paper_near_end:
                b |= _NEAR_END
        elif n == STATUS_OFFLINE_CAUSE:
            if self.paper_out:
                b |= _PAPER_STOP
            if self.offline:
                b |= _COVER_OPEN
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


PRINTERS: dict[str, type[EscposConnection]] = {
    "usb": UsbPrinter,
    "serial": SerialPrinter,
    "network": NetworkPrinter,
    "file": FilePrinter,
    "fake": FakePrinter,
}


def make_printer(kind: str, **options) -> EscposConnection:
    """A printer of *kind* with *options* (not opened). Raises :class:`PrinterConfigError`."""
    return build(PRINTERS, kind, options, PrinterConfigError, "printer")



def transfer_seconds(nbytes: int, baudrate: int, bits_per_byte: int = 10) -> float:
    """Time to push *nbytes* through a serial line (8N1 = 10 bits per byte)."""
    return nbytes * bits_per_byte / baudrate


__all__ = [
    "PrinterError", "PrinterConfigError", "PrinterNotFound", "PrinterWriteError",
    "PrinterStatus", "Printer", "EscposConnection", "SerialPrinter", "NetworkPrinter",
    "UsbPrinter", "FilePrinter", "FakePrinter", "PRINTERS", "make_printer",
    "decode_status", "transfer_seconds",
]
