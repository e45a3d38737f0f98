"""The systemd units start real subcommands, notify readiness and use the watchdog."""

from __future__ import annotations

import configparser
import shlex
from pathlib import Path

import pytest

from kiosk import cli

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

    from kiosk.watchdog import Notifier
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
