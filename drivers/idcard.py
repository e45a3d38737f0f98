"""The second-generation ID-card reader (居民身份证阅读器): a GA 450-class reader on a serial line.

A resident lays their ID card on the reader; the kiosk reads the name and ID number from it
so that a real-name submission needs no typing. The reader's SAM module speaks a framed
request/answer protocol (``drivers.idcard_frames``; docs/idcard.md gives it with sources):
find card (20 01), select card (20 02), read base information (30 01), at 115200 baud 8N1
by default. One read is find → select → read; the answer carries 256 bytes of text
(``drivers.idcard_record``) and a 1024-byte photo, which is discarded unread.

Interface (what the app, ``kiosk doctor``, the self-test and ``kiosk idcard`` use)::

    reader = make_id_card_reader(kind, device=..., baudrate=115200)   # touches no hardware
    reader.open()                      # IdCardUnavailable (IdCardBusy: another program holds it)
    card = reader.read_card(timeout=0.5)   # IdCard, or None: no card within timeout / closed
    reader.find_card()                 # Search.FOUND / Search.NO_CARD (no card is no error)
    reader.read_found_card()           # select + read after FOUND → IdCard
    reader.check()                     # the SAM status check (11 FF), for doctor / self-test
    reader.close()                     # safe twice; from another thread it ends a read_card

Errors (all :class:`IdCardError`; none ever holds a full ID number, a name or an address):
:class:`IdCardUnavailable` — not configured, absent, no permission, unplugged (re-``open()``
later); :class:`IdCardProtocolError` — silence (:class:`IdCardTimeout`), a bad checksum
(:class:`IdCardChecksumError`), a cut or impossible frame (:class:`IdCardShortFrame`,
:class:`IdCardFrameError`): transient, try again; :class:`IdCardRemoved` — the card left
between find and read; :class:`IdCardStatusError` — the reader reported another failure;
:class:`IdCardInvalid` — the card's text is not a valid ID card (:class:`IdNumberInvalid`:
the check character fails).

Kinds (:data:`KINDS`): ``"serial"`` :class:`SerialIdCardReader` over pyserial;
``"fake"`` :class:`FakeIdCardReader`, the same class over an in-memory port with an emulated
reader and :data:`SAMPLE_CARD` on it; ``"none"`` :class:`NoIdCardReader`. Calls block:
use a worker thread. This module never imports ``kiosk``.
"""

from __future__ import annotations

import enum
import os
import threading
import time
from typing import Callable, Protocol, runtime_checkable

from drivers.idcard_fake import SAMPLE_CARD, FakeIdCardPort, IdCardEmulator, sample_photo
from drivers.idcard_frames import (CARD_FOUND, FIND_CARD, HEADER, NO_CARD, OK, READ_BASE, READ_FAILED,
                                   SAM_STATUS, SELECT_CARD, SELECT_FAILED, Frame, FrameParser,
                                   IdCardChecksumError, IdCardError, IdCardFrameError,
                                   IdCardProtocolError, IdCardShortFrame, IdCardStatusError,
                                   IdCardTimeout, describe_status, encode_request)
from drivers.idcard_record import (PHOTO_LENGTH, TEXT_LENGTH, IdCard, IdCardInvalid, IdCardUnsupported,
                                   IdNumberInvalid, mask_id_number, parse_text, validate_id_number)
from drivers.registry import build
from drivers.serialport import exclusive_port, open_failure

# The rates a SAM module can be set to; 115200 is its default (SAM protocol notes, UART
# parameters table; docs/idcard.md "Sources").
BAUDRATES = (9600, 19200, 38400, 57600, 115200)
DEFAULT_BAUDRATE = 115200
SETTING = "id_card_reader.device"
# How long each command's answer may take, on top of the time its bytes take on the wire.
# The protocol notes give no response times: these are margins chosen here (a read talks
# to the card over the air, so it gets more), not datasheet values.
ANSWER_S = {SAM_STATUS: 1.0, FIND_CARD: 1.0, SELECT_CARD: 1.0, READ_BASE: 3.0}
NAMES = {SAM_STATUS: "SAM status (11 FF)", FIND_CARD: "find card (20 01)",
         SELECT_CARD: "select card (20 02)", READ_BASE: "read base information (30 01)"}
POLL_S = 0.25  # between two finds while no card is on the reader
READ_TICK_S = 0.05  # one wait for bytes: the longest a deadline is overrun
READ_DATA = 4 + TEXT_LENGTH + PHOTO_LENGTH  # lengths, text, photo: the read answer's data


class IdCardUnavailable(IdCardError):
    """The reader cannot be used: not configured, absent, no permission, unplugged, not open."""


class IdCardBusy(IdCardUnavailable):
    """The device is there but another program holds it (normally the running kiosk app)."""


class IdCardRemoved(IdCardStatusError):
    """The card left the reader between find and read (or was moved during the read)."""


class _Closed(IdCardUnavailable):
    """close() was called while a command waited for its answer."""


class Search(enum.Enum):
    """What one find-card command found."""

    FOUND = "found"
    NO_CARD = "no card"


@runtime_checkable
class IdCardReader(Protocol):
    """What the app needs from an ID-card reader (see the module doc)."""

    def open(self) -> None:
        """Claim the device; raises :class:`IdCardUnavailable`."""

    def find_card(self) -> Search:
        """One find-card command: is a card (not yet read) on the reader."""

    def read_found_card(self) -> IdCard:
        """Select and read the card a find found; :class:`IdCardRemoved` if it left."""

    def read_card(self, timeout: float) -> IdCard | None:
        """Find (again every :data:`POLL_S`) and read a card; None if none came in *timeout* s."""

    def check(self) -> str:
        """Ask the reader to check itself; what it said, or an :class:`IdCardError`."""

    def close(self) -> None:
        """Release the device; safe twice or without ``open()``."""

    def describe(self) -> str:
        """Which reader this is, for messages."""


class SerialIdCardReader:
    """A GA 450 reader on a serial port (pyserial), or on any object with the same methods.

    *port_factory* builds the unopened port (default: an exclusive ``serial.Serial``). The
    reader uses ``open()``, ``close()``, ``timeout``, ``read(n)``, ``in_waiting``, ``write()``,
    ``flush()``, ``reset_input_buffer()`` and ``cancel_read()`` of it.
    """

    kind = "serial"

    def __init__(self, device: str = "", baudrate: int = DEFAULT_BAUDRATE,
                 port_factory: Callable[[], object] | None = None):
        if not device and port_factory is None:
            raise IdCardError("device: expected a serial device path such as /dev/ttyUSB0 "
                              "or /dev/kiosk-idcard")
        if baudrate not in BAUDRATES:
            raise IdCardError(f"baudrate: expected one of {', '.join(map(str, BAUDRATES))}, got {baudrate!r}")
        self.device = device
        self.baudrate = baudrate
        self._port_factory = port_factory or (lambda: exclusive_port(self.device, self.baudrate))
        self._port = None
        self._parser = FrameParser()
        self._lock = threading.Lock()      # one exchange on the line at a time
        self._closing = False
        self._closed = threading.Event()   # wakes a read_card waiting between two finds

    def describe(self) -> str:
        return f"serial ID-card reader {self.device} @ {self.baudrate}"

    @property
    def is_open(self) -> bool:
        """True from ``open()`` until ``close()`` is called or the device vanishes."""
        return self._port is not None and not self._closing

    def open(self) -> None:
        """Open the port; raises :class:`IdCardUnavailable` naming the device and why."""
        if self._port is not None:
            return
        if self.device.startswith("/dev/") and not os.path.exists(self.device):
            raise IdCardUnavailable(f"{self.describe()}: no such device (is the reader plugged in? "
                                    f"check {SETTING})")
        port = self._port_factory()
        try:
            port.open()
        except Exception as e:  # serial.SerialException (an OSError with errno), ValueError
            busy, why = open_failure(e, SETTING)
            if busy:
                raise IdCardBusy(f"{self.describe()}: in use by another program (the running kiosk app?)") from None
            raise IdCardUnavailable(f"{self.describe()}: {why}") from None
        self._parser.reset()
        self._closing = False
        self._closed.clear()
        self._port = port

    # -- the commands ---------------------------------------------------------------------
    def find_card(self) -> Search:
        """One find-card command: FOUND (9F) or NO_CARD (80); other answers raise."""
        with self._lock:
            frame = self._exchange(FIND_CARD)
        if frame.sw3 == CARD_FOUND:
            return Search.FOUND
        if frame.sw3 == NO_CARD:
            return Search.NO_CARD
        raise self._status_error(FIND_CARD, frame)

    def read_found_card(self) -> IdCard:
        """Select (20 02) and read (30 01) the card a find found; the photo is dropped unread.

        :class:`IdCardRemoved` when the card left in between (select 81, read 41).
        """
        with self._lock:
            frame = self._exchange(SELECT_CARD)
            if frame.sw3 != OK:
                raise self._status_error(SELECT_CARD, frame)
            # keep: only the two lengths and the text are copied out of the answer; the
            # photo (wlt, encrypted) stays in the parser's buffer, which is zeroed.
            frame = self._exchange(READ_BASE, keep=4 + TEXT_LENGTH, answer=READ_DATA)
        if frame.sw3 != OK:
            raise self._status_error(READ_BASE, frame)
        return self._card(frame)

    def read_card(self, timeout: float) -> IdCard | None:
        """Find a card, again every :data:`POLL_S`, and read it; None when no card came within
        *timeout* seconds or ``close()`` was called. A card already read is not found again
        until it is taken away and put back (the reader's lock-out)."""
        deadline = time.monotonic() + max(0.0, float(timeout))
        while True:
            try:
                if self.find_card() is Search.FOUND:
                    return self.read_found_card()
            except _Closed:
                return None
            left = deadline - time.monotonic()
            if left <= 0 or self._closed.wait(min(POLL_S, left)):
                return None

    def check(self) -> str:
        """The SAM status command (11 FF): the reader answers, and its security module is well."""
        with self._lock:
            frame = self._exchange(SAM_STATUS)
        if frame.sw3 != OK:
            raise self._status_error(SAM_STATUS, frame)
        return f"{self.describe()}: the reader answers and its security module (SAM) reports ready"

    # -- the line ---------------------------------------------------------------------------
    def _exchange(self, command: tuple[int, int], *, keep: int | None = None, answer: int = 16) -> Frame:
        """Send *command*, return its answer frame; *answer*: the data bytes expected at most."""
        port = self._port
        if port is None or self._closing:
            raise IdCardUnavailable(f"{self.describe()}: not open")
        timeout = ANSWER_S[command] + (HEADER + 4 + answer) * 10 / self.baudrate  # 10 bits a byte (8N1)
        self._parser.reset()
        try:
            port.reset_input_buffer()  # a late answer to an earlier request is not this one's
            port.write(encode_request(command))
            port.flush()
        except Exception as e:  # serial.SerialException, OSError: unplugged, pty hung up
            raise self._lost(e) from None
        deadline = time.monotonic() + timeout
        while True:
            try:
                frame = self._parser.next_frame(keep)
            except IdCardFrameError as e:
                raise type(e)(f"{self.describe()}: answer to {NAMES[command]}: {e}") from None
            if frame is not None:
                return frame
            left = deadline - time.monotonic()
            if self._closing:
                raise _Closed(f"{self.describe()}: closed")
            if left <= 0:
                raise self._silence(command, timeout)
            self._parser.feed(self._read(port))

    def _read(self, port) -> bytes:
        """What arrives within :data:`READ_TICK_S`: the first byte, then all that is waiting."""
        try:
            if port.timeout != READ_TICK_S:  # pyserial reconfigures the tty on each change
                port.timeout = READ_TICK_S
            data = port.read(1)
            waiting = port.in_waiting if data else 0
            return data + port.read(waiting) if waiting else data
        except Exception as e:
            if self._closing:
                return b""
            raise self._lost(e) from None

    def _silence(self, command, timeout: float) -> IdCardProtocolError:
        what = f"{self.describe()}: {NAMES[command]}"
        got, noise = self._parser.pending, self._parser.noise
        self._parser.reset()
        if got:
            return IdCardShortFrame(f"{what}: the answer stopped after {got} bytes within "
                                    f"{timeout:.1f} s (card pulled away, or the line is cut)")
        hint = (f"{noise} bytes of noise came instead (wrong baud rate? check id_card_reader.baudrate)"
                if noise else "is the reader powered, and is it a GA 450 reader at this baud rate?")
        return IdCardTimeout(f"{what}: no answer within {timeout:.1f} s; {hint}")

    def _status_error(self, command, frame: Frame) -> IdCardStatusError:
        what = f"{self.describe()}: {NAMES[command]}: {describe_status(frame.sw3)}"
        if (command, frame.sw3) in ((SELECT_CARD, SELECT_FAILED), (READ_BASE, READ_FAILED)):
            return IdCardRemoved(f"{what}: the card was moved away before it was read; lay it flat "
                                 "on the reader and hold it still", command=command, sw3=frame.sw3)
        return IdCardStatusError(what, command=command, sw3=frame.sw3)

    def _card(self, frame: Frame) -> IdCard:
        text_len = int.from_bytes(frame.data[0:2], "big")
        photo_len = int.from_bytes(frame.data[2:4], "big")
        if text_len != TEXT_LENGTH or 4 + text_len + photo_len != frame.size:
            raise IdCardFrameError(f"{self.describe()}: read answer of {frame.size} bytes announces "
                                   f"{text_len} bytes of text and {photo_len} of photo")
        return parse_text(frame.data[4:4 + TEXT_LENGTH])

    def _lost(self, e: Exception) -> IdCardUnavailable:
        port, self._port = self._port, None
        try:
            if port is not None:
                port.close()
        except Exception:  # closing a vanished device may fail; it is closed either way
            pass
        return IdCardUnavailable(f"{self.describe()}: the reader stopped answering (unplugged?): {e}")

    def close(self) -> None:
        """Release the port; a ``read_card`` waiting in another thread returns None."""
        port = self._port
        if port is None:
            return
        self._closing = True
        self._closed.set()
        try:
            port.cancel_read()  # wakes a read blocked in select() (pyserial's abort pipe)
        except Exception:
            pass
        with self._lock:
            port, self._port = self._port, None
            if port is not None:
                port.close()
            self._parser.reset()


class FakeIdCardReader(SerialIdCardReader):
    """The serial reader over a :class:`FakeIdCardPort`: the real protocol code, an emulated
    reader with :data:`SAMPLE_CARD` on it. ``emulator`` places, removes and spoils."""

    kind = "fake"

    def __init__(self, device: str = "", baudrate: int = DEFAULT_BAUDRATE):
        self.port = FakeIdCardPort()
        self.emulator: IdCardEmulator = self.port.emulator
        super().__init__(device="fake", baudrate=baudrate, port_factory=lambda: self.port)

    def describe(self) -> str:
        return "fake ID-card reader (in memory, sample card)"

    def unplug(self) -> None:
        """Pull the cable: the next command raises IdCardUnavailable."""
        self.port.unplug()

    def replug(self) -> None:
        """Plug the cable back in; ``open()`` works again."""
        self.port.replug()


class NoIdCardReader:
    """No reader configured: residents type their name instead."""

    kind = "none"
    _WHY = "no ID-card reader configured (id_card_reader.kind = \"none\"); residents type their name instead"

    def __init__(self, device: str = "", baudrate: int = DEFAULT_BAUDRATE, **_ignored):
        pass

    def describe(self) -> str:
        return "no ID-card reader"

    def open(self) -> None:
        raise IdCardUnavailable(self._WHY)

    def find_card(self) -> Search:
        raise IdCardUnavailable(self._WHY)

    def read_found_card(self) -> IdCard:
        raise IdCardUnavailable(self._WHY)

    def read_card(self, timeout: float) -> IdCard | None:
        raise IdCardUnavailable(self._WHY)

    def check(self) -> str:
        raise IdCardUnavailable(self._WHY)

    def close(self) -> None:
        pass


KINDS: dict[str, type] = {"none": NoIdCardReader, "serial": SerialIdCardReader, "fake": FakeIdCardReader}
"""Config ``kind`` → implementation class (the one list of kinds)."""


def make_id_card_reader(kind: str, **options) -> IdCardReader:
    """An ID-card reader of *kind* (not opened). Options: ``device``, ``baudrate``.

    Raises :class:`IdCardError` for an unknown kind or bad options.
    """
    return build(KINDS, kind, options, IdCardError, "ID-card reader")


__all__ = [
    "BAUDRATES", "DEFAULT_BAUDRATE", "KINDS", "POLL_S", "IdCardError", "IdCardUnavailable", "IdCardBusy",
    "IdCardProtocolError", "IdCardTimeout", "IdCardFrameError", "IdCardChecksumError", "IdCardShortFrame",
    "IdCardStatusError", "IdCardRemoved", "IdCardInvalid", "IdNumberInvalid", "IdCardUnsupported",
    "Search", "IdCard", "IdCardReader", "SerialIdCardReader", "FakeIdCardReader", "NoIdCardReader",
    "make_id_card_reader", "mask_id_number", "validate_id_number", "SAMPLE_CARD", "sample_photo",
]
