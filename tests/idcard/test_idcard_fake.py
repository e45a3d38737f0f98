"""The reader's protocol code through the fake port (an emulated reader answering with real
frames): reads, no card, a card removed mid-read, line faults, closing, unplugging, the
photo never kept; and the kinds "none" and "fake"."""

from __future__ import annotations

import gc
import threading
import time
import types

import pytest

from drivers import idcard_fake
from drivers.idcard import (POLL_S, IdCardBusy, IdCardChecksumError, IdCardError, IdCardFrameError, IdCardReader,
                            IdCardRemoved, IdCardShortFrame, IdCardStatusError, IdCardTimeout, IdCardUnavailable,
                            IdNumberInvalid, NoIdCardReader, SerialIdCardReader, Search, make_id_card_reader)
from drivers.idcard_fake import SAMPLE_CARD, IdCardEmulator, sample_photo
from drivers.idcard_frames import (FIND_CARD, OK, READ_BASE, SAM_STATUS, SELECT_CARD, encode_request,
                                   encode_response)
from drivers.serialport import FakeSerialPort

NUMBER = "999999199003070012"


class ScriptedPort(FakeSerialPort):
    """A port whose device answers each request with the next of *answers* (raw bytes)."""

    def __init__(self, *answers: bytes):
        super().__init__()
        self.answers = list(answers)

    def on_write(self, data: bytes) -> None:
        if self.answers:
            self.feed(self.answers.pop(0))


def _scripted(*answers: bytes) -> SerialIdCardReader:
    port = ScriptedPort(*answers)
    r = SerialIdCardReader(port_factory=lambda: port)
    r.open()
    return r


def test_every_kind_meets_the_protocol_and_describes_itself():
    for kind, opts, words in (("none", {}, "no ID-card reader"), ("fake", {}, "fake ID-card reader"),
                              ("serial", {"device": "/dev/ttyUSB0"}, "serial ID-card reader /dev/ttyUSB0 @ 115200")):
        r = make_id_card_reader(kind, **opts)
        assert isinstance(r, IdCardReader) and words in r.describe()
    assert isinstance(make_id_card_reader("fake", device="ignored", baudrate=9600), SerialIdCardReader)


def test_bad_options_are_named():
    with pytest.raises(IdCardError, match="baudrate: expected one of 9600, 19200, 38400, 57600, 115200, got 4800"):
        make_id_card_reader("serial", device="/dev/ttyUSB0", baudrate=4800)
    with pytest.raises(IdCardError, match="device: expected"):
        make_id_card_reader("serial")
    with pytest.raises(IdCardError, match="kind: expected one of none, serial, fake, got 'usb'"):
        make_id_card_reader("usb")
    with pytest.raises(IdCardError, match="serial ID-card reader: .*parity"):
        make_id_card_reader("serial", device="/dev/ttyUSB0", parity="E")


def test_the_fake_reads_its_sample_card_with_the_three_commands(fake):
    card = fake.read_card(2)
    assert card == SAMPLE_CARD and card.masked_id() == "**************0012"
    assert fake.emulator.commands == [FIND_CARD, SELECT_CARD, READ_BASE]


def test_a_card_once_read_is_not_found_again_until_put_back(fake):
    assert fake.read_card(1) == SAMPLE_CARD
    assert fake.find_card() is Search.NO_CARD   # the reader's lock-out
    fake.emulator.place()
    assert fake.read_card(1) == SAMPLE_CARD


def test_no_card_is_a_result_not_an_error(fake):
    fake.emulator.remove()
    assert fake.find_card() is Search.NO_CARD
    t = time.monotonic()
    assert fake.read_card(0.6) is None
    assert time.monotonic() - t >= 0.55                              # it kept looking …
    assert fake.emulator.commands.count(FIND_CARD) >= 2 and POLL_S < 0.6   # … with a find every POLL_S


def test_a_card_put_down_while_waiting_is_read(fake):
    fake.emulator.remove()
    threading.Timer(0.4, fake.emulator.place).start()
    assert fake.read_card(5) == SAMPLE_CARD


@pytest.mark.parametrize("command, sw3", [(SELECT_CARD, 0x81), (READ_BASE, 0x41)])
def test_card_removed_between_find_and_read(fake, command, sw3):
    fake.emulator.remove_on(command)
    with pytest.raises(IdCardRemoved, match="moved away before it was read") as e:
        fake.read_card(1)
    assert e.value.sw3 == sw3 and e.value.command == command
    fake.emulator.place()
    assert fake.read_card(1) == SAMPLE_CARD   # put back: read


@pytest.mark.parametrize("kind", ["noise", "split"])
def test_noise_before_an_answer_and_a_split_answer_still_read(fake, kind):
    fake.emulator.fault(kind, READ_BASE)
    fake.emulator.fault(kind, FIND_CARD)
    assert fake.read_card(2) == SAMPLE_CARD


@pytest.mark.parametrize("kind, command, error, words", [
    ("checksum", FIND_CARD, IdCardChecksumError, "find card .*checksum mismatch"),
    ("checksum", READ_BASE, IdCardChecksumError, "read base information .*checksum mismatch"),
    ("cut", READ_BASE, IdCardShortFrame, "read base information .*stopped after 647 bytes"),
    ("short", SELECT_CARD, IdCardShortFrame, "select card .*length 2 is shorter"),
    ("silent", FIND_CARD, IdCardTimeout, "find card .*no answer within 1.0 s; is the reader powered"),
])
def test_line_faults_are_named_errors_and_pass(fake, kind, command, error, words):
    fake.emulator.fault(kind, command)
    with pytest.raises(error, match=words):
        fake.read_card(1)
    fake.emulator.place()
    assert fake.read_card(2) == SAMPLE_CARD   # the next try is clean


def test_silence_waits_the_command_timeout(fake):
    fake.emulator.fault("silent")
    t = time.monotonic()
    with pytest.raises(IdCardTimeout):
        fake.find_card()
    assert 0.95 <= time.monotonic() - t < 5


def test_noise_instead_of_an_answer_suggests_the_baud_rate():
    r = _scripted(b"\x13\x00\xff" * 10)
    with pytest.raises(IdCardTimeout, match="30 bytes of noise came instead .*baud rate"):
        r.find_card()


def test_other_reader_status_is_a_status_error_with_its_meaning():
    r = _scripted(encode_response(0x60))
    with pytest.raises(IdCardStatusError, match="SAM status .*self-test failed") as e:
        r.check()
    assert not isinstance(e.value, IdCardRemoved) and e.value.sw3 == 0x60
    assert e.value.meaning == "the reader's self-test failed; it accepts no command"
    r = _scripted(encode_response(0x66))
    with pytest.raises(IdCardStatusError, match="find card .*not authorised"):
        r.find_card()


def test_check_asks_the_sam_status(fake):
    assert "security module (SAM) reports ready" in fake.check()
    assert fake.emulator.commands == [SAM_STATUS]


def test_read_answer_whose_lengths_do_not_add_up_is_a_frame_error():
    found, selected = encode_response(0x9F, bytes(4)), encode_response(OK, bytes(8))
    bad = encode_response(OK, b"\x01\x00\x03\x00" + bytes(1280))   # says 768 bytes of photo, has 1024
    r = _scripted(found, selected, bad)
    with pytest.raises(IdCardFrameError, match="announces 256 bytes of text and 768 of photo"):
        r.read_card(1)


def test_a_card_failing_its_check_character_is_a_named_error(fake, monkeypatch):
    real = idcard_fake.encode_text
    monkeypatch.setattr(idcard_fake, "encode_text",
                        lambda card: real(card).replace("0012".encode("utf-16-le"), "0013".encode("utf-16-le")))
    with pytest.raises(IdNumberInvalid, match="fails its check character") as e:
        fake.read_card(1)
    assert NUMBER[:-1] not in str(e.value) and "张三" not in str(e.value)


def test_close_from_another_thread_ends_a_waiting_read_card(fake):
    fake.emulator.remove()
    threading.Timer(0.3, fake.close).start()
    t = time.monotonic()
    assert fake.read_card(20) is None
    assert time.monotonic() - t < 5 and not fake.is_open
    with pytest.raises(IdCardUnavailable, match="not open"):
        fake.read_card(0.1)
    fake.close()


def test_unplugged_reader_is_unavailable_until_plugged_back(fake):
    fake.unplug()
    with pytest.raises(IdCardUnavailable, match="stopped answering .*unplugged"):
        fake.read_card(1)
    assert not fake.is_open
    with pytest.raises(IdCardUnavailable, match="no such device"):
        fake.open()
    fake.replug()
    fake.open()
    assert fake.read_card(1) == SAMPLE_CARD


def test_kind_none_says_there_is_no_reader():
    r = make_id_card_reader("none", device="", baudrate=115200)
    assert isinstance(r, NoIdCardReader)
    for call in (r.open, r.find_card, r.read_found_card, r.check, lambda: r.read_card(0.1)):
        with pytest.raises(IdCardUnavailable, match="no ID-card reader configured .*type their name"):
            call()
    assert not isinstance(IdCardUnavailable("x"), IdCardBusy)
    r.close()


def test_the_emulator_answers_bad_requests_as_a_reader_does():
    emu = IdCardEmulator()
    bad = bytearray(encode_request(FIND_CARD))
    bad[-1] ^= 0xFF
    assert emu.receive(bytes(bad)) == [encode_response(0x10)]
    assert emu.receive(encode_request((0x42, 0x42))) == [encode_response(0x21)]
    assert emu.receive(encode_request(SELECT_CARD)) == [encode_response(0x81)]  # not found first


# -- the photo ---------------------------------------------------------------------------
PHOTO = sample_photo()
MARKERS = (PHOTO[:16], PHOTO[500:532], PHOTO[-32:])


def _holds_photo(*roots) -> bool:
    """Whether any bytes-like object reachable from *roots* holds a piece of the photo.
    Modules, classes and functions are not followed (they reach everything)."""
    seen, stack = set(), list(roots)
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, (type, types.ModuleType, types.FunctionType)):
            continue
        seen.add(id(obj))
        if isinstance(obj, (bytes, bytearray, memoryview)):
            if any(m in bytes(obj) for m in MARKERS):
                return True
            continue
        stack.extend(gc.get_referents(obj))
    return False


def test_the_photo_is_not_kept_after_a_read(fake):
    card = fake.read_card(2)
    assert card == SAMPLE_CARD
    assert not _holds_photo(fake, card)   # the reader, its parser, the port, the emulator, the record


def test_the_photo_walk_would_see_a_kept_photo(fake):
    # Controls: the walk above does find the photo where a careless driver could keep it.
    fake._parser.feed(encode_response(OK, b"\x01\x00\x04\x00" + bytes(256) + sample_photo()))
    assert _holds_photo(fake)                  # the parser's buffer before it is wiped
    fake._parser.reset()
    assert not _holds_photo(fake)
    fake.last_answer = {"photo": sample_photo()}
    assert _holds_photo(fake)


def test_drivers_never_import_kiosk():
    import ast
    from pathlib import Path
    root = Path(__file__).resolve().parents[2] / "drivers"
    for src in ("idcard.py", "idcard_frames.py", "idcard_record.py", "idcard_fake.py", "serialport.py"):
        for node in ast.walk(ast.parse((root / src).read_text("utf-8"))):
            if isinstance(node, ast.Import):
                assert not any(a.name.split(".")[0] == "kiosk" for a in node.names), src
            if isinstance(node, ast.ImportFrom):
                assert (node.module or "").split(".")[0] != "kiosk", src
