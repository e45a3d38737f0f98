"""The card record: the 256-byte text, the ID number's check character, masking."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.idcard_fake import SAMPLE_CARD
from drivers.idcard_record import (LAYOUT, TEXT_LENGTH, TYPE_OFFSET, IdCard, IdCardInvalid, IdCardUnsupported,
                                   IdNumberInvalid, check_character, encode_text, mask_id_number, parse_text,
                                   validate_id_number)

SAMPLE_NUMBER = "999999199003070012"


def test_check_character_of_the_standards_example_and_the_sample():
    # GB 11643's own worked example (a number of no one) ends in X.
    assert check_character("11010519491231002") == "X"
    assert check_character(SAMPLE_NUMBER[:17]) == SAMPLE_NUMBER[17]
    assert validate_id_number("11010519491231002x") == "11010519491231002X"  # a lower-case x is the same


@pytest.mark.parametrize("number, why", [
    ("11010519491231002", "18 characters, this one 17"),
    ("11010519491231002X1", "18 characters, this one 19"),
    ("1101051949123100AX", "17 digits"),
    ("１１０１０５１９４９１２３１００２Ｘ", "17 digits"),     # full-width digits are not digits here
    ("110105194912310021", "fails its check character"),
    ("999999199013320011", "birth date in the ID number is not a date"),
])
def test_invalid_numbers_are_named_errors_that_do_not_repeat_the_number(number, why):
    with pytest.raises(IdNumberInvalid, match=why) as e:
        validate_id_number(number)
    assert number[:17] not in str(e.value) and number[-6:] not in str(e.value)


@given(st.text("0123456789", min_size=17, max_size=17), st.integers(0, 16), st.integers(1, 9))
def test_mod_11_2_catches_every_single_digit_error(first17, at, delta):
    good = first17 + check_character(first17)
    wrong = good[:at] + str((int(good[at]) + delta) % 10) + good[at + 1:]
    assert check_character(wrong[:17]) != wrong[17]


@given(st.text("0123456789", min_size=17, max_size=17), st.integers(0, 15))
def test_mod_11_2_catches_every_adjacent_transposition(first17, at):
    if first17[at] == first17[at + 1]:
        return
    swapped = first17[:at] + first17[at + 1] + first17[at] + first17[at + 2:]
    assert check_character(swapped) != check_character(first17)


def test_masked_id_shows_only_the_last_four():
    assert SAMPLE_CARD.masked_id() == "**************0012"
    assert mask_id_number("11010519491231002X") == "**************002X"
    assert len(SAMPLE_CARD.masked_id()) == 18


def test_repr_and_str_never_show_the_number_or_the_name():
    for shown in (repr(SAMPLE_CARD), str(SAMPLE_CARD), f"{SAMPLE_CARD}", "%s" % (SAMPLE_CARD,),
                  repr([SAMPLE_CARD]), repr({"card": SAMPLE_CARD})):
        assert SAMPLE_NUMBER not in shown and SAMPLE_NUMBER[:14] not in shown
        assert "张三" not in shown and "示例" not in shown
        assert "0012" in shown


def test_the_record_has_no_photo():
    names = {f.name for f in dataclasses.fields(IdCard)}
    assert names == {"name", "sex", "nation", "birth_date", "address", "id_number", "authority",
                     "valid_from", "valid_until"}


def test_text_round_trip_and_the_fields():
    text = encode_text(SAMPLE_CARD)
    assert len(text) == TEXT_LENGTH == sum(size for _, size in LAYOUT)
    assert text[:4] == "张三".encode("utf-16-le") and text[4:6] == b" \x00"  # UCS-2 LE, space padded
    card = parse_text(text)
    assert card == SAMPLE_CARD
    assert (card.sex_name, card.nation_name, card.birth_date) == ("男", "汉", dt.date(1990, 3, 7))
    assert not card.expired(dt.date(2040, 1, 1)) and card.expired(dt.date(2040, 1, 2))


def test_long_term_validity_has_no_end():
    card = dataclasses.replace(SAMPLE_CARD, valid_until=None)
    text = encode_text(card)
    assert "长期".encode("utf-16-le") in text
    back = parse_text(text)
    assert back.valid_until is None and not back.expired(dt.date(2999, 1, 1))


def _with(field: str, value: str) -> bytes:
    """The sample's text with *field* replaced by *value* (space padded)."""
    text, at = bytearray(encode_text(SAMPLE_CARD)), 0
    for name, size in LAYOUT:
        if name == field:
            raw = value.encode("utf-16-le")
            text[at:at + size] = raw + " ".encode("utf-16-le") * ((size - len(raw)) // 2)
        at += size
    return bytes(text)


@pytest.mark.parametrize("field, value, error, why", [
    ("id_number", "999999199003070013", IdNumberInvalid, "fails its check character"),
    ("id_number", "999999199003070020", IdNumberInvalid, "sex differs"),            # even: a woman's
    ("birth_date", "19900308", IdNumberInvalid, "birth date differs"),
    ("birth_date", "1990030", IdCardInvalid, "birth date is not a date"),
    ("name", "", IdCardInvalid, "name is empty"),
    ("sex", "3", IdCardInvalid, "sex is not a GB/T 2261.1 code"),
    ("nation", "汉", IdCardInvalid, "nation is not a two-digit"),
    ("valid_until", "20190101", IdCardInvalid, "ends before it starts"),
    ("valid_from", "2020", IdCardInvalid, "validity start is not a date"),
])
def test_a_wrong_field_is_named_without_its_value(field, value, error, why):
    with pytest.raises(error, match=why) as e:
        parse_text(_with(field, value))
    assert SAMPLE_NUMBER not in str(e.value) and "张三" not in str(e.value)


def test_other_card_types_are_unsupported():
    text = bytearray(encode_text(SAMPLE_CARD))
    text[TYPE_OFFSET:TYPE_OFFSET + 2] = "I".encode("utf-16-le")
    with pytest.raises(IdCardUnsupported, match="card type 'I'"):
        parse_text(bytes(text))
    text[TYPE_OFFSET:TYPE_OFFSET + 2] = b"\x00\x00"  # blank as NULs: a resident card still
    assert parse_text(bytes(text)) == SAMPLE_CARD


def test_text_of_the_wrong_length():
    with pytest.raises(IdCardInvalid, match="255 bytes, not 256"):
        parse_text(encode_text(SAMPLE_CARD)[:255])


def test_a_record_cannot_hold_a_failing_number():
    with pytest.raises(IdNumberInvalid):
        dataclasses.replace(SAMPLE_CARD, id_number="999999199003070013")
