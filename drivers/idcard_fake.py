"""The fake ID-card reader's device side: a GA 450 reader emulated at its serial line.

:class:`IdCardEmulator` answers request frames as a real reader does (protocol notes, see
docs/idcard.md): find card 9F or 80, select card 90 or 81, read base information 90 with
text and photo, or 41; a request with a bad checksum gets 10, an unknown command 21. After
a successful read, find answers 80 until the card is taken away and put back, as readers
do (node-idcard-reader's README, 注意事项: the card must leave the reader before the next
find succeeds). :meth:`fault`
spoils the next answer the way a real line can: noise before it, a bad checksum, an
answer cut short, split in two, or none at all.

:class:`FakeIdCardPort` puts the emulator behind a :class:`~drivers.serialport.FakeSerialPort`,
so the real protocol code of :class:`~drivers.idcard.SerialIdCardReader` runs against it;
the socat tests run the same emulator behind a real pty. :data:`SAMPLE_CARD` is an
obviously fictitious person (张三, of 示例省) with a valid check character.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections import deque

from drivers.idcard_frames import (CARD_FOUND, FIND_CARD, NO_CARD, OK, READ_BASE, READ_FAILED, SAM_STATUS,
                                   SELECT_CARD, SELECT_FAILED, FrameParser, IdCardFrameError,
                                   encode_response)
from drivers.idcard_record import PHOTO_LENGTH, TEXT_LENGTH, IdCard, encode_text
from drivers.serialport import FakeSerialPort

SAMPLE_CARD = IdCard(
    name="张三", sex="1", nation="01", birth_date=dt.date(1990, 3, 7),
    address="示例省示例市样例路1号（样例卡，非真实证件）",
    # 999999 is no region code, so no real person has this number; the check character is right.
    id_number="999999199003070012", authority="示例市公安局",
    valid_from=dt.date(2020, 1, 1), valid_until=dt.date(2040, 1, 1))
"""The fake reader's card. Its ID number is ``999999199003070012`` (masked ``**************0012``)."""

FAULTS = ("noise", "checksum", "cut", "split", "silent", "short")
SPLIT_DELAY_S = 0.05


def sample_photo() -> bytes:
    """The fake card's 1024-byte "photo": a marker and pseudo-random bytes, made anew on each
    call so that no copy of it lives in the fake (the tests look for it in the driver)."""
    out = bytearray(b"WLT-SAMPLE-PHOTO")
    block = b"minyi-kiosk fake id card photo"
    while len(out) < PHOTO_LENGTH:
        block = hashlib.sha256(block).digest()
        out += block
    return bytes(out[:PHOTO_LENGTH])


class IdCardEmulator:
    """A reader with a card (or none) on it: request bytes in, answer chunks out."""

    def __init__(self, card: IdCard | None = SAMPLE_CARD):
        self.card = card
        self._requests = FrameParser(head=2)
        self._found = self._selected = self._locked = False
        self._faults: deque[tuple[str, tuple[int, int] | None]] = deque()
        self._remove_on: tuple[int, int] | None = None
        self.commands: list[tuple[int, int]] = []   # every request understood, in order
        self._lock = threading.Lock()

    def place(self, card: IdCard | None = SAMPLE_CARD) -> None:
        """A card put on the reader (again): the next find finds it."""
        with self._lock:
            self.card = card
            self._found = self._selected = self._locked = False

    def remove(self) -> None:
        """The card taken away."""
        with self._lock:
            self.card = None
            self._found = self._selected = self._locked = False

    def remove_on(self, command: tuple[int, int]) -> None:
        """The card is taken away just as *command* (e.g. ``READ_BASE``) arrives."""
        self._remove_on = command

    def fault(self, kind: str, command: tuple[int, int] | None = None) -> None:
        """Spoil the next answer (to *command*, e.g. ``READ_BASE``, or to any): one of
        :data:`FAULTS`. Faults queue up, one answer each, in order."""
        if kind not in FAULTS:
            raise ValueError(f"fault: expected one of {', '.join(FAULTS)}, got {kind!r}")
        self._faults.append((kind, command))

    def receive(self, data: bytes) -> list[bytes]:
        """Bytes from the host; the answer(s), in chunks to send one after another."""
        chunks: list[bytes] = []
        with self._lock:
            self._requests.feed(data)
            while True:
                try:
                    frame = self._requests.next_frame()
                except IdCardFrameError:  # the protocol's answer to a checksum (or length) error
                    chunks += self._spoil(None, encode_response(0x10))
                    continue
                if frame is None:
                    return chunks
                command = (frame.head[0], frame.head[1])
                chunks += self._spoil(command, self._answer(command))

    def _answer(self, command: tuple[int, int]) -> bytes:
        self.commands.append(command)
        if command == self._remove_on:
            self._remove_on, self.card = None, None
            self._found = self._selected = False
        have = self.card is not None
        if command == SAM_STATUS:
            return encode_response(OK)
        if command == FIND_CARD:
            self._found = have and not self._locked
            return encode_response(CARD_FOUND, bytes(4)) if self._found else encode_response(NO_CARD)
        if command == SELECT_CARD:
            self._selected = have and self._found
            return encode_response(OK, bytes(8)) if self._selected else encode_response(SELECT_FAILED)
        if command == READ_BASE:
            if not (have and self._selected):
                return encode_response(READ_FAILED)
            self._found = self._selected = False
            self._locked = True
            lengths = TEXT_LENGTH.to_bytes(2, "big") + PHOTO_LENGTH.to_bytes(2, "big")
            return encode_response(OK, lengths + encode_text(self.card) + sample_photo())
        return encode_response(0x21)

    def _spoil(self, command: tuple[int, int] | None, answer: bytes) -> list[bytes]:
        kind = None
        if self._faults and self._faults[0][1] in (None, command):
            kind = self._faults.popleft()[0]
        if kind == "noise":   # a wrong-baud burst and half a preamble before the answer
            return [b"\x00\xff\x13\xaa\xaa\x55\xaa" + answer]
        if kind == "checksum":
            return [answer[:-1] + bytes([answer[-1] ^ 0x5A])]
        if kind == "cut":
            return [answer[:len(answer) // 2]]
        if kind == "split":
            return [answer[:len(answer) // 3], answer[len(answer) // 3:]]
        if kind == "silent":
            return []
        if kind == "short":  # a length too small to hold the status bytes
            return [answer[:5] + b"\x00\x02\x00\x02"]
        return [answer]


class FakeIdCardPort(FakeSerialPort):
    """A :class:`FakeSerialPort` with an :class:`IdCardEmulator` behind it: what the driver
    writes is answered as a reader would; a split answer's later chunks come
    :data:`SPLIT_DELAY_S` apart, so the driver reads them separately."""

    def __init__(self, card: IdCard | None = SAMPLE_CARD):
        super().__init__()
        self.emulator = IdCardEmulator(card)

    def on_write(self, data: bytes) -> None:
        """The driver's request reaches the emulated reader, whose answer comes back."""
        chunks = self.emulator.receive(data)
        if chunks:
            self.feed(chunks[0])
        for i, chunk in enumerate(chunks[1:], 1):
            timer = threading.Timer(SPLIT_DELAY_S * i, self.feed, args=(chunk,))
            timer.daemon = True
            timer.start()


__all__ = ["SAMPLE_CARD", "FAULTS", "SPLIT_DELAY_S", "sample_photo", "IdCardEmulator", "FakeIdCardPort"]
