"""The public development token is never accepted silently (docs/security.md): a centre
without its own token refuses to start and says why, even on loopback, unless its config
opts in (`central_dev.allow_development_token`, written by `kiosk demo`); a kiosk never
sends it beyond this machine."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import pytest

from kiosk import config as configmod
from kiosk.cli.demo import DEMO_CONFIG
from kiosk.config.sync import DEV_TOKEN, CentralDevSettings


def _serve(cfg_path, *args, timeout=60):
    return subprocess.run([sys.executable, "-m", "kiosk", "--config", str(cfg_path), "--json", "central-dev",
                           *args], capture_output=True, text=True, timeout=timeout)


def test_a_loopback_centre_without_its_own_token_refuses_to_start_and_says_why(write_config, tmp_path, h):
    port = h.free_port()
    cfg = write_config(f'[central_dev]\nport = {port}\ndata_dir = "{tmp_path}/central"\n')
    res = _serve(cfg)
    assert res.returncode == 3, res
    error = json.loads(res.stdout)["error"]
    assert "central_dev.token_file: required" in error and DEV_TOKEN in error
    assert "allow_development_token" in error and "Traceback" not in res.stderr
    assert "listening" not in res.stdout
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0
    assert not (tmp_path / "central").exists() or not any((tmp_path / "central").iterdir())


def test_import_refuses_too_without_the_centres_token(write_config, tmp_path):
    keys = tmp_path / "keys-c"
    from kiosk.sync.bundle import generate_keypair
    generate_keypair(keys)
    cfg = write_config(f'[central_dev]\ndata_dir = "{tmp_path}/central"\nbundle_private_key_file = "{keys}/bundle.key"\n')
    res = subprocess.run([sys.executable, "-m", "kiosk", "--config", str(cfg), "--json", "central-dev", "import",
                          str(tmp_path / "none.minyi")], capture_output=True, text=True, timeout=60)
    assert res.returncode == 3 and "central_dev.token_file: required" in json.loads(res.stdout)["error"], res


@pytest.mark.parametrize("extra, ok", [
    ("", False),
    ("allow_development_token = true", True),
    (f'token = "{DEV_TOKEN}"', False),                                # the public token written out
    (f'token = "{DEV_TOKEN}"\nallow_development_token = true', True),
    ('host = "0.0.0.0"\nallow_development_token = true\ntoken = "short"', False),  # never beyond loopback
    ('token = "a-real-secret-of-this-centre-0123456789"', True),
])
def test_the_centre_takes_the_public_token_only_when_its_config_opts_in(write_config, extra, ok):
    c = configmod.load(write_config(f"[central_dev]\n{extra}\n")).central_dev
    if ok:
        assert c.accepted_token() in (DEV_TOKEN, "a-real-secret-of-this-centre-0123456789")
        assert (c.accepted_token() == DEV_TOKEN) == c.allow_development_token
    else:
        with pytest.raises(ValueError, match=r"^token(_file)?: "):
            c.accepted_token()


def test_a_token_file_with_the_dev_token_is_refused_beyond_loopback_at_both_ends(tmp_path):
    tok = tmp_path / "t.token"
    tok.write_text(DEV_TOKEN + "\n")
    tok.chmod(0o600)
    with pytest.raises(ValueError, match="public development token"):
        CentralDevSettings(host="0.0.0.0", token_file=str(tok), allow_development_token=True).accepted_token()
    from kiosk.config.sync import SyncSettings
    with pytest.raises(ValueError, match="public development token"):
        SyncSettings(central_url="https://centre.example/", token_file=str(tok)).central_token()


def test_an_old_demo_config_without_the_opt_in_is_refused_with_the_fix(tmp_path):
    d = tmp_path / "demo"
    d.mkdir()
    old = DEMO_CONFIG.replace("allow_development_token = true\n", "")
    assert old != DEMO_CONFIG
    (d / "kiosk.toml").write_text(old.format(dir=d.as_posix(), central_port=1, pull_port=2), encoding="utf-8")
    res = subprocess.run([sys.executable, "-m", "kiosk", "demo", "--no-ui", "--exit", "--dir", str(d)],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 3, res
    assert "allow_development_token" in res.stderr and str(d / "kiosk.toml") in res.stderr
    assert "listening" not in res.stdout
