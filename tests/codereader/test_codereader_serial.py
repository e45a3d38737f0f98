"""The serial code reader on a real pty pair: what a QR scanner sends arrives as codes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time

import pytest

from drivers.codereader import CodeReaderBusy, CodeReaderUnavailable, make_code_reader

URL = "https://minyi.example.gov.cn/q?c=0371000042"


def test_cr_lf_and_crlf_suffixes_each_end_one_code(line, reader_on):
    ln = line()
    r = reader_on(ln.kiosk)
    ln.send(b"0371-000001-3\r" + b"0371-000002-1\n" + URL.encode() + b"\r\n")
    assert r.read_code(5) == "0371-000001-3"
    assert r.read_code(5) == "0371-000002-1"
    assert r.read_code(5) == URL
    assert r.read_code(0.3) is None  # the LF of CRLF is an empty line, not a code


def test_payload_split_across_two_writes_waits_for_its_end(line, reader_on):
    ln = line()
    r = reader_on(ln.kiosk)
    ln.send(b"0371-0000")
    assert r.read_code(0.3) is None   # half a code: kept, not returned, not lost
    time.sleep(0.2)
    ln.send(b"42-7\r")
    assert r.read_code(5) == "0371-000042-7"


def test_read_returns_as_soon_as_a_code_arrives(line, reader_on):
    ln = line()
    r = reader_on(ln.kiosk)
    threading.Timer(0.3, ln.send, args=(b"0371000099\r",)).start()
    t = time.monotonic()
    assert r.read_code(30) == "0371000099"
    assert time.monotonic() - t < 20  # woke with the code, did not sit out the 30 s


def test_utf8_and_gb18030_payloads_decode(line, reader_on):
    ln = line()
    r = reader_on(ln.kiosk)
    ln.send("民意站 回执 0371\r".encode("gb18030"))
    ln.send("民意站 回执 0372\r".encode("utf-8"))
    assert r.read_code(5) == "民意站 回执 0371"
    assert r.read_code(5) == "民意站 回执 0372"


def test_control_characters_and_edge_whitespace_are_removed(line, reader_on):
    ln = line()
    r = reader_on(ln.kiosk)
    ln.send(b"\x02  0371 000042 7 \x03\r" + b"\x00\t \x1b\r" + b"ok\r")
    assert r.read_code(5) == "0371 000042 7"
    assert r.read_code(5) == "ok"  # a line of only control characters and blanks is no code


def test_over_long_line_is_dropped_and_reading_goes_on(line, reader_on):
    ln = line()
    r = reader_on(ln.kiosk)
    ln.send(b"\xa5" * 600)                # noise without an end (wrong baud rate)
    assert r.read_code(0.5) is None
    ln.send(b"Z" * 300 + b"\r0371000042\r")  # the rest of that noise line, then a real code
    assert r.read_code(5) == "0371000042"
    assert r.dropped_lines == 1
    assert r.read_code(0.2) is None


def test_a_line_of_exactly_max_line_bytes_is_kept(line, reader_on):
    ln = line()
    r = reader_on(ln.kiosk, max_line=64)
    ln.send(b"A" * 64 + b"\r" + b"B" * 65 + b"\r")
    assert r.read_code(5) == "A" * 64
    assert r.read_code(0.5) is None and r.dropped_lines == 1


def test_timeout_returns_none_after_waiting(line, reader_on):
    ln = line()
    r = reader_on(ln.kiosk)
    t = time.monotonic()
    assert r.read_code(0.4) is None
    assert time.monotonic() - t >= 0.35  # it waited, it did not return at once
    assert r.read_code(0) is None


def test_absent_device_names_the_path(tmp_path):
    path = str(tmp_path / "ttyACM9")
    r = make_code_reader("serial", device=path)  # constructing touches nothing
    with pytest.raises(CodeReaderUnavailable, match="ttyACM9") as e:
        r.open()
    assert path in str(e.value)
    absent = make_code_reader("serial", device="/dev/ttyACM97")
    with pytest.raises(CodeReaderUnavailable, match="/dev/ttyACM97.*no such device"):
        absent.open()
    absent.close()  # without open: fine
    absent.close()


def test_line_hanging_up_mid_read_is_unavailable(line, reader_on):
    ln = line()
    r = reader_on(ln.kiosk)
    ln.send(b"0371")  # a partial code, then the cable goes
    threading.Timer(0.4, ln.stop).start()
    t = time.monotonic()
    with pytest.raises(CodeReaderUnavailable, match=ln.kiosk):
        r.read_code(20)
    assert time.monotonic() - t < 15
    assert not r.is_open
    with pytest.raises(CodeReaderUnavailable):
        r.read_code(0.1)  # stays unavailable until opened again
    r.close()


def test_reader_plugged_back_in_opens_again(line, reader_on):
    ln = line()
    r = reader_on(ln.kiosk)
    ln.stop()
    with pytest.raises(CodeReaderUnavailable):
        r.read_code(5)
    ln2 = line()  # the same path again (udev recreates the symlink)
    assert ln2.kiosk == ln.kiosk
    r.open()
    ln2.send(b"0371000042\r")
    assert r.read_code(5) == "0371000042"


def test_close_from_another_thread_ends_a_waiting_read(line, reader_on):
    ln = line()
    r = reader_on(ln.kiosk)
    threading.Timer(0.3, r.close).start()
    t = time.monotonic()
    assert r.read_code(20) is None
    assert time.monotonic() - t < 15
    assert not r.is_open


def test_a_second_reader_of_the_same_device_is_refused(line, reader_on):
    ln = line()
    first = reader_on(ln.kiosk)
    second = make_code_reader("serial", device=ln.kiosk)
    with pytest.raises(CodeReaderBusy, match="in use by another program"):
        second.open()
    ln.send(b"0371000042\r")
    assert first.read_code(5) == "0371000042"


def test_describe_and_bad_options():
    from drivers.codereader import CodeReaderError
    assert make_code_reader("serial", device="/dev/ttyACM0").describe() == "serial code reader /dev/ttyACM0 @ 9600"
    with pytest.raises(CodeReaderError, match="baudrate: expected one of .*9600.*got 9601"):
        make_code_reader("serial", device="/dev/ttyACM0", baudrate=9601)
    with pytest.raises(CodeReaderError, match="device: expected"):
        make_code_reader("serial")
    with pytest.raises(CodeReaderError, match="kind: expected one of none, serial, fake, got 'hid'"):
        make_code_reader("hid")
    with pytest.raises(CodeReaderError, match="serial code reader: .*colour"):
        make_code_reader("serial", device="/dev/ttyACM0", colour="red")


def test_device_without_permission_says_so(line, tmp_path):
    # As root every open succeeds, so the open runs as "nobody" against the real pty node
    # (socat makes it root-only, mode 0600), as the kiosk user meets a tty it may not open.
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root and setpriv (util-linux) to open the device as another user")
    node = os.path.realpath(line().kiosk)
    code = ("from drivers.codereader import make_code_reader, CodeReaderUnavailable\n"
            f"r = make_code_reader('serial', device={node!r})\n"
            "try:\n    r.open()\nexcept CodeReaderUnavailable as e:\n    print(e)\n")
    out = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                          sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         cwd="/")
    assert f"serial code reader {node} @ 9600: permission denied" in out.stdout, out.stderr
    assert "dialout" in out.stdout
