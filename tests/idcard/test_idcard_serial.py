"""The serial ID-card reader on a real pty pair (socat): pyserial, the tty, answers paced at
115200 baud, the emulated reader on the far end."""

from __future__ import annotations

import threading
import time

import pytest

from drivers.idcard import (IdCardBusy, IdCardChecksumError, IdCardRemoved, IdCardShortFrame, IdCardTimeout,
                            IdCardUnavailable, Search, make_id_card_reader)
from drivers.idcard_fake import SAMPLE_CARD
from drivers.idcard_frames import FIND_CARD, READ_BASE, SELECT_CARD

PUBLISHED_REQUESTS = bytes.fromhex("aaaaaa9669 0003 2001 22" "aaaaaa9669 0003 2002 21" "aaaaaa9669 0003 3001 32")


def test_reads_the_card_with_the_published_request_frames(line, reader_on):
    kiosk, device = line
    r = reader_on(kiosk)
    t = time.monotonic()
    card = r.read_card(5)
    assert card == SAMPLE_CARD
    assert bytes(device.received) == PUBLISHED_REQUESTS   # exactly find, select, read
    # 1295 bytes at 115200 baud take 0.11 s: the answer came over many reads, and in time
    assert time.monotonic() - t < 3


def test_an_answer_split_with_a_pause_is_put_together(line, reader_on):
    kiosk, device = line
    device.emulator.fault("split", READ_BASE)
    assert reader_on(kiosk).read_card(5) == SAMPLE_CARD


def test_noise_before_the_answer_is_skipped(line, reader_on):
    kiosk, device = line
    device.emulator.fault("noise", FIND_CARD)
    device.emulator.fault("noise", READ_BASE)
    assert reader_on(kiosk).read_card(5) == SAMPLE_CARD


def test_bad_checksum_then_a_clean_retry(line, reader_on):
    kiosk, device = line
    r = reader_on(kiosk)
    device.emulator.fault("checksum", READ_BASE)
    with pytest.raises(IdCardChecksumError, match=f"{kiosk} @ 115200: answer to read base information"):
        r.read_card(5)
    device.emulator.place()
    assert r.read_card(5) == SAMPLE_CARD


def test_an_answer_cut_short_is_a_short_frame(line, reader_on):
    kiosk, device = line
    device.emulator.fault("cut", READ_BASE)
    with pytest.raises(IdCardShortFrame, match="stopped after 647 bytes"):
        reader_on(kiosk).read_card(5)


def test_a_silent_reader_times_out(line, reader_on):
    kiosk, device = line
    device.emulator.fault("silent", FIND_CARD)
    t = time.monotonic()
    with pytest.raises(IdCardTimeout, match="find card .*no answer within 1.0 s"):
        reader_on(kiosk).find_card()
    assert 0.95 <= time.monotonic() - t < 5


def test_no_card_polls_and_returns_none(line, reader_on):
    kiosk, device = line
    device.emulator.remove()
    r = reader_on(kiosk)
    assert r.find_card() is Search.NO_CARD
    assert r.read_card(0.8) is None
    assert device.emulator.commands.count(FIND_CARD) >= 2 and SELECT_CARD not in device.emulator.commands


def test_card_taken_away_after_find(line, reader_on):
    kiosk, device = line
    device.emulator.remove_on(SELECT_CARD)
    with pytest.raises(IdCardRemoved) as e:
        reader_on(kiosk).read_card(5)
    assert e.value.sw3 == 0x81


def test_line_hanging_up_is_unavailable_and_the_reader_opens_again(pty_line, socat_pair, reader_on):
    kiosk, device = pty_line()
    device.emulator.remove()
    r = reader_on(kiosk)
    threading.Timer(0.4, socat_pair.hang_up, args=(kiosk,)).start()
    t = time.monotonic()
    with pytest.raises(IdCardUnavailable, match=f"{kiosk} @ 115200: the reader stopped answering"):
        r.read_card(20)
    assert time.monotonic() - t < 15 and not r.is_open
    kiosk2, _ = pty_line()   # plugged back in: udev makes the same link anew
    assert kiosk2 == kiosk
    r.open()
    assert r.read_card(5) == SAMPLE_CARD


def test_close_from_another_thread_ends_the_wait(line, reader_on):
    kiosk, device = line
    device.emulator.remove()
    r = reader_on(kiosk)
    threading.Timer(0.3, r.close).start()
    t = time.monotonic()
    assert r.read_card(20) is None
    assert time.monotonic() - t < 10 and not r.is_open


def test_a_second_opener_is_told_the_reader_is_busy(line, reader_on):
    kiosk, device = line
    first = reader_on(kiosk)
    second = make_id_card_reader("serial", device=kiosk)
    with pytest.raises(IdCardBusy, match="in use by another program"):
        second.open()
    assert first.read_card(5) == SAMPLE_CARD


def test_absent_device_names_the_path(tmp_path):
    path = str(tmp_path / "ttyUSB9")
    r = make_id_card_reader("serial", device=path)   # constructing touches nothing
    with pytest.raises(IdCardUnavailable, match="ttyUSB9 @ 115200: no such device") as e:
        r.open()
    assert path in str(e.value)
    absent = make_id_card_reader("serial", device="/dev/ttyUSB97")
    with pytest.raises(IdCardUnavailable, match="/dev/ttyUSB97 @ 115200: no such device .*id_card_reader.device"):
        absent.open()
    absent.close()
    absent.close()
