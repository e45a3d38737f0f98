"""Files holding personal data or secrets do not depend on the umask (docs/security.md,
"Files on disk"), and `kiosk doctor` fails, naming the path, when one is open to other
users, without changing anything itself."""

from __future__ import annotations

import io
import json
import os
import shutil
import stat
import tempfile
from pathlib import Path

import pytest

from kiosk.cli import main as cli
from kiosk.core import fsutil


def mode(p: Path) -> int:
    return stat.S_IMODE(os.stat(p).st_mode)


@pytest.fixture(params=[0o022, 0o000, 0o277], ids=["umask022", "umask000", "umask277"])
def umask(request):
    """The process umask for the test (restored after); 0277 even takes the owner's bits."""
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


@pytest.fixture
def kiosk(monkeypatch, capsys):
    """`kiosk ARGV…` in this process (so under the test's umask); (exit code, JSON)."""
    def run(*argv, stdin: str = ""):
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = cli.main([*argv, "--json"])
        out = capsys.readouterr().out
        return code, json.loads(out) if out.strip() else None
    return run


def test_private_helpers_set_exact_modes_whatever_the_umask(tmp_path, umask):
    d = fsutil.make_private_dir(tmp_path / "a" / "b")
    assert mode(d) == 0o700
    with fsutil.create_private_file(d / "f") as f:
        f.write(b"x")
    assert mode(d / "f") == 0o600
    stale = d / ".g.{}.part".format(os.getpid())
    stale.write_bytes(b"old")
    os.chmod(stale, 0o666)  # left by a crash, with a wide mode
    fsutil.write_private_file(d / "g", b"secret")
    assert (d / "g").read_bytes() == b"secret" and mode(d / "g") == 0o600 and not stale.exists()
    assert fsutil.ensure_private_file(d / "db") and mode(d / "db") == 0o600
    os.chmod(d / "db", 0o640)
    assert not fsutil.ensure_private_file(d / "db") and mode(d / "db") == 0o640  # an existing one is kept
    os.symlink(tmp_path / "elsewhere", d / "planted")
    with pytest.raises(FileExistsError):  # never written through a planted symlink
        fsutil.create_private_file(d / "planted")
    assert not (tmp_path / "elsewhere").exists()


def test_kiosk_files_are_owner_only_whatever_the_umask(tmp_path, write_config, kiosk, umask):
    audio = tmp_path / "in.wav"
    audio.write_bytes(b"RIFF" + os.urandom(64))
    os.chmod(audio, 0o644)
    code, out = kiosk("central-dev", "keygen", str(tmp_path / "centre-keys"))
    assert code == 0, out
    usb = tmp_path / "usb"
    usb.mkdir(mode=0o755)
    os.chmod(usb, 0o755)
    conf = write_config(f'[sync]\ncentral_url = "http://127.0.0.1:9"\nconnect_timeout_s = 0.2\n'
                        f'[service]\nbundle_public_key_file = "{tmp_path}/centre-keys/bundle.pub"\n')
    code, item = kiosk("submit", "--config", str(conf), "--text", "路灯坏了", "--name", "张三",
                       "--phone", "13812345678", "--attach", str(audio))
    assert code == 0, item
    assert kiosk("service", "set-pin", "--config", str(conf), stdin="480271\n")[0] == 0
    code, exported = kiosk("service", "export", str(usb), "--config", str(conf))
    assert code == 0, exported
    data, keys = tmp_path / "data", tmp_path / "keys"
    assert mode(data) == 0o700 and mode(keys) == 0o700 and mode(tmp_path / "centre-keys") == 0o700
    for secret in (keys / "pii.key", keys / "service-pin.json", tmp_path / "centre-keys" / "bundle.key"):
        assert mode(secret) == 0o600, secret
    (attachment,) = (data / "media").rglob("*in.wav")
    assert mode(attachment) == 0o600
    assert mode(Path(exported["bundle"])) == 0o600
    code, report = kiosk("doctor", "--config", str(conf))
    assert {c["name"]: c for c in report["checks"]}["permissions"]["status"] == "ok"


def test_the_database_file_itself_is_owner_only(write_config, kiosk, tmp_path):
    old = os.umask(0o022)
    try:
        assert kiosk("submit", "--config", str(write_config()), "--text", "路灯坏了")[0] == 0
    finally:
        os.umask(old)
    assert mode(tmp_path / "data" / "kiosk.db") == 0o600


def _create_store(conf) -> None:
    """The data dir, database and key, as the kiosk makes them at first start."""
    from kiosk import config as configmod
    from kiosk.core.store import Store
    Store.open(configmod.load(conf)).close()


def _doctor_permissions(kiosk, conf) -> dict:
    code, report = kiosk("doctor", "--config", str(conf))
    return {c["name"]: c for c in report["checks"]}["permissions"]


def test_doctor_fails_a_planted_0644_key_and_token_file_and_changes_nothing(tmp_path, write_config, kiosk):
    token = tmp_path / "keys" / "pull-api.token"
    token.parent.mkdir(mode=0o700)
    token.write_text("a-real-secret-of-this-kiosk-0123456789\n")
    os.chmod(token, 0o600)
    conf = write_config(f'[sync]\npull_api_token_file = "{token}"\n')
    _create_store(conf)  # the doctor creates nothing: the kiosk makes the key
    assert _doctor_permissions(kiosk, conf)["status"] == "ok"
    key = tmp_path / "keys" / "pii.key"
    os.chmod(key, 0o644)
    os.chmod(token, 0o640)
    check = _doctor_permissions(kiosk, conf)
    assert check["status"] == "fail"
    assert f"the personal-data key {key} is mode 0644: run `chmod 600 {key}`" in check["detail"]
    assert f"the pull-API token file {token} is mode 0640" in check["detail"]
    assert mode(key) == 0o644 and mode(token) == 0o640  # reported, never changed


def test_doctor_fails_a_data_directory_others_can_reach_and_names_the_database(write_config, kiosk):
    root = Path(tempfile.mkdtemp(prefix="minyi-modes-"))  # under /tmp, which others may pass
    try:
        os.chmod(root, 0o755)
        conf = root / "kiosk.toml"
        conf.write_text(write_config().read_text().replace(str(write_config().parent), str(root)))
        _create_store(conf)
        assert _doctor_permissions(kiosk, conf)["status"] == "ok"
        data = root / "data"
        assert mode(data) == 0o700
        os.chmod(data, 0o755)
        os.chmod(data / "kiosk.db", 0o644)
        check = _doctor_permissions(kiosk, conf)
        assert check["status"] == "fail"
        assert f"the data directory {data} is mode 0755: run `chmod 700 {data}`" in check["detail"]
        assert f"{data / 'kiosk.db'} is mode 0644" in check["detail"]
        os.chmod(data, 0o700)  # the database inside is then out of others' reach
        assert _doctor_permissions(kiosk, conf)["status"] == "ok"
    finally:
        shutil.rmtree(root)
