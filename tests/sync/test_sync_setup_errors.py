"""A configuration error is never an item error: the CA bundle and the token files are
checked when the config is loaded and by `kiosk doctor`, and a setup failure at run
time leaves every item pending (docs/sync.md, "Centre calls")."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from kiosk import config as configmod
from kiosk.cli.main import main as kiosk_main
from kiosk.sync import backchannel
from kiosk.sync.daemon import SyncDaemon
from kiosk.sync.link import SETUP_KEY

GOOD = "0123456789abcdef0123456789abcdef"  # 32 characters


@pytest.fixture
def remote(tmp_path, write_config):
    """Write a config for a centre beyond this machine; returns (path, load)."""
    tok = tmp_path / "centre.token"
    tok.write_text(GOOD + "\n")

    def write(extra: str = "", *, token: str | None = GOOD, inline: str | None = None):
        if token is None:
            tok.unlink(missing_ok=True)
        else:
            tok.write_text(token + "\n")
        secret = f'token = "{inline}"' if inline is not None else f'token_file = "{tok}"'
        return write_config(f'[sync]\ncentral_url = "https://centre.example.org/"\n{secret}\n{extra}\n')
    return write


@pytest.mark.parametrize("case, key, words", [
    ("missing ca_bundle", "sync.ca_bundle", "does not exist"),
    ("ca_bundle not PEM", "sync.ca_bundle", "no usable PEM"),
    ("token file missing", "sync.token_file", "cannot read"),
    ("token too short", "sync.token_file", "at least 32"),
    ("token not ASCII", "sync.token_file", "printable ASCII"),
    ("token with a space", "sync.token_file", "printable ASCII"),
    ("inline token too short", "sync.token", "at least 32"),
    ("pull token file missing", "sync.pull_api_token_file", "cannot read"),
    ("pull token too short", "sync.pull_api_token_file", "at least 32"),
])
def test_setup_files_are_checked_at_load_and_by_doctor(case, key, words, remote, tmp_path, capsys):
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate\n")
    pull = tmp_path / "pull.token"
    pull.write_text("short\n")
    path = {
        "missing ca_bundle": lambda: remote(f'ca_bundle = "{tmp_path}/nope.pem"'),
        "ca_bundle not PEM": lambda: remote(f'ca_bundle = "{junk}"'),
        "token file missing": lambda: remote(token=None),
        "token too short": lambda: remote(token="abc123"),
        "token not ASCII": lambda: remote(token="令牌" * 20),
        "token with a space": lambda: remote(token=GOOD + " " + GOOD),
        "inline token too short": lambda: remote(inline="abc"),
        "pull token file missing": lambda: remote(f'pull_api_host = "0.0.0.0"\n'
                                                  f'pull_api_token_file = "{tmp_path}/none.token"'),
        "pull token too short": lambda: remote(f'pull_api_host = "0.0.0.0"\npull_api_token_file = "{pull}"'),
    }[case]()
    with pytest.raises(configmod.ConfigError) as e:
        configmod.load(path)
    assert e.value.key == key and words in e.value.problem, str(e.value)
    capsys.readouterr()
    assert kiosk_main(["--config", str(path), "--json", "doctor"]) == 1
    checks = {c["name"]: c for c in json.loads(capsys.readouterr().out)["checks"]}
    # doctor names the file as a sync setup failure and still checks everything else.
    assert checks["sync_config"]["status"] == "fail" and key in checks["sync_config"]["detail"]
    assert checks["config"]["status"] == "ok"
    # No store yet, and the doctor creates none (it only reads): the database is still judged.
    assert checks["database"]["status"] == "warn" and "not created yet" in checks["database"]["detail"]


def test_good_setup_files_load(remote, tmp_path, h):
    cfg = configmod.load(remote(f'ca_bundle = "{h.self_signed(tmp_path)[0]}"'))
    assert cfg.sync.central_token() == GOOD


def test_short_dev_tokens_are_fine_on_loopback(write_config, tmp_path):
    tok = tmp_path / "t.token"
    tok.write_text("wrong-token\n")
    cfg = configmod.load(write_config(f'[sync]\ncentral_url = "http://127.0.0.1:9/"\ntoken_file = "{tok}"\n'))
    assert cfg.sync.central_token() == "wrong-token"


def test_a_ca_bundle_lost_at_run_time_quarantines_nothing(central, make_cfg, store, h, tmp_path, capsys):
    """The bundle is valid at load, then removed (a botched update): requests raises a
    plain OSError before sending. It used to quarantine every item as an "unreadable
    attachment", then the config fetch died with a traceback."""
    pem = h.self_signed(tmp_path)[0]
    cfg = make_cfg(f"https://127.0.0.1:{h.free_port()}", extra=f'ca_bundle = "{pem}"')
    items = h.add_items(store, cfg, 3, real_name=True)
    pem.unlink()
    d = SyncDaemon(cfg, store)

    out = d.run_once()

    assert not out["ok"] and "sync.ca_bundle" in out["forward"]["stopped"]
    assert store.count("quarantined") == 0 and store.count("pending") == 3
    assert "sync.ca_bundle" in store.get_item(items[0].id).last_error  # the pass stops at the first
    alert = json.loads(store.get_meta(SETUP_KEY))
    assert alert["kind"] == "config" and "sync.ca_bundle" in alert["reason"]
    assert len(store.events(kind="sync_config")) == 1
    # The periodic tasks meet the same failure as a failure, not as a crash.
    d.link.next_try = 0
    assert d._call("config", lambda: backchannel.fetch_config(store, d.client)) is None
    # doctor: the config itself names the missing bundle.
    capsys.readouterr()
    assert kiosk_main(["--config", str(tmp_path / "kiosk.toml"), "--json", "doctor"]) == 1
    checks = {c["name"]: c for c in json.loads(capsys.readouterr().out)["checks"]}
    assert checks["sync_config"]["status"] == "fail" and "sync.ca_bundle" in checks["sync_config"]["detail"]


def test_kiosk_sync_with_a_missing_token_file_is_a_config_error_not_a_traceback(write_config, tmp_path):
    cfg = write_config(f'[sync]\ncentral_url = "https://centre.example.org/"\ntoken_file = "{tmp_path}/gone"\n')
    res = subprocess.run([sys.executable, "-m", "kiosk", "--config", str(cfg), "sync", "--once"],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 3 and "sync.token_file" in res.stderr and "Traceback" not in res.stderr


def test_a_broken_sync_setup_stops_the_daemon_not_the_kiosk(remote, tmp_path, capsys):
    """The resident's path uses no token file or CA bundle: with both broken, items are
    still taken (and wait in the queue) while `kiosk sync` refuses to start, naming the key."""
    path = remote(f'ca_bundle = "{tmp_path}/nope.pem"', token=None)
    assert kiosk_main(["--config", str(path), "--json", "submit", "--text", "路灯坏了"]) == 0
    assert json.loads(capsys.readouterr().out)["code"]
    assert kiosk_main(["--config", str(path), "--json", "sync", "--once"]) == 3
    err = json.loads(capsys.readouterr().out)
    assert "sync.token_file" in err["error"] or "sync.ca_bundle" in err["error"]
