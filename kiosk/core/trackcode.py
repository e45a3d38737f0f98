"""Tracking codes: station number + per-station sequence + a Damm check digit.

``0371-000045-4``: station 0371, its 45th item, check digit 4. The code never depends
on the wall clock (Raspberry Pi boards have no RTC), is short enough to type on a
numeric pad, and the Damm check digit catches every single-digit error and every
adjacent transposition (H. M. Damm, "Total anti-symmetrische Quasigruppen", 2004), so a
typo is reported as "check digit wrong" rather than "not found".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The weakly totally anti-symmetric quasigroup of order 10 from Damm's thesis.
_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)

STATION_DIGITS = 4
SEQ_DIGITS = 6  # grows past 999999 rather than wrapping; parsing accepts the longer form


class CodeError(ValueError):
    """A tracking code that cannot be right, with the reason in ``str()``.

    ``check_digit_wrong`` is True for a well-formed code whose check digit does not
    match: a typo, which the lookup screen words differently from a malformed code.
    """

    def __init__(self, message: str, *, check_digit_wrong: bool = False):
        self.check_digit_wrong = check_digit_wrong
        super().__init__(message)


def damm(digits: str) -> int:
    """The Damm check digit of a string of decimal digits."""
    interim = 0
    for ch in digits:
        interim = _DAMM[interim][ord(ch) - 48]
    return interim


@dataclass(frozen=True, order=True)
class TrackingCode:
    """A parsed, check-digit-verified tracking code."""

    station: str
    seq: int

    @property
    def check(self) -> int:
        return damm(self.station + f"{self.seq:0{SEQ_DIGITS}d}")

    @property
    def compact(self) -> str:
        """Digits only, as stored and as carried in the QR code."""
        return f"{self.station}{self.seq:0{SEQ_DIGITS}d}{self.check}"

    def __str__(self) -> str:
        """Grouped for people: ``0371-000045-4``."""
        return f"{self.station}-{self.seq:0{SEQ_DIGITS}d}-{self.check}"


_STATION = re.compile(r"[0-9]{%d}" % STATION_DIGITS)


def is_station(text: object) -> bool:
    """Whether *text* is a station number: exactly :data:`STATION_DIGITS` ASCII digits."""
    return isinstance(text, str) and _STATION.fullmatch(text) is not None


def make(station: str, seq: int) -> TrackingCode:
    """The code for item number *seq* (1-based) of *station*."""
    if not is_station(station):
        raise CodeError(f"station number must be {STATION_DIGITS} digits, got {station!r}")
    if seq < 1:
        raise CodeError(f"sequence must be 1 or more, got {seq}")
    return TrackingCode(station, seq)


_SEPARATORS = re.compile(r"[\s\-－—_./·]+")


def parse(text: str) -> TrackingCode:
    """Parse a code typed or scanned by a person, with or without separators.

    Raises :class:`CodeError` with "check digit wrong" for a typo, or a description of
    what is malformed.
    """
    raw = _SEPARATORS.sub("", text or "")
    # Full-width digits from a Chinese IME are still digits.
    raw = raw.translate({0xFF10 + i: 0x30 + i for i in range(10)})
    if not raw:
        raise CodeError("tracking code is empty")
    if not raw.isascii() or not raw.isdigit():
        raise CodeError(f"tracking code may contain only digits and separators, got {text!r}")
    need = STATION_DIGITS + SEQ_DIGITS + 1
    if len(raw) < need:
        raise CodeError(f"tracking code too short: expected {need} digits, got {len(raw)}")
    if damm(raw) != 0:
        raise CodeError("check digit wrong: please re-type the tracking code", check_digit_wrong=True)
    station, seq = raw[:STATION_DIGITS], int(raw[STATION_DIGITS:-1])
    if seq < 1:
        raise CodeError("tracking code has sequence 0, which is never issued")
    return TrackingCode(station, seq)
