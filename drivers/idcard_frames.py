"""Frames of the ID-card reader's serial protocol (the SAM module protocol of GA 450 readers).

The framing, as the SAM module's protocol notes give it (公安部身份证阅读器模块SAM通讯协议;
the copies cited in docs/idcard.md):

- request:  ``AA AA AA 96 69 | Len1 Len2 | CMD PARA | data | CHK``
- response: ``AA AA AA 96 69 | Len1 Len2 | SW1 SW2 SW3 | data | CHK``

``Len`` is big-endian and counts every byte after it, the checksum included; ``CHK`` is the
XOR of every byte after the preamble (Len1 … the last data byte). SW1 SW2 are the card's
APDU status as the reader forwards it, SW3 the reader's own status (:data:`STATUS`).

:class:`FrameParser` turns bytes from the line into :class:`Frame` objects: noise before
the preamble is skipped, a frame split across reads waits for its rest, a bad checksum or
an impossible length is a named error. Its buffer has a fixed size and is zeroed after
every frame, and a caller can take only the first *keep* data bytes of a frame, so that
the photo in a card's answer is never copied out of it (docs/idcard.md, "The photo").
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from functools import reduce

PREAMBLE = b"\xaa\xaa\xaa\x96\x69"
HEADER = len(PREAMBLE) + 2          # preamble, Len1, Len2

# (CMD, PARA) of the commands this driver sends (protocol notes, table "CMD 和 Para").
SAM_STATUS = (0x11, 0xFF)           # SAM 状态检测: the reader checks its security module
FIND_CARD = (0x20, 0x01)            # 寻找证/卡
SELECT_CARD = (0x20, 0x02)          # 选取证/卡
READ_BASE = (0x30, 0x01)            # 读固定信息: 256 bytes of text and the 1024-byte photo

# SW3, the reader's status byte (protocol notes, table of SW1 SW2 SW3).
OK = 0x90
CARD_FOUND = 0x9F
NO_CARD = 0x80
SELECT_FAILED = 0x81
READ_FAILED = 0x41
STATUS = {
    0x90: "success",
    0x9F: "card found",
    0x10: "the reader received a frame with a bad checksum",
    0x11: "the reader received a frame of the wrong length",
    0x21: "the reader did not accept the command",
    0x24: "unrecognised error",
    0x31: "the card did not accept the reader (authentication)",
    0x32: "the reader did not accept the card (authentication)",
    0x33: "the card's information failed its check",
    0x40: "not an ID card",
    0x41: "reading the card failed",
    0x47: "getting a random number failed",
    0x60: "the reader's self-test failed; it accepts no command",
    0x66: "the reader is not authorised for use",
    0x80: "no card found",
    0x81: "selecting the card failed",
    0x91: "the card has no such item",
}

# The longest answer the protocol has is the read of text, photo and fingerprints (30 10:
# 2321 bytes with header, per the readers' notes); anything longer is noise, not a length.
MAX_LENGTH = 2400


class IdCardError(Exception):
    """Base class of the ID-card driver's errors (also: bad options, unknown kind).

    No message of this driver contains a full ID number, a name or an address.
    """


class IdCardProtocolError(IdCardError):
    """No good answer came over the line (noise, a cut frame, silence): worth one retry."""


class IdCardTimeout(IdCardProtocolError):
    """Nothing that starts a frame arrived in time (reader off, wrong baud rate, no reader)."""


class IdCardFrameError(IdCardProtocolError):
    """A frame arrived but is not a valid one (impossible length)."""


class IdCardChecksumError(IdCardFrameError):
    """A complete frame whose XOR checksum does not match: line noise."""


class IdCardShortFrame(IdCardFrameError):
    """A frame shorter than its status words, or one that stopped before its length."""


class IdCardStatusError(IdCardError):
    """The reader answered with an error status; :attr:`sw3` and :attr:`meaning` say which."""

    def __init__(self, message: str, *, command: tuple[int, int] | None = None, sw3: int | None = None):
        self.command = command
        self.sw3 = sw3
        super().__init__(message)

    @property
    def meaning(self) -> str:
        """The protocol's words for :attr:`sw3`."""
        return describe_status(self.sw3)


def describe_status(sw3: int | None) -> str:
    """The meaning of status byte *sw3* (unknown ones are named by their value)."""
    if sw3 is None:
        return "no status"
    return STATUS.get(sw3, f"status {sw3:#04x}, not in the protocol's table")


def checksum(body: bytes | memoryview) -> int:
    """XOR of *body*: every byte after the preamble, up to the checksum."""
    return reduce(operator.xor, body, 0)


def _frame(head: bytes, data: bytes) -> bytes:
    length = len(head) + len(data) + 1
    if length > 0xFFFF:
        raise IdCardError(f"frame data of {len(data)} bytes does not fit the 2-byte length")
    body = length.to_bytes(2, "big") + head + data
    return PREAMBLE + body + bytes([checksum(body)])


def encode_request(command: tuple[int, int], data: bytes = b"") -> bytes:
    """The request frame for *command* (``(CMD, PARA)``), e.g. ``FIND_CARD`` → ``AA AA AA 96 69 00 03 20 01 22``."""
    return _frame(bytes(command), data)


def encode_response(sw3: int, data: bytes = b"", sw1: int = 0, sw2: int = 0) -> bytes:
    """A response frame, as a reader sends it (for the fake reader and the tests)."""
    return _frame(bytes([sw1, sw2, sw3]), data)


@dataclass(frozen=True)
class Frame:
    """One decoded frame: *head* is SW1 SW2 SW3 of a response (CMD PARA of a request);
    *data* the first ``keep`` data bytes asked for, of *size* in the frame."""

    head: bytes
    data: bytes
    size: int

    @property
    def sw3(self) -> int:
        """The reader's status byte of a response."""
        return self.head[-1]


class FrameParser:
    """Bytes from the line in, :class:`Frame` objects out (see the module doc).

    *head* is the number of bytes between the length and the data: 3 for responses (SW1
    SW2 SW3), 2 for requests (CMD PARA, what a reader emulator parses).
    """

    def __init__(self, head: int = 3, max_length: int = MAX_LENGTH):
        self.head = head
        self.max_length = max_length
        # Fixed size: the buffer is never reallocated, so no stale copy of a frame (and
        # of a photo in it) is left behind in freed memory; it is zeroed after each frame.
        self._buf = bytearray(HEADER + max_length)
        self._n = 0
        self.noise = 0  # bytes skipped because no frame started there

    @property
    def pending(self) -> int:
        """Bytes of a frame that has started but is not complete yet."""
        return self._n

    def reset(self) -> None:
        """Forget a partial frame (the next exchange starts afresh); zeroes the buffer."""
        self._wipe()
        self.noise = 0

    def feed(self, data: bytes) -> None:
        """Add bytes from the line; bytes past a complete frame that fill the buffer are noise."""
        view = memoryview(data)
        while len(view):
            room = len(self._buf) - self._n
            if room == 0:
                self.noise += len(view)
                return
            take = min(room, len(view))
            self._buf[self._n:self._n + take] = view[:take]
            self._n += take
            view = view[take:]
            self._align()

    def _align(self) -> None:
        """Move the first preamble to the start of the buffer; what came before it is noise."""
        start = self._buf.find(PREAMBLE, 0, self._n)
        if start == 0:
            return
        if start < 0:  # keep a tail that may be the first bytes of a preamble
            keep = next((j for j in range(min(len(PREAMBLE) - 1, self._n), 0, -1)
                         if self._buf[self._n - j:self._n] == PREAMBLE[:j]), 0)
            start = self._n - keep
        self.noise += start
        with memoryview(self._buf) as mv:
            mv[:self._n - start] = mv[start:self._n]   # memmove in place, no copy
            mv[self._n - start:self._n] = bytes(start)
        self._n -= start

    def next_frame(self, keep: int | None = None) -> Frame | None:
        """The frame at the start of the buffer, or None while it is incomplete.

        Only its first *keep* data bytes (all with None) are copied out; then the buffer
        is zeroed whole (one answer per request: what follows a frame is dropped).
        Raises :class:`IdCardChecksumError`, :class:`IdCardShortFrame` or
        :class:`IdCardFrameError`; the parser is then empty.
        """
        if self._n < HEADER:
            return None
        length = int.from_bytes(self._buf[len(PREAMBLE):HEADER], "big")
        if length < self.head + 1:
            self._wipe()
            raise IdCardShortFrame(f"frame length {length} is shorter than its status bytes and checksum")
        if length > self.max_length:
            self._wipe()
            raise IdCardFrameError(f"frame length {length} is more than any answer of the protocol "
                                   f"({self.max_length}): noise on the line")
        end = HEADER + length
        if self._n < end:
            return None
        with memoryview(self._buf) as mv:
            good = checksum(mv[len(PREAMBLE):end - 1]) == self._buf[end - 1]
            size = length - self.head - 1
            first = HEADER + self.head
            frame = Frame(bytes(mv[HEADER:first]), bytes(mv[first:first + min(size, keep if keep is not None else size)]), size)
        self._wipe()
        if not good:
            raise IdCardChecksumError(f"checksum mismatch in a {end}-byte frame: line noise "
                                      "(check the cable and its length)")
        return frame

    def _wipe(self) -> None:
        self._buf[:self._n] = bytes(self._n)
        self._n = 0


__all__ = [
    "PREAMBLE", "HEADER", "SAM_STATUS", "FIND_CARD", "SELECT_CARD", "READ_BASE", "OK", "CARD_FOUND",
    "NO_CARD", "SELECT_FAILED", "READ_FAILED", "STATUS", "MAX_LENGTH", "IdCardError",
    "IdCardProtocolError", "IdCardTimeout", "IdCardFrameError", "IdCardChecksumError",
    "IdCardShortFrame", "IdCardStatusError", "describe_status", "checksum", "encode_request",
    "encode_response", "Frame", "FrameParser",
]
