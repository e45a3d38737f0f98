"""The receipt code reader: a QR scanner on a serial line (RS-232, or USB in "virtual COM" mode).

Residents come back and hold their receipt under the reader; the reader decodes the QR
code and sends its payload as one line of text. This driver turns the bytes on the line
into payloads:

- a line ends with CR, LF or CRLF — the "suffix" setting of the scanner; all three are
  accepted, and an empty line (the LF after a CR) is not a code;
- the bytes are UTF-8, or GB18030 when they are not valid UTF-8 (Chinese scanners set to
  their "GBK output" mode send Chinese text that way);
- control characters (STX/ETX framing some scanners add, NUL, DEL) are removed and
  whitespace at both ends stripped;
- a line longer than ``max_line`` bytes without an end is noise (a scanner in the wrong
  mode, a wrong baud rate making garbage): it is dropped up to its end and reading goes on;
- a line that has not ended when ``read_code`` times out stays buffered for the next call
  (at 9600 baud a 60-byte URL takes 60 ms to arrive).

Kinds (:data:`KINDS`, built by :func:`make_code_reader`):

- ``"serial"`` :class:`SerialCodeReader` — pyserial ``serial.Serial`` on ``device``;
- ``"fake"`` :class:`FakeCodeReader` — the same class over :class:`FakeSerialPort`, an
  in-memory port; ``scan(text)`` puts a payload on the line, ``unplug()`` pulls the cable;
- ``"none"`` :class:`NoCodeReader` — no reader: ``open()`` says so.

USB HID ("keyboard wedge") scanners are not supported: they type into whatever widget
has the focus, so the app could not tell a scan from typing. Most scanners can be
switched to USB-COM (CDC ACM, ``/dev/ttyACM0``) mode by scanning a setup code.

Constructors only store options and touch no device; :meth:`~SerialCodeReader.open`
does. ``read_code`` blocks: call it from a worker thread. :meth:`~SerialCodeReader.close`
may be called from another thread while ``read_code`` waits; the read then returns None.
This module never imports ``kiosk``.
"""

from __future__ import annotations

import os
import threading
import time
import unicodedata
from collections import deque
from typing import Callable, Protocol, runtime_checkable

from drivers.registry import build
from drivers.serialport import FakeSerialPort, exclusive_port, open_failure

BAUDRATES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)
MAX_LINE = 512
_TERMINATORS = b"\r\n"


class CodeReaderError(Exception):
    """Base class of this driver's errors (also: bad options, unknown kind)."""


class CodeReaderUnavailable(CodeReaderError):
    """The reader cannot be used: not configured, absent, no permission, unplugged.

    ``str(err)`` names the reader and says why.
    """


class CodeReaderBusy(CodeReaderUnavailable):
    """The device is there but another program holds it (normally the running kiosk app)."""


@runtime_checkable
class CodeReader(Protocol):
    """What the app needs from a code reader."""

    def open(self) -> None:
        """Claim the device; raises :class:`CodeReaderUnavailable`."""

    def read_code(self, timeout: float) -> str | None:
        """One scanned payload (stripped), or None after *timeout* seconds.

        Raises :class:`CodeReaderUnavailable` if the device vanished (or is not open).
        """

    def close(self) -> None:
        """Release the device; safe to call twice or without ``open()``."""

    def describe(self) -> str:
        """Which reader this is, for messages (e.g. "serial code reader /dev/ttyACM0 @ 9600")."""


def decode_payload(raw: bytes) -> str:
    """The text of one line: UTF-8, else GB18030; control characters removed, ends stripped."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("gb18030", errors="replace")
    text = "".join(ch for ch in text if ch != "\ufeff" and unicodedata.category(ch) != "Cc")
    return text.strip()


class LineSplitter:
    """Bytes in, payloads out: the line protocol of a serial QR scanner (see module doc)."""

    def __init__(self, max_line: int = MAX_LINE):
        self.max_line = max_line
        self._partial = bytearray()
        self._discarding = False   # inside an over-long line: drop up to its end
        self.dropped = 0           # over-long lines dropped so far
        self.codes: deque[str] = deque()

    def reset(self) -> None:
        """Forget a partial line and pending payloads (a new connection)."""
        self._partial.clear()
        self._discarding = False
        self.codes.clear()

    def feed(self, data: bytes) -> None:
        """Add bytes from the line; every completed non-empty payload goes to :attr:`codes`."""
        start = 0
        for i, b in enumerate(data):
            if b in _TERMINATORS:
                self._take(data[start:i], ended=True)
                start = i + 1
        self._take(data[start:], ended=False)

    def _take(self, piece: bytes, ended: bool) -> None:
        if not self._discarding:
            self._partial += piece
            if len(self._partial) > self.max_line:
                self._partial.clear()
                self._discarding = True
                self.dropped += 1
        if not ended:
            return
        if self._discarding:
            self._discarding = False
            return
        raw, self._partial = bytes(self._partial), bytearray()
        text = decode_payload(raw)
        if text:
            self.codes.append(text)


class SerialCodeReader:
    """A QR scanner on a serial port (pyserial), or on any object with the same few methods.

    *port_factory* builds the (unopened) port object; by default a ``serial.Serial``. The
    reader uses only ``open()``, ``close()``, ``is_open``, ``timeout``, ``read(n)``,
    ``in_waiting`` and ``cancel_read()`` of it — what :class:`FakeSerialPort` implements.
    """

    kind = "serial"

    def __init__(self, device: str = "", baudrate: int = 9600, max_line: int = MAX_LINE,
                 port_factory: Callable[[], object] | None = None):
        if not device and port_factory is None:
            raise CodeReaderError("device: expected a serial device path such as /dev/ttyACM0 "
                                  "or /dev/kiosk-codereader")
        if baudrate not in BAUDRATES:
            raise CodeReaderError(f"baudrate: expected one of {', '.join(map(str, BAUDRATES))}, "
                                  f"got {baudrate!r}")
        if not isinstance(max_line, int) or max_line < 16:
            raise CodeReaderError(f"max_line: expected an integer of at least 16 bytes, got {max_line!r}")
        self.device = device
        self.baudrate = baudrate
        self._port_factory = port_factory or self._serial_port
        self._port = None
        self._lines = LineSplitter(max_line)
        self._lock = threading.Lock()     # one reader of the port at a time; close waits for it
        self._closing = False

    def describe(self) -> str:
        return f"serial code reader {self.device} @ {self.baudrate}"

    @property
    def is_open(self) -> bool:
        """True from ``open()`` until ``close()`` is called or the device vanishes."""
        return self._port is not None and not self._closing

    @property
    def dropped_lines(self) -> int:
        """How many over-long (garbage) lines were dropped since construction."""
        return self._lines.dropped

    def _serial_port(self):
        return exclusive_port(self.device, self.baudrate)

    def open(self) -> None:
        """Open the port; raises :class:`CodeReaderUnavailable` naming the device and why."""
        if self._port is not None:
            return
        if self.device and self.device.startswith("/dev/") and not os.path.exists(self.device):
            raise CodeReaderUnavailable(f"{self.describe()}: no such device (is the reader plugged in? "
                                        "check code_reader.device)")
        port = self._port_factory()
        try:
            port.open()
        except Exception as e:  # serial.SerialException (an OSError with errno), ValueError
            raise self._open_error(e) from None
        self._lines.reset()
        self._closing = False
        self._port = port

    def _open_error(self, e: Exception) -> CodeReaderUnavailable:
        busy, why = open_failure(e, "code_reader.device")
        if busy:
            return CodeReaderBusy(f"{self.describe()}: in use by another program (the running kiosk app?)")
        return CodeReaderUnavailable(f"{self.describe()}: {why}")

    def read_code(self, timeout: float) -> str | None:
        """The next scanned payload, waiting up to *timeout* seconds; None when none came."""
        with self._lock:
            deadline = time.monotonic() + max(0.0, float(timeout))
            while True:
                if self._lines.codes:
                    return self._lines.codes.popleft()
                port = self._port
                if port is None:
                    raise CodeReaderUnavailable(f"{self.describe()}: not open")
                if self._closing:  # close() was called while this call waited
                    return None
                remaining = deadline - time.monotonic()
                chunk = self._read(port, max(0.0, remaining))
                if chunk:
                    self._lines.feed(chunk)
                elif remaining <= 0:
                    return None

    def _read(self, port, timeout: float) -> bytes:
        """Whatever arrives within *timeout*: the first byte, then all that is waiting."""
        try:
            if port.timeout != timeout:
                port.timeout = timeout
            data = port.read(1)
            if data:
                waiting = port.in_waiting
                if waiting:
                    data += port.read(waiting)
            return data
        except Exception as e:  # serial.SerialException, OSError: unplugged, pty hung up
            if self._closing:
                return b""
            self._drop_port()
            raise CodeReaderUnavailable(f"{self.describe()}: the reader stopped answering "
                                        f"(unplugged?): {e}") from None

    def _drop_port(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except Exception:  # closing a vanished device may fail; it is closed either way
                pass

    def close(self) -> None:
        """Release the port; a ``read_code`` waiting in another thread returns None."""
        port = self._port
        if port is None:
            return
        self._closing = True
        try:
            port.cancel_read()  # wakes a read blocked in select() (pyserial's abort pipe)
        except Exception:
            pass
        with self._lock:
            self._drop_port()
            self._lines.reset()


class FakeCodeReader(SerialCodeReader):
    """The serial reader over a :class:`FakeSerialPort`: the real line parsing, no hardware."""

    kind = "fake"

    def __init__(self, device: str = "", baudrate: int = 9600, max_line: int = MAX_LINE):
        self.port = FakeSerialPort()
        super().__init__(device="fake", baudrate=baudrate, max_line=max_line,
                         port_factory=lambda: self.port)

    def describe(self) -> str:
        return "fake code reader (in memory)"

    def scan(self, text: str, *, encoding: str = "utf-8", suffix: str = "\r") -> None:
        """A receipt held under the reader: *text* + *suffix* arrive on the line."""
        self.port.feed((text + suffix).encode(encoding))

    def feed(self, data: bytes) -> None:
        """Raw bytes on the line (a partial payload, noise)."""
        self.port.feed(data)

    def unplug(self) -> None:
        """Pull the cable: the next (or the waiting) ``read_code`` raises CodeReaderUnavailable."""
        self.port.unplug()

    def replug(self) -> None:
        """Plug the cable back in; ``open()`` works again."""
        self.port.replug()


class NoCodeReader:
    """No reader configured: residents type the code on the keypad instead."""

    kind = "none"

    def __init__(self, device: str = "", baudrate: int = 9600, **_ignored):
        pass

    def describe(self) -> str:
        return "no code reader"

    def open(self) -> None:
        raise CodeReaderUnavailable("no code reader configured (code_reader.kind = \"none\"); "
                                    "residents type the code instead")

    def read_code(self, timeout: float) -> str | None:
        raise CodeReaderUnavailable("no code reader configured (code_reader.kind = \"none\")")

    def close(self) -> None:
        pass


KINDS: dict[str, type] = {"none": NoCodeReader, "serial": SerialCodeReader, "fake": FakeCodeReader}
"""Config ``kind`` → implementation class (the one list of kinds)."""


def make_code_reader(kind: str, **options) -> CodeReader:
    """A code reader of *kind* (not opened). Options: ``device``, ``baudrate``, ``max_line``.

    Raises :class:`CodeReaderError` for an unknown kind or bad options.
    """
    return build(KINDS, kind, options, CodeReaderError, "code reader")


__all__ = [
    "CodeReaderError", "CodeReaderUnavailable", "CodeReaderBusy", "CodeReader", "KINDS",
    "BAUDRATES", "MAX_LINE", "decode_payload", "LineSplitter", "SerialCodeReader",
    "FakeSerialPort", "FakeCodeReader", "NoCodeReader", "make_code_reader",
]
