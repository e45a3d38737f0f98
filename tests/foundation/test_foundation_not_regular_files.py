"""Every file the config names (and the config itself) must be a regular file: a FIFO
there is refused with a named error at once instead of blocking the reader forever
(kiosk/core/fsutil.py ``read_regular_file``). Real FIFOs (os.mkfifo), nobody writing."""

from __future__ import annotations

import os
import threading

import pytest

from kiosk import config as configmod
from kiosk.core import fsutil
from kiosk.core.pii import Cipher, PIIKeyError
from kiosk.sync.bundle import KeyFileError, load_private_key, load_public_key
from kiosk.maintenance.pin import PinFileError, PinGuard

GOOD = "0123456789abcdef0123456789abcdef"


def refused_at_once(path, call):
    """What *call* raises or returns, failing (not hanging) when it blocks on the FIFO
    *path*: after 10 s a writer is opened, which releases a blocked reader."""
    out = {}

    def run():
        try:
            out["value"] = call()
        except BaseException as e:  # noqa: BLE001 - handed to the test
            out["error"] = e
    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(10)
    if t.is_alive():
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
        os.close(fd)
        t.join(10)
        pytest.fail(f"reading {path} blocked on the FIFO")
    if "error" in out:
        raise out["error"]
    return out["value"]


@pytest.fixture
def fifo(tmp_path):
    p = tmp_path / "pipe"
    os.mkfifo(p)
    return p


def test_read_regular_file_refuses_a_fifo_a_directory_and_a_device(fifo, tmp_path):
    with pytest.raises(fsutil.NotRegularFileError, match=r"a FIFO \(named pipe\), not a regular file"):
        refused_at_once(fifo, lambda: fsutil.read_regular_file(fifo))
    with pytest.raises(fsutil.NotRegularFileError, match="a directory"):
        fsutil.read_regular_file(tmp_path)
    with pytest.raises(fsutil.NotRegularFileError, match="a character device"):
        fsutil.read_regular_file("/dev/zero", 10)
    (tmp_path / "plain").write_bytes(b"0123456789")
    assert fsutil.read_regular_file(tmp_path / "plain", 4) == b"01234"
    assert fsutil.read_regular_file(tmp_path / "plain") == b"0123456789"


def test_a_fifo_as_the_config_file_is_a_config_error(fifo):
    with pytest.raises(configmod.ConfigError) as e:
        refused_at_once(fifo, lambda: configmod.load(fifo))
    assert e.value.key is None and "FIFO" in e.value.problem and e.value.path == fifo


@pytest.mark.parametrize("key, text", [
    ("sync.token_file", 'central_url = "https://centre.example.org/"\ntoken_file = "{fifo}"'),
    ("sync.pull_api_token_file", 'pull_api_token_file = "{fifo}"'),
    ("sync.ca_bundle", 'central_url = "https://centre.example.org/"\ntoken = "' + GOOD + '"\nca_bundle = "{fifo}"'),
])
def test_a_fifo_named_by_the_sync_section_is_a_config_error_naming_the_key(fifo, write_config, key, text):
    path = write_config("[sync]\n" + text.format(fifo=fifo) + "\n")
    with pytest.raises(configmod.ConfigError) as e:
        refused_at_once(fifo, lambda: configmod.load(path))
    assert e.value.key == key and "FIFO (named pipe), not a regular file" in e.value.problem, str(e.value)


def test_a_fifo_as_central_devs_token_file_names_the_key(fifo, write_config):
    cfg = configmod.load(write_config(f'[central_dev]\ntoken_file = "{fifo}"\n'))
    with pytest.raises(ValueError, match="^token_file: .* is a FIFO"):
        refused_at_once(fifo, cfg.central_dev.accepted_token)


def test_a_fifo_as_the_pii_key_pin_file_or_bundle_keys_is_a_named_error(fifo, store):
    cipher = refused_at_once(fifo, lambda: Cipher.from_key_file(fifo, locked_items=0))
    with pytest.raises(PIIKeyError, match="is a FIFO"):
        cipher.encrypt("张三")
    with pytest.raises(PinFileError, match="FIFO"):
        refused_at_once(fifo, lambda: PinGuard(store, fifo, 3600).check("123456"))
    for load in (load_public_key, load_private_key):
        with pytest.raises(KeyFileError, match="FIFO"):
            refused_at_once(fifo, lambda: load(fifo))


def test_a_fifo_as_central_devs_station_config_file_stops_it_with_a_config_error(fifo, write_config, tmp_path):
    import subprocess
    import sys
    cfg = write_config(f'[central_dev]\nport = 0\nallow_development_token = true\ndata_dir = "{tmp_path}/central"\n'
                       f'station_config_file = "{fifo}"\n')
    res = subprocess.run([sys.executable, "-m", "kiosk", "--config", str(cfg), "--json", "central-dev"],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 3 and "central_dev.station_config_file" in res.stdout and "FIFO" in res.stdout, res


def test_a_station_config_file_that_is_not_utf8_is_a_config_error_naming_the_key(write_config, tmp_path):
    import subprocess
    import sys
    bad = tmp_path / "station.json"
    bad.write_bytes('{"categories": "道路"}'.encode("gbk"))  # saved by a GBK editor
    cfg = write_config(f'[central_dev]\nport = 0\nallow_development_token = true\ndata_dir = "{tmp_path}/central"\n'
                       f'station_config_file = "{bad}"\n')
    res = subprocess.run([sys.executable, "-m", "kiosk", "--config", str(cfg), "--json", "central-dev"],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 3, res
    assert "central_dev.station_config_file" in res.stdout and "not UTF-8" in res.stdout, res
    assert "Traceback" not in res.stderr, res.stderr

