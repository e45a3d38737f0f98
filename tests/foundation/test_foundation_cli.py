"""The `kiosk` command: submit / status / doctor end to end, JSON, exit codes, docs."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.cli import main as cli

DOCS = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def run(*argv):
    p = subprocess.run([sys.executable, "-m", "kiosk", *argv], capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def test_submit_status_doctor_round_trip(write_config, tmp_path):
    cfg = str(write_config())
    wav = tmp_path / "voice.wav"
    wav.write_bytes(b"RIFF" + b"\0" * 100)
    rc, out, err = run("submit", "--config", cfg, "--text", "小区路灯坏了", "--category", "urban",
                       "--attach", str(wav), "--json")
    assert rc == 0, err
    sub = json.loads(out)
    assert sub["ok"] and re.fullmatch(r"0371-000001-\d", sub["code"]) and re.fullmatch(r"\d{6}", sub["secret"])
    assert sub["attachments"][0]["kind"] == "audio" and sub["attachments"][0]["media_type"] == "audio/wav"

    rc, out, _ = run("--config", cfg, "--json", "status", sub["code_compact"])
    st = json.loads(out)
    assert rc == 0 and st["id"] == sub["id"] and st["delivery"] == "pending" and st["text"] == "小区路灯坏了"

    rc, out, _ = run("status", "--config", cfg, sub["code"])
    assert rc == 0 and "pending" in out and sub["code"] in out

    rc, out, _ = run("doctor", "--config", cfg, "--json")
    checks = {c["name"]: c for c in json.loads(out)["checks"]}
    assert checks["database"]["status"] == "ok" and "1 items" in checks["database"]["detail"]
    assert checks["clock"]["status"] == "warn"


def test_exit_codes(write_config):
    cfg = str(write_config())
    code, secret_line, qr_line = run("submit", "--config", cfg, "--text", "x")[1].strip().splitlines()
    assert re.fullmatch(r"receipt secret: \d{6}", secret_line)
    assert qr_line.startswith(f"receipt QR: {code.replace('-', '')}#k={secret_line[-6:]}&r=1.")
    rc, out, err = run("status", "--config", cfg, code[:-1] + str((int(code[-1]) + 1) % 10))
    assert rc == cli.EXIT_INVALID and "check digit wrong" in err
    from kiosk.core.trackcode import make
    rc, _, err = run("status", "--config", cfg, str(make("0371", 77)))
    assert rc == cli.EXIT_NOT_FOUND and "no item" in err
    rc, out, _ = run("submit", "--config", cfg, "--text", "x", "--name", "王五", "--phone", "123", "--json")
    assert rc == cli.EXIT_INVALID and json.loads(out)["field"] == "phone"
    rc, _, err = run("submit", "--config", cfg, "--text", "", "--json")
    assert rc == cli.EXIT_INVALID
    assert run("submit", "--config", cfg, "--bogus")[0] == cli.EXIT_USAGE


def test_doctor_exits_3_on_a_bad_config(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text("[station]\nnumber = 1\n")
    rc, out, _ = run("doctor", "--config", str(p), "--json")
    assert rc == cli.EXIT_CONFIG == 3
    (first,) = [c for c in json.loads(out)["checks"] if c["name"] == "config"]
    assert first["status"] == "fail" and "station.number" in first["detail"]


def _options(parser) -> set[str]:
    return {o for a in parser._actions for o in a.option_strings if o.startswith("--")} - {"--help"}


def test_docs_cover_every_command_and_option():
    text = DOCS.read_text(encoding="utf-8")
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    missing = []
    for name, p in sub.choices.items():
        m = re.search(rf"^## `kiosk {re.escape(name)}`(.*?)(?=^## |\Z)", text, re.S | re.M)
        if not m:
            missing.append(f"section for `kiosk {name}`")
            continue
        for opt in sorted(_options(p) - {"--config", "--json"}):
            if f"`{opt}" not in m.group(1):
                missing.append(f"{opt} of kiosk {name}")
    assert not missing, "docs/cli.md lacks: " + ", ".join(missing)
    assert "--config" in text and "--json" in text


def test_help_lists_every_command():
    out = subprocess.run([sys.executable, "-m", "kiosk", "--help"], capture_output=True, text=True).stdout
    for mod in cli.command_modules():
        assert mod.NAME in out


def test_version_names_the_kiosk_schema_and_protocol():
    from sqlite_utils import Database

    from kiosk.core.schema import migrations
    from kiosk.sync.wire import PROTOCOL_VERSION

    code, out, _ = run("--version")
    assert code == 0
    newest = migrations.pending(Database(memory=True))[-1].name
    assert re.fullmatch(rf"kiosk \S+ \(schema {newest}, protocol {PROTOCOL_VERSION}\)\n", out), out
    assert newest.startswith("m00") and newest != "m001_initial"  # the newest, not the first
