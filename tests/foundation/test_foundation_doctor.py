"""`kiosk doctor` only reads (docs/cli.md, "kiosk doctor"): on a fresh install, on the
demo's own config and on a kiosk with items it changes no file, and it shows no FAIL for
what is fine there; an invalid config exits 3; each check it claims still fails when its
problem is there."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk import config as configmod
from kiosk.cli import main as cli
from kiosk.core.store import Store
from kiosk.core.submission import submit

REPO = Path(__file__).resolve().parents[2]


def snapshot(root: Path) -> dict:
    """Every path under *root* (itself included): type, mode, mtime, size and content hash."""
    out = {}
    for p in [root, *sorted(root.rglob("*"))]:
        st = p.lstat()
        digest = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() and not p.is_symlink() else None
        out[str(p.relative_to(root))] = (st.st_mode, st.st_mtime_ns, st.st_size, digest)
    return out


@pytest.fixture
def fresh_home(tmp_path, monkeypatch):
    """An empty HOME with no config anywhere: the built-in defaults put every file under it.
    XDG_RUNTIME_DIR lies outside, as on a real session: without one, PulseAudio's client
    library (asked by PortAudio for devices) makes ~/.config/pulse by itself."""
    home, runtime = tmp_path / "home", tmp_path / "runtime"
    home.mkdir()
    runtime.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", configmod.ENV_VAR):
        monkeypatch.delenv(var, raising=False)
    return home


def doctor(capsys, *argv) -> tuple[int, dict]:
    capsys.readouterr()
    code = cli.main([*argv, "--json", "doctor"])
    return code, {c["name"]: c for c in json.loads(capsys.readouterr().out)["checks"]}


def doctor_process(*argv, env=None) -> tuple[int, dict]:
    p = subprocess.run([sys.executable, "-m", "kiosk", *argv, "--json", "doctor"], capture_output=True,
                       text=True, timeout=120, cwd=REPO, env=env)
    assert p.stdout, p.stderr
    return p.returncode, {c["name"]: c for c in json.loads(p.stdout)["checks"]}


def fails(checks: dict) -> list[str]:
    return [f"{c['name']}: {c['detail']}" for c in checks.values() if c["status"] == "fail"]


def test_on_a_fresh_install_it_creates_nothing_and_fails_nothing(fresh_home, capsys):
    before = snapshot(fresh_home)
    code, checks = doctor(capsys)
    assert snapshot(fresh_home) == before
    assert not (fresh_home / ".local").exists()
    assert not fails(checks) and code == cli.EXIT_OK
    assert checks["config"]["detail"].startswith("built-in defaults")
    for name in ("data_dir", "database", "pii_key"):
        assert checks[name]["status"] == "warn", checks[name]
        assert "not created yet; the kiosk creates it" in checks[name]["detail"], checks[name]
    assert checks["sync_config"]["status"] == "warn" and "items stay on this kiosk" in checks["sync_config"]["detail"]


def test_as_a_process_on_a_fresh_install_it_creates_nothing(fresh_home):
    before = snapshot(fresh_home)
    code, checks = doctor_process(env={**os.environ, "PYTHONPATH": str(REPO)})
    assert snapshot(fresh_home) == before
    assert not fails(checks) and code == cli.EXIT_OK


def test_on_the_demo_config_before_and_after_the_demo_ran(tmp_path, fresh_home, capsys):
    from kiosk.cli.demo import write_config
    conf = write_config(tmp_path / "demo", 8765)
    before = snapshot(tmp_path / "demo")
    code, checks = doctor(capsys, "--config", str(conf))
    assert snapshot(tmp_path / "demo") == before
    assert not fails(checks) and code == cli.EXIT_OK
    assert checks["sync_config"]["status"] == "ok"  # the demo's dev_mode pull API

    # The demo's kiosk made its store and took a real-name item; nobody has it open now.
    cfg = configmod.load(conf)
    with Store.open(cfg) as store:
        code_ = submit(store, cfg, text="路灯坏了", anonymous=False, name="张三", phone="13812345678").item.code
    before = snapshot(tmp_path / "demo")
    code, checks = doctor(capsys, "--config", str(conf))
    assert snapshot(tmp_path / "demo") == before
    assert not fails(checks) and code == cli.EXIT_OK
    assert checks["database"]["status"] == "ok" and "1 items" in checks["database"]["detail"]
    assert checks["pii_key"]["status"] == "ok" and "1 stored items" in checks["pii_key"]["detail"]
    assert checks["sync_queue"]["status"] == "ok" and "1 items" in checks["sync_queue"]["detail"]
    assert code_  # the item is there to be counted


def test_while_another_process_writes_it_reads_the_live_database(write_config, capsys, tmp_path):
    conf = write_config()
    cfg = configmod.load(conf)
    with Store.open(cfg) as store:  # the app, holding the database open (its -wal exists)
        submit(store, cfg, text="第一条")
        files = {n: (tmp_path / "data" / n).read_bytes() for n in ("kiosk.db", "kiosk.db-wal")}
        code, checks = doctor(capsys, "--config", str(conf))
        assert checks["database"]["status"] == "ok" and "1 items" in checks["database"]["detail"]
        assert {n: (tmp_path / "data" / n).read_bytes() for n in files} == files
        submit(store, cfg, text="第二条")  # the doctor left no lock behind
        assert store.count() == 2


def test_an_invalid_config_exits_3_and_skips_the_rest(tmp_path, fresh_home, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[storage]\nmin_free_mb = -1\n")
    before = snapshot(fresh_home)
    code, checks = doctor(capsys, "--config", str(bad))
    assert code == cli.EXIT_CONFIG == 3
    assert checks["config"]["status"] == "fail" and "min_free_mb" in checks["config"]["detail"]
    assert fails(checks) == [f"config: {checks['config']['detail']}"]  # nothing else is judged
    code, checks = doctor_process("--config", str(bad), env={**os.environ, "PYTHONPATH": str(REPO)})
    assert code == 3 and checks["config"]["status"] == "fail"
    assert snapshot(fresh_home) == before


# -- every problem it claims to check still fails ----------------------------------------

def test_a_data_dir_that_cannot_be_created_fails(tmp_path, capsys):
    (tmp_path / "plain-file").write_text("x")
    conf = tmp_path / "nodir.toml"
    conf.write_text(f'[storage]\ndata_dir = "{tmp_path}/plain-file/data"\nkey_file = "{tmp_path}/keys/pii.key"\n')
    code, checks = doctor(capsys, "--config", str(conf))
    assert code == cli.EXIT_FAIL
    assert checks["data_dir"]["status"] == "fail" and "plain-file is not a directory" in checks["data_dir"]["detail"]


def test_a_damaged_database_fails_and_is_left_as_it_is(write_config, capsys, tmp_path):
    conf = write_config()
    Store.open(configmod.load(conf)).close()
    db = tmp_path / "data" / "kiosk.db"
    db.write_bytes(b"not a database at all" * 100)
    code, checks = doctor(capsys, "--config", str(conf))
    assert code == cli.EXIT_FAIL
    assert checks["database"]["status"] == "fail" and str(db) in checks["database"]["detail"]
    assert db.read_bytes() == b"not a database at all" * 100


def test_an_older_schema_is_reported_not_migrated(write_config, capsys, tmp_path):
    from sqlite_utils import Database

    from kiosk.core.schema import migrations, schema_version
    conf = write_config()
    Store.open(configmod.load(conf)).close()
    data = tmp_path / "data"
    # A database as the release before the newest migration left it.
    (data / "kiosk.db").unlink()
    old = Database(data / "kiosk.db")
    migrations.apply(old, stop_before=schema_version())
    old.conn.close()
    before = snapshot(data)
    code, checks = doctor(capsys, "--config", str(conf))
    assert snapshot(data) == before
    assert checks["database"]["status"] == "warn" and schema_version() in checks["database"]["detail"], checks
    assert "upgrades it when it next starts" in checks["database"]["detail"]


def test_a_key_file_that_is_not_a_key_fails_even_before_the_first_start(write_config, capsys, tmp_path):
    conf = write_config()
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "pii.key").write_text("garbage\n")
    code, checks = doctor(capsys, "--config", str(conf))
    assert checks["database"]["status"] == "warn"  # no database yet
    assert checks["pii_key"]["status"] == "fail" and "not a Fernet key" in checks["pii_key"]["detail"]
    assert code == cli.EXIT_FAIL


def test_a_configured_sync_without_a_pull_token_still_fails(write_config, capsys):
    conf = write_config('[sync]\ncentral_url = "http://127.0.0.1:9"\n')
    code, checks = doctor(capsys, "--config", str(conf))
    assert code == cli.EXIT_FAIL
    assert checks["sync_config"]["status"] == "fail" and "pull_api_token_file" in checks["sync_config"]["detail"]


def test_a_file_printer_is_judged_without_creating_the_file(write_config, capsys, tmp_path):
    out = tmp_path / "receipts.bin"
    code, checks = doctor(capsys, "--config", str(write_config(f'[printer]\nkind = "file"\npath = "{out}"\n')))
    assert checks["printer"]["status"] == "warn" and not out.exists()
    out.write_bytes(b"earlier receipts")
    doctor(capsys, "--config", str(write_config(f'[printer]\nkind = "file"\npath = "{out}"\n')))
    assert out.read_bytes() == b"earlier receipts"  # not truncated
    code, checks = doctor(capsys, "--config", str(write_config(
        f'[printer]\nkind = "file"\npath = "{tmp_path}/no-such-dir/r.bin"\n', name="gone.toml")))
    assert checks["printer"]["status"] == "fail" and "does not exist" in checks["printer"]["detail"]
