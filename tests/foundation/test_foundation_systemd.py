"""The systemd units start real subcommands, notify readiness and use the watchdog."""

from __future__ import annotations

import configparser
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.cli import main as cli

UNITS = sorted((Path(__file__).resolve().parents[2] / "systemd").glob("*.service"))


@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_unit_runs_a_real_subcommand_with_watchdog(unit):
    cp = configparser.ConfigParser(strict=False, interpolation=None)
    cp.optionxform = str
    cp.read(unit)
    svc = cp["Service"]
    argv = shlex.split(svc["ExecStart"])
    assert argv[0].endswith("/kiosk")
    sub = next(a for a in cli.build_parser()._actions if a.dest == "command")
    assert argv[1] in sub.choices, f"{unit.name}: unknown subcommand {argv[1]}"
    assert svc["Type"] == "notify" and int(svc["WatchdogSec"]) > 0
    assert svc["Restart"] == "always"


def test_notifier_sends_to_notify_socket(tmp_path, monkeypatch):
    import socket

    from kiosk.runtime.watchdog import Notifier
    path = str(tmp_path / "notify.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    srv.bind(path)
    srv.settimeout(5)
    monkeypatch.setenv("NOTIFY_SOCKET", path)
    n = Notifier()
    n.ready("up")
    n.pet()
    assert srv.recv(100) == b"READY=1\nSTATUS=up"
    assert srv.recv(100) == b"WATCHDOG=1"
    srv.close()
    monkeypatch.delenv("NOTIFY_SOCKET")
    Notifier().pet()  # outside systemd: a no-op, no error


# -- checked with systemd's own tools ----------------------------------------------------

SYSTEMD_DIR = Path(__file__).resolve().parents[2] / "systemd"
ANALYZE = shutil.which("systemd-analyze") or ("/usr/bin/systemd-analyze"
                                              if Path("/usr/bin/systemd-analyze").exists() else None)
needs_analyze = pytest.mark.skipif(ANALYZE is None, reason="systemd-analyze is not installed "
                                   "(apt-get install systemd; .ci/setup does this)")
# Exposure targets of `systemd-analyze security` (0 = locked down, 10 = unprotected).
SECURITY_TARGETS = {"minyi-kiosk-sync.service": 3.5, "minyi-kiosk-ui.service": 5.5}


def _unit_for_analysis(unit: Path, tmp_path: Path) -> Path:
    """The unit with ExecStart pointing at an executable that exists on this machine."""
    text = unit.read_text(encoding="utf-8")
    assert "/opt/minyi-kiosk/.venv/bin/kiosk " in text
    out = tmp_path / unit.name
    out.write_text(text.replace("/opt/minyi-kiosk/.venv/bin/kiosk ", f"{sys.executable} -m kiosk "),
                   encoding="utf-8")
    return out


@needs_analyze
@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_systemd_analyze_verify_is_clean(unit, tmp_path):
    res = subprocess.run([ANALYZE, "verify", str(_unit_for_analysis(unit, tmp_path))],
                         capture_output=True, text=True, timeout=120)
    # verify prints every ignored key, misplaced section key and bad value on stderr.
    assert res.returncode == 0 and not res.stderr.strip() and not res.stdout.strip(), res.stderr


@needs_analyze
@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_security_exposure_within_target(unit, tmp_path):
    res = subprocess.run([ANALYZE, "security", "--offline=true", "--no-pager",
                          str(_unit_for_analysis(unit, tmp_path))],
                         capture_output=True, text=True, timeout=120)
    m = re.search(r"Overall exposure level for \S+: (\d+\.\d)", res.stdout)
    assert m, res.stdout + res.stderr
    assert float(m.group(1)) <= SECURITY_TARGETS[unit.name], res.stdout


def _left_out(unit: Path) -> str:
    text = unit.read_text(encoding="utf-8")
    return text[text.index("# Left out on purpose:"):]


@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_every_open_security_item_is_explained(unit, tmp_path):
    """Each hardening directive the unit does not set is named in its 'Left out' comment."""
    cp = configparser.ConfigParser(strict=False, interpolation=None)
    cp.optionxform = str
    cp.read(unit)
    svc = cp["Service"]
    left_out = _left_out(unit)
    for directive in ("PrivateDevices", "PrivateUsers", "MemoryDenyWriteExecute", "PrivateNetwork",
                      "IPAddressDeny", "RootDirectory", "ProtectSystem", "NoNewPrivileges",
                      "ProtectHome", "PrivateTmp", "CapabilityBoundingSet", "SystemCallFilter",
                      "RestrictAddressFamilies", "RestrictNamespaces", "ProtectKernelTunables"):
        assert directive in svc or f"{directive}=" in left_out, f"{unit.name}: {directive} neither set nor explained"


@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_start_limit_is_in_unit_section(unit):
    cp = configparser.ConfigParser(strict=False, interpolation=None)
    cp.optionxform = str
    cp.read(unit)
    assert cp["Unit"]["StartLimitIntervalSec"] == "0"
    assert "StartLimitIntervalSec" not in cp["Service"]


def _seconds(value: str) -> float:
    """A systemd time span (systemd.time(7)) such as "10s", "2min", "1min 30s" in seconds."""
    units = {"ms": 0.001, "s": 1, "sec": 1, "min": 60, "m": 60, "h": 3600, "": 1}
    total = 0.0
    for num, unit in re.findall(r"(\d+(?:\.\d+)?)\s*([a-z]*)", value):
        total += float(num) * units[unit]
    return total


def test_hardware_watchdog_within_the_pis_limit_and_installed():
    cp = configparser.ConfigParser(strict=False, interpolation=None)
    cp.optionxform = str
    cp.read(SYSTEMD_DIR / "minyi-kiosk-watchdog.conf")
    # The BCM2835 watchdog counts at most ~15 s; larger values fail or reboot-loop.
    assert 0 < _seconds(cp["Manager"]["RuntimeWatchdogSec"]) < 15
    install = (SYSTEMD_DIR / "install.sh").read_text(encoding="utf-8")
    assert "/etc/systemd/system.conf.d/minyi-kiosk-watchdog.conf" in install
    assert "systemctl daemon-reexec" in install  # system.conf.d is read only at (re-)exec


def test_journal_is_capped_and_installed():
    cp = configparser.ConfigParser(strict=False, interpolation=None)
    cp.optionxform = str
    cp.read(SYSTEMD_DIR / "minyi-kiosk-journald.conf")
    j = cp["Journal"]
    assert re.fullmatch(r"\d+[KMG]", j["SystemMaxUse"]) and re.fullmatch(r"\d+[KMG]", j["RuntimeMaxUse"])
    assert "SystemKeepFree" in j
    install = (SYSTEMD_DIR / "install.sh").read_text(encoding="utf-8")
    assert "/etc/systemd/journald.conf.d/minyi-kiosk.conf" in install


def test_readme_is_true_to_the_units():
    readme = (SYSTEMD_DIR / "README.md").read_text(encoding="utf-8")
    for unit in UNITS:
        cp = configparser.ConfigParser(strict=False, interpolation=None)
        cp.optionxform = str
        cp.read(unit)
        svc = cp["Service"]
        row = next(line for line in readme.splitlines() if line.startswith(f"| `{unit.name}`"))
        assert f"{svc['RestartSec']} s" in row and f"watchdog {svc['WatchdogSec']} s" in row, row
    wd = configparser.ConfigParser(strict=False, interpolation=None)
    wd.optionxform = str
    wd.read(SYSTEMD_DIR / "minyi-kiosk-watchdog.conf")
    assert f"RuntimeWatchdogSec={wd['Manager']['RuntimeWatchdogSec']}" in readme
    assert "StartLimitIntervalSec=0" in readme and "[Unit]" in readme
    assert "do_overlayfs" in readme and "recurse=0" in readme
