"""The [id_card_reader] section, the `kiosk doctor` line and `kiosk idcard`."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from kiosk import config as configmod
from kiosk.config import ConfigError
from kiosk.config.idcard import IdCardReaderSettings
from kiosk.doctor import FAIL, OK, SKIP, WARN
from kiosk.doctor.idcard import probe


def _kiosk(*argv, timeout=120):
    p = subprocess.run([sys.executable, "-m", "kiosk", *argv], capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def test_defaults_need_no_reader(cfg):
    assert cfg.id_card_reader == IdCardReaderSettings(kind="none", device="", baudrate=115200)
    assert "fake" in cfg.id_card_reader.build(fake_hardware=True).describe()


def test_serial_section_reaches_the_driver(write_config):
    cfg = configmod.load(write_config('[id_card_reader]\nkind = "serial"\ndevice = "/dev/ttyUSB3"\nbaudrate = 9600\n'))
    assert cfg.id_card_reader.build().describe() == "serial ID-card reader /dev/ttyUSB3 @ 9600"


@pytest.mark.parametrize("text, key, words", [
    ('kind = "usb"', "id_card_reader.kind", "expected one of none, serial, fake, got 'usb'"),
    ('kind = "serial"', "id_card_reader.device", "expected the reader's serial device"),
    ("baudrate = 4800", "id_card_reader.baudrate", "expected one of 9600, 19200"),
    ("photo = true", "id_card_reader.photo", "unknown key"),
])
def test_bad_values_name_the_key(write_config, text, key, words):
    with pytest.raises(ConfigError) as e:
        configmod.load(write_config(f"[id_card_reader]\n{text}\n"))
    assert e.value.key == key and words in str(e.value)


def test_doctor_skips_an_unconfigured_reader_saying_names_are_typed(cfg):
    c = probe(cfg.id_card_reader)
    assert c.name == "id_card_reader" and c.status == SKIP and "type their name" in c.detail


def test_doctor_warns_about_the_fake_reader():
    c = probe(IdCardReaderSettings(kind="fake"))
    assert c.status == WARN and "fake ID-card reader" in c.detail and "no hardware" in c.detail


def test_doctor_fails_an_absent_reader_naming_the_device(tmp_path):
    path = str(tmp_path / "ttyUSB9")
    c = probe(IdCardReaderSettings(kind="serial", device=path))
    assert c.status == FAIL and path in c.detail and "type their name" in c.detail


def test_doctor_passes_a_reader_that_answers_its_status(line):
    kiosk_path, _device = line
    c = probe(IdCardReaderSettings(kind="serial", device=kiosk_path))
    assert c.status == OK, c.detail
    assert "SAM" in c.detail and kiosk_path in c.detail


def test_doctor_fails_a_port_with_no_reader_behind_it(tmp_path, socat_pair):
    # A pty whose far end nobody answers: the port opens, the reader is silent.
    kiosk_path, _far = socat_pair(tmp_path / "ttySilent", tmp_path / "ttySilent-far")
    c = probe(IdCardReaderSettings(kind="serial", device=kiosk_path))
    assert c.status == FAIL and "no answer" in c.detail, c.detail


def test_kiosk_idcard_reads_the_fake_card_masked(write_config):
    code, out, err = _kiosk("--config", str(write_config()), "--json", "idcard", "--fake-hardware", "--timeout", "10")
    assert code == 0, err
    data = json.loads(out)
    assert data["name"] == "张三" and data["id_number"] == "**************0012"
    assert "999999199003070012" not in out + err


def test_kiosk_idcard_without_a_reader_fails_clearly(write_config):
    code, _out, err = _kiosk("--config", str(write_config()), "idcard", "--timeout", "1")
    assert code == 1 and "no ID-card reader configured" in err and "type their name" in err, err


def test_kiosk_idcard_no_card_in_time_is_not_found(write_config, line):
    kiosk_path, device = line
    device.emulator.remove()
    code, _out, err = _kiosk("--config", str(write_config(f'[id_card_reader]\nkind = "serial"\ndevice = "{kiosk_path}"\n')),
                             "idcard", "--timeout", "1")
    assert code == 5 and "no card within 1 s" in err, err
