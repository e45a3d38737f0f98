"""The fake code reader: the real line parsing over an in-memory serial port; and kind "none"."""

from __future__ import annotations

import threading
import time

import pytest

from drivers.codereader import (CodeReader, CodeReaderUnavailable, FakeCodeReader, NoCodeReader,
                                SerialCodeReader, make_code_reader)


@pytest.fixture
def fake():
    r = make_code_reader("fake")
    r.open()
    yield r
    r.close()


def test_every_kind_meets_the_protocol():
    for kind, opts in (("none", {}), ("fake", {}), ("serial", {"device": "/dev/ttyACM0"})):
        assert isinstance(make_code_reader(kind, **opts), CodeReader)
    fake = make_code_reader("fake", device="ignored", baudrate=115200)
    assert isinstance(fake, FakeCodeReader) and isinstance(fake, SerialCodeReader)
    assert fake.describe() == "fake code reader (in memory)"


def test_scan_arrives_as_one_code(fake):
    fake.scan("0371-000042-7")
    fake.scan("民意站回执")
    assert fake.read_code(1) == "0371-000042-7"
    assert fake.read_code(1) == "民意站回执"
    assert fake.read_code(0.1) is None


def test_fake_runs_the_real_line_parsing(fake):
    fake.scan("gbk 回执", encoding="gb18030", suffix="\r\n")
    fake.feed(b"\x02" + b"x" * 2000)       # an over-long noise line …
    fake.feed(b"\r  \r0371")               # … its end, a blank line, half a code
    assert fake.read_code(1) == "gbk 回执"
    assert fake.read_code(0.1) is None      # the half code waits for its end
    fake.feed(b"000042\n")
    assert fake.read_code(1) == "0371000042"
    assert fake.dropped_lines == 1


def test_a_scan_from_another_thread_wakes_a_waiting_read(fake):
    threading.Timer(0.2, fake.scan, args=("0371000099",)).start()
    t = time.monotonic()
    assert fake.read_code(30) == "0371000099"
    assert time.monotonic() - t < 20


def test_unplug_makes_the_next_read_unavailable(fake):
    fake.scan("first")
    assert fake.read_code(1) == "first"
    fake.unplug()
    with pytest.raises(CodeReaderUnavailable, match="fake code reader .*unplugged"):
        fake.read_code(1)
    assert not fake.is_open
    with pytest.raises(CodeReaderUnavailable, match="fake code reader"):
        fake.open()
    fake.replug()
    fake.open()
    fake.scan("again")
    assert fake.read_code(1) == "again"


def test_unplug_during_a_waiting_read(fake):
    threading.Timer(0.2, fake.unplug).start()
    with pytest.raises(CodeReaderUnavailable):
        fake.read_code(30)


def test_close_ends_a_waiting_read_and_is_safe_twice():
    r = make_code_reader("fake")
    r.close()  # never opened
    r.open()
    threading.Timer(0.2, r.close).start()
    t = time.monotonic()
    assert r.read_code(30) is None
    assert time.monotonic() - t < 20
    r.close()
    r.close()
    with pytest.raises(CodeReaderUnavailable, match="not open"):
        r.read_code(0.1)


def test_reopening_forgets_a_partial_line():
    r = make_code_reader("fake")
    r.open()
    r.feed(b"half-a-co")
    assert r.read_code(0.05) is None
    r.close()
    r.open()
    r.scan("0371000042")
    assert r.read_code(1) == "0371000042"
    r.close()


def test_none_kind_says_there_is_no_reader():
    r = make_code_reader("none", device="", baudrate=9600)
    assert isinstance(r, NoCodeReader) and r.describe() == "no code reader"
    with pytest.raises(CodeReaderUnavailable, match="no code reader configured .*type the code"):
        r.open()
    with pytest.raises(CodeReaderUnavailable):
        r.read_code(0.1)
    r.close()
    r.close()


def test_driver_never_imports_kiosk_and_the_config_does_not_load_pyserial():
    import ast
    import subprocess
    import sys
    from pathlib import Path
    src = Path(__file__).resolve().parents[2] / "drivers" / "codereader.py"
    for node in ast.walk(ast.parse(src.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            assert not any(a.name.split(".")[0] == "kiosk" for a in node.names)
        if isinstance(node, ast.ImportFrom):
            assert (node.module or "").split(".")[0] != "kiosk"
    code = "import sys, kiosk.config, kiosk.doctor.codereader\nprint('serial' in sys.modules)\n"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False", out.stderr
