"""Fixtures for the service-menu tests: the CLI in-process with stdin, a real central-dev."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from kiosk.cli import main as cli

# The centre's storage engines (tests/central/central_pg.py): `centre_backend` runs each
# test using the `central` fixture on SQLite and on a throwaway PostgreSQL cluster.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "central"))
from central_pg import centre_backend  # noqa: E402,F401  (a fixture)


@pytest.fixture
def kiosk(monkeypatch, capsys):
    """Run `kiosk ARGV…` in this process with *stdin*; returns (exit code, parsed JSON or text)."""
    def run(*argv, stdin: str = "", config=None):
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        args = [*argv] + (["--config", str(config)] if config else [])
        code = cli.main(args)
        out = capsys.readouterr().out
        try:
            return code, json.loads(out)
        except ValueError:
            return code, out
    return run


@pytest.fixture
def central(tmp_path, centre_backend):
    """A real central-dev on 127.0.0.1 (waitress, any free port), on SQLite and on PostgreSQL."""
    from kiosk.central_dev.server import CentralServer
    from kiosk.config.sync import DEV_TOKEN
    srv = CentralServer(tmp_path / "central", DEV_TOKEN, host="127.0.0.1", port=0,
                        max_item_bytes=50 * 2**20, threads=4, database_url=centre_backend).start()
    srv.database_url = centre_backend
    yield srv
    srv.stop()


def add_items(store, cfg, n: int, *, size: int = 2000, real_name: bool = False) -> list:
    """Commit *n* items through the real submission path, each with one WAV-typed file."""
    from kiosk.core.submission import AttachmentInput, submit
    out = []
    for i in range(n):
        data = b"RIFF" + (i.to_bytes(4, "big") * (size // 4 + 1))[: size - 4]
        kw = dict(anonymous=False, name="张三", phone="13812345678") if real_name else {}
        out.append(submit(store, cfg, text=f"路灯坏了 {i}", category="urban", attachments=[
            AttachmentInput(name=f"voice{i}.wav", source=data, kind="audio")], source="voice", **kw).item)
    return out


@pytest.fixture
def items():
    """:func:`add_items`, for test modules."""
    return add_items


@pytest.fixture
def setup(tmp_path, write_config, kiosk):
    """Keys from `kiosk central-dev keygen`, a USB dir, and a config naming both (the USB
    export tests: test_service_export.py, test_service_bundle_trust.py)."""
    def make(central_url: str, extra: str = ""):
        keys = tmp_path / "centre-keys"
        usb = tmp_path / "usb"
        usb.mkdir(exist_ok=True)
        if not keys.exists():
            code, out = kiosk("central-dev", "keygen", str(keys), "--json")
            assert code == 0 and Path(out["private_key"]).stat().st_mode & 0o077 == 0
        conf = write_config(f"""
[sync]
central_url = "{central_url}"
connect_timeout_s = 0.3
backoff_base_s = 0.01
backoff_cap_s = 0.02
[service]
bundle_public_key_file = "{keys}/bundle.pub"
export_dir = "{usb}"
[central_dev]
allow_development_token = true
data_dir = "{tmp_path}/central"
bundle_private_key_file = "{keys}/bundle.key"
{extra}
""")
        return conf, usb
    return make
