"""The frames of the SAM protocol: the encoder against the frames the protocol notes publish,
and the parser against what a line delivers (splits, noise, bad checksums, bad lengths)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.idcard_frames import (CARD_FOUND, FIND_CARD, OK, PREAMBLE, READ_BASE, SAM_STATUS, SELECT_CARD,
                                   FrameParser, IdCardChecksumError, IdCardFrameError, IdCardShortFrame,
                                   checksum, describe_status, encode_request, encode_response)

# The frames as the readers' protocol notes print them (docs/idcard.md, "Sources").
PUBLISHED = {
    "find request": ("aa aa aa 96 69 00 03 20 01 22", encode_request(FIND_CARD)),
    "select request": ("aa aa aa 96 69 00 03 20 02 21", encode_request(SELECT_CARD)),
    "read request": ("aa aa aa 96 69 00 03 30 01 32", encode_request(READ_BASE)),
    "found answer": ("aa aa aa 96 69 00 08 00 00 9f 00 00 00 00 97", encode_response(CARD_FOUND, bytes(4))),
    "selected answer": ("aa aa aa 96 69 00 0c 00 00 90 00 00 00 00 00 00 00 00 9c", encode_response(OK, bytes(8))),
    "read failed answer": ("aa aa aa 96 69 00 04 00 00 41 45", encode_response(0x41)),
}


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_encoder_gives_the_published_frames(name):
    published, ours = PUBLISHED[name]
    assert ours == bytes.fromhex(published)


def test_read_answer_header_is_the_published_one():
    answer = encode_response(OK, b"\x01\x00\x04\x00" + bytes(256 + 1024))
    assert answer[:14] == bytes.fromhex("aa aa aa 96 69 05 08 00 00 90 01 00 04 00")
    assert len(answer) == 1295  # the length the readers' notes give for the text + photo answer


def test_sam_status_request_and_checksum():
    assert encode_request(SAM_STATUS) == bytes.fromhex("aa aa aa 96 69 00 03 11 ff ed")
    assert checksum(b"\x00\x03\x11\xff") == 0xED
    assert checksum(b"") == 0


def _parse(*chunks: bytes, keep=None):
    p = FrameParser()
    for c in chunks:
        p.feed(c)
    return p, p.next_frame(keep)


def test_one_frame_fed_a_byte_at_a_time():
    raw = encode_response(CARD_FOUND, b"\x01\x02\x03\x04")
    p = FrameParser()
    for b in raw[:-1]:
        p.feed(bytes([b]))
        assert p.next_frame() is None  # incomplete: waits
    p.feed(raw[-1:])
    f = p.next_frame()
    assert (f.head, f.data, f.size, f.sw3) == (b"\x00\x00\x9f", b"\x01\x02\x03\x04", 4, CARD_FOUND)
    assert p.pending == 0 and p.noise == 0


def test_noise_before_the_preamble_is_skipped_and_counted():
    raw = encode_response(OK, b"xy")
    noise = b"\x00\xff\xaa\xaa\x96\xaa"       # parts of a preamble, but not a whole one
    p, f = _parse(noise[:3], noise[3:] + raw[:4], raw[4:])
    assert f.data == b"xy" and p.noise == len(noise)


def test_a_preamble_split_across_chunks_is_found():
    raw = encode_response(OK, b"z")
    for cut in range(1, len(PREAMBLE)):
        p, f = _parse(b"\x13\x37" + raw[:cut], raw[cut:])
        assert f is not None and f.data == b"z", cut


def test_bad_checksum_is_a_named_error_and_empties_the_parser():
    raw = bytearray(encode_response(OK, b"abc"))
    raw[-1] ^= 0x01
    p = FrameParser()
    p.feed(bytes(raw))
    with pytest.raises(IdCardChecksumError, match="checksum mismatch"):
        p.next_frame()
    assert p.pending == 0 and p.next_frame() is None


def test_a_data_byte_changed_fails_the_checksum():
    raw = bytearray(encode_response(OK, b"abc"))
    raw[11] ^= 0x40
    with pytest.raises(IdCardChecksumError):
        _parse(bytes(raw))


def test_length_shorter_than_the_status_bytes_is_a_short_frame():
    with pytest.raises(IdCardShortFrame, match="length 3 is shorter"):
        _parse(PREAMBLE + b"\x00\x03\x00\x00\x90")


def test_impossible_length_is_a_frame_error():
    with pytest.raises(IdCardFrameError, match="length 65535 is more than any answer"):
        _parse(PREAMBLE + b"\xff\xff\x00\x00\x90")


def test_keep_copies_only_the_first_data_bytes():
    data = bytes(range(200))
    p, f = _parse(encode_response(OK, data), keep=10)
    assert f.data == data[:10] and f.size == 200


def test_the_buffer_is_zeroed_after_a_frame_and_after_an_error():
    p = FrameParser()
    p.feed(encode_response(OK, b"SECRET-PHOTO" * 20) + b"trailing")
    p.next_frame(keep=0)
    assert not any(p._buf)  # the frame and what followed it: all zero
    raw = bytearray(encode_response(OK, b"SECRET-PHOTO"))
    raw[-1] ^= 1
    p.feed(bytes(raw))
    with pytest.raises(IdCardChecksumError):
        p.next_frame()
    assert not any(p._buf)


def test_request_frames_parse_with_a_two_byte_head():
    p = FrameParser(head=2)
    p.feed(encode_request(READ_BASE))
    f = p.next_frame()
    assert f.head == b"\x30\x01" and f.data == b""


def test_status_meanings():
    assert describe_status(0x80) == "no card found"
    assert describe_status(0x41) == "reading the card failed"
    assert "0x55" in describe_status(0x55) and "not in the protocol" in describe_status(0x55)


@given(data=st.binary(max_size=300), noise=st.binary(max_size=40), cuts=st.lists(st.integers(0, 400), max_size=6),
       sw3=st.integers(0, 255))
def test_any_frame_after_noise_split_anywhere_parses_to_itself(data, noise, cuts, sw3):
    noise = noise.replace(b"\xaa", b"\x00")  # noise cannot hold a preamble (it starts with AA)
    stream = noise + encode_response(sw3, data)
    points = sorted({min(c, len(stream)) for c in cuts})
    pieces = [stream[a:b] for a, b in zip([0] + points, points + [len(stream)])]
    p = FrameParser()
    frame = None
    for piece in pieces:
        p.feed(piece)
        frame = frame or p.next_frame()
    assert frame is not None
    assert (frame.sw3, frame.data, p.noise) == (sw3, data, len(noise))
