"""The [code_reader] section and the `kiosk doctor` line for the reader."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from kiosk import config as configmod
from kiosk.doctor.codereader import probe
from kiosk.config.codereader import CodeReaderSettings
from kiosk.config import ConfigError
from kiosk.doctor import FAIL, OK, SKIP, WARN


def test_defaults_need_no_reader(cfg):
    assert cfg.code_reader == CodeReaderSettings(kind="none", device="", baudrate=9600)
    assert cfg.code_reader.build().describe() == "no code reader"
    assert cfg.code_reader.build(fake_hardware=True).describe() == "fake code reader (in memory)"


def test_serial_section_reaches_the_driver(write_config):
    cfg = configmod.load(write_config('[code_reader]\nkind = "serial"\ndevice = "/dev/ttyACM0"\nbaudrate = 115200\n'))
    assert (cfg.code_reader.kind, cfg.code_reader.device, cfg.code_reader.baudrate) == ("serial", "/dev/ttyACM0", 115200)
    assert cfg.code_reader.build().describe() == "serial code reader /dev/ttyACM0 @ 115200"


@pytest.mark.parametrize("text, key, words", [
    ('kind = "hid"', "code_reader.kind", "expected one of none, serial, fake, got 'hid'"),
    ('kind = "serial"', "code_reader.device", "expected the reader's serial device"),
    ('kind = "serial"\ndevice = "  "', "code_reader.device", "/dev/ttyACM0"),
    ("baudrate = 9601", "code_reader.baudrate", "expected one of 1200, 2400"),
    ('baudrate = "9600"', "code_reader.baudrate", "expected an integer"),
    ("suffix = \"CR\"", "code_reader.suffix", "unknown key"),
])
def test_bad_values_name_the_key(write_config, text, key, words):
    with pytest.raises(ConfigError) as e:
        configmod.load(write_config(f"[code_reader]\n{text}\n"))
    assert e.value.key == key
    assert words in str(e.value)


def test_doctor_skips_an_unconfigured_reader_saying_codes_are_typed(cfg):
    c = probe(cfg.code_reader)
    assert c.name == "code_reader" and c.status == SKIP
    assert "code_reader.kind = \"none\"" in c.detail and "type the code" in c.detail


def test_doctor_warns_about_the_fake_reader():
    c = probe(CodeReaderSettings(kind="fake"))
    assert c.status == WARN and "fake code reader" in c.detail and "no hardware" in c.detail


def test_doctor_fails_an_absent_reader_naming_the_device(tmp_path):
    path = str(tmp_path / "ttyACM5")
    c = probe(CodeReaderSettings(kind="serial", device=path))
    assert c.status == FAIL
    assert path in c.detail and "no such device" in c.detail and "type the code" in c.detail


def test_doctor_opens_a_present_reader(line):
    ln = line()
    c = probe(CodeReaderSettings(kind="serial", device=ln.kiosk, baudrate=9600))
    assert c.status == OK, c.detail
    assert f"serial code reader {ln.kiosk} @ 9600" in c.detail


def test_doctor_reports_a_reader_held_by_the_app_as_present(line, reader_on):
    ln = line()
    reader_on(ln.kiosk)  # the running app holds it
    c = probe(CodeReaderSettings(kind="serial", device=ln.kiosk))
    assert c.status == OK and "in use by another program" in c.detail


def test_doctor_fails_a_reader_whose_open_never_returns(monkeypatch):
    """The shared probe (kiosk/doctor/_probe.py) gives up after its time limit, for both
    readers, and says what is then off."""
    import threading

    from kiosk.config.idcard import IdCardReaderSettings
    from kiosk.doctor import idcard

    release = threading.Event()

    class Wedged:
        def describe(self):
            return "wedged adapter /dev/ttyUSB9"

        def open(self):
            release.wait(10)  # a USB-serial bridge that hangs in open()

        def close(self):
            pass

    try:
        for settings_cls, probe_fn, off in ((CodeReaderSettings, probe, "type the code"),
                                            (IdCardReaderSettings, idcard.probe, "type their name")):
            monkeypatch.setattr(settings_cls, "build", lambda self, **kw: Wedged())
            c = probe_fn(settings_cls(kind="serial", device="/dev/ttyUSB9"), timeout=0.2)
            assert c.status == FAIL, c
            assert "wedged adapter /dev/ttyUSB9: no answer within 0 s" in c.detail and off in c.detail
    finally:
        release.set()


def test_kiosk_doctor_lists_the_code_reader(write_config, tmp_path):
    path = write_config(f'[code_reader]\nkind = "serial"\ndevice = "{tmp_path}/ttyNone"\n')
    out = subprocess.run([sys.executable, "-m", "kiosk", "--config", str(path), "--json", "doctor"],
                         capture_output=True, text=True, timeout=120)
    checks = {c["name"]: c for c in json.loads(out.stdout)["checks"]}
    assert checks["code_reader"]["status"] == FAIL and "ttyNone" in checks["code_reader"]["detail"]
    assert out.returncode != 0


def _kiosk(*argv, **kw):
    return subprocess.Popen([sys.executable, "-m", "kiosk", *argv], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kw)


def test_kiosk_codereader_prints_what_was_scanned(write_config, line):
    ln = line()
    path = write_config(f'[code_reader]\nkind = "serial"\ndevice = "{ln.kiosk}"\n'
                        '[receipt]\nlookup_url = "https://minyi.example.gov.cn/q?c={code}"\n')
    from kiosk.core import trackcode
    code = trackcode.make("0371", 42)
    proc = _kiosk("--config", str(path), "codereader", "--count", "3", "--timeout", "20")
    first = proc.stdout.readline()  # printed once the port is open
    assert f"serial code reader {ln.kiosk} @ 9600: scan a receipt" in first, proc.stderr.read()
    ln.send(f"https://minyi.example.gov.cn/q?c={code.compact}\r".encode() + b"hello\r\n"
            + f"https://minyi.example.gov.cn/q?c={code.compact}#k=480153\n".encode())
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert f"tracking code {code}, no receipt secret" in out
    assert "scanned 'hello': no tracking code" in out
    # The receipt secret is recognised but never printed: a maintainer may scan a resident's receipt.
    assert f"c={code.compact}#k=******': tracking code {code}, with receipt secret" in out
    assert "480153" not in out


def test_kiosk_codereader_fails_clearly(write_config, line):
    ln = line()
    path = write_config(f'[code_reader]\nkind = "serial"\ndevice = "{ln.kiosk}"\n')
    proc = _kiosk("--config", str(path), "--json", "codereader", "--timeout", "0.3")
    out, _ = proc.communicate(timeout=60)
    data = json.loads(out)
    assert proc.returncode == 1 and data["ok"] is False and data["scans"] == []
    assert "nothing scanned within 0.3 s" in data["error"]
    proc = _kiosk("--config", str(write_config()), "codereader")
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1 and "no code reader configured" in err
