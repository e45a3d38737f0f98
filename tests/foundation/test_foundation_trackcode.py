"""Tracking codes: format, Damm check digit properties, parsing of what people type."""

from __future__ import annotations

import itertools
import random

import pytest

from kiosk.core import trackcode
from kiosk.core.trackcode import CodeError


def test_format_and_compact():
    c = trackcode.make("0371", 45)
    assert str(c) == f"0371-000045-{c.check}"
    assert c.compact == f"0371000045{c.check}"
    assert trackcode.damm(c.compact) == 0


def test_known_damm_vector():
    # Wikipedia's worked example: 572 -> check digit 4.
    assert trackcode.damm("572") == 4
    assert trackcode.damm("5724") == 0


@pytest.mark.parametrize("typed", ["0371-000045-{c}", "0371000045{c}", " 0371 000045 {c} ",
                                   "０３７１－０００ ０４５－{c}", "0371.000045.{c}"])
def test_parse_accepts_separators_and_fullwidth(typed):
    c = trackcode.make("0371", 45)
    full = str(c.check).translate({0x30 + i: 0xFF10 + i for i in range(10)}) if "０" in typed else str(c.check)
    assert trackcode.parse(typed.format(c=full)) == c


def test_every_single_digit_error_and_adjacent_transposition_is_caught():
    rng = random.Random(7)
    for _ in range(300):
        c = trackcode.make(f"{rng.randrange(10000):04d}", rng.randrange(1, 10**6))
        digits = c.compact
        for i, d in itertools.product(range(len(digits)), "0123456789"):
            if d != digits[i]:
                wrong = digits[:i] + d + digits[i + 1:]
                with pytest.raises(CodeError, match="check digit wrong"):
                    trackcode.parse(wrong)
        for i in range(len(digits) - 1):
            if digits[i] != digits[i + 1]:
                swapped = digits[:i] + digits[i + 1] + digits[i] + digits[i + 2:]
                with pytest.raises(CodeError, match="check digit wrong"):
                    trackcode.parse(swapped)


@pytest.mark.parametrize("typed, words", [
    ("", "empty"), ("0371-abc", "only digits"), ("0371-45", "too short"),
    ("0371-000000-{c0}", "sequence 0"),
])
def test_malformed_codes_are_named(typed, words):
    c0 = trackcode.damm("0371000000")
    with pytest.raises(CodeError, match=words):
        trackcode.parse(typed.format(c0=c0))


def test_sequence_grows_past_six_digits():
    c = trackcode.make("0371", 1_234_567)
    assert trackcode.parse(str(c)) == c
