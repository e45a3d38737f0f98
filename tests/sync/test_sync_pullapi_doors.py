"""The pull API's doors over real HTTP (waitress on 127.0.0.1): request-body and
connection limits, the Host allow-list, cursors beyond SQLite's integer range, symlinks
in the media directory, and the public development token (docs/security.md, "Pull API")."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from kiosk import config as configmod
from kiosk.sync.daemon import SyncDaemon
from kiosk.config.sync import DEV_TOKEN

AUTH = {"Authorization": f"Bearer {DEV_TOKEN}"}
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def pull(make_cfg, store, h):
    """(base URL, port, config) of a daemon's pull API (dev mode, loopback)."""
    cfg = make_cfg(f"http://127.0.0.1:{h.free_port()}", extra='pull_api_allowed_hosts = ["kiosk-0371.lan"]')
    d = SyncDaemon(cfg, store)
    port = d.start_pull_api()
    yield f"http://127.0.0.1:{port}/pull/v1", port, cfg
    d.stop_pull_api()


def _raw(port: int, data: bytes, timeout: float = 5.0) -> bytes:
    """Send *data* on a fresh connection and return the first answer bytes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        return s.recv(4096)


def test_a_large_unauthenticated_body_is_refused_before_it_is_read(pull, store, h):
    _, port, cfg = pull
    item = h.add_items(store, cfg, 1)[0]
    # Only the headers go out: a server that reads the 50 MB body first never answers.
    head = (f"POST /pull/v1/items/{item.id}/ack HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Length: {50 * 2**20}\r\n\r\n").encode()
    assert _raw(port, head).startswith(b"HTTP/1.1 413")
    chunked = (f"POST /pull/v1/items/{item.id}/ack HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               "Transfer-Encoding: chunked\r\n\r\n10000\r\n").encode() + b"x" * 0x10000 + b"\r\n"
    assert _raw(port, chunked).startswith(b"HTTP/1.1 413")
    assert store.get_item(item.id).delivery == "pending"


def test_a_flood_of_idle_connections_does_not_starve_the_centre(pull):
    base, port, _ = pull
    idle = []
    try:
        for i in range(110):
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            if i % 2:
                s.sendall(b"GET /pull/v1/items HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # never finished
            idle.append(s)
        r = requests.get(f"{base}/items", headers=AUTH, timeout=5)
        assert r.status_code == 200
    finally:
        for s in idle:
            s.close()


def test_idle_connections_are_closed(pull):
    _, port, _ = pull
    from kiosk.runtime.webguard import SERVING_LIMITS
    with socket.create_connection(("127.0.0.1", port), timeout=SERVING_LIMITS["channel_timeout"] * 3) as s:
        t0 = time.monotonic()
        assert s.recv(10) == b""  # the server closed it
        assert time.monotonic() - t0 < SERVING_LIMITS["channel_timeout"] * 3


@pytest.mark.parametrize("host, ok", [
    ("127.0.0.1", True), ("127.0.0.1:{port}", True), ("localhost:{port}", True), ("[::1]:{port}", True),
    ("192.168.1.20:{port}", True), ("kiosk-0371.lan:{port}", True), ("KIOSK-0371.LAN.", True),
    ("evil.example:{port}", False), ("127.0.0.1.evil.example", False), ("", False),
    ("kiosk-0371.lan:{port}:1", False), ("[::1", False),
])
def test_host_allow_list(pull, host, ok):
    base, port, _ = pull
    r = requests.get(f"{base}/items", headers={**AUTH, "Host": host.format(port=port)}, timeout=5)
    if ok:
        assert r.status_code == 200, r.text
    else:
        assert r.status_code == 421 and "sync.pull_api_allowed_hosts" in r.json()["error"]


def test_no_host_header_is_refused(pull):
    _, port, _ = pull
    answer = _raw(port, b"GET /pull/v1/items HTTP/1.0\r\nAuthorization: Bearer " + DEV_TOKEN.encode() + b"\r\n\r\n")
    assert answer.startswith(b"HTTP/1.0 421") or answer.startswith(b"HTTP/1.1 421")


@pytest.mark.parametrize("after, status", [
    (str(2**63 - 1), 200), (str(2**63), 400), ("9" * 30, 400), ("9" * 5000, 400), ("١٢", 400),
    ("1_0", 400), (" 3", 400), ("+3", 400), ("-0", 400), ("0x10", 400),
])
def test_after_beyond_sqlite_integers_is_400(pull, after, status):
    base, _, _ = pull
    r = requests.get(f"{base}/items", params={"after": after}, headers=AUTH, timeout=5)
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    r = requests.get(f"{base}/items", params={"limit": after}, headers=AUTH, timeout=5)
    assert r.status_code == status, r.text


@pytest.mark.parametrize("path", ["//items", "/items//", "/items/", "/./items", "/items/%2e%2e/items"])
def test_odd_paths_are_answered_never_redirected(pull, path):
    base, _, _ = pull
    r = requests.get(base + path, headers=AUTH, timeout=5, allow_redirects=False)
    assert r.status_code in (200, 404), (path, r.status_code, r.headers.get("Location"))
    assert "error" in r.json() or "items" in r.json()


def test_symlinks_in_the_media_dir_are_not_followed(pull, store, h, tmp_path):
    base, _, cfg = pull
    a, b = h.add_items(store, cfg, 2)
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"TOP-SECRET " * 10)
    # 1. the file itself replaced by a symlink
    f = a.attachments[0].path
    f.unlink()
    f.symlink_to(secret)
    r = requests.get(f"{base}/items/{a.id}/attachments/0", headers=AUTH, timeout=5)
    assert r.status_code == 404 and b"TOP-SECRET" not in r.content
    assert "symlinks are never followed" in r.json()["error"]
    # 2. the item's directory replaced by a symlink to a directory holding the same name
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / b.attachments[0].path.name).write_bytes(b"TOP-SECRET")
    item_dir = b.attachments[0].path.parent
    for p in item_dir.iterdir():
        p.unlink()
    item_dir.rmdir()
    item_dir.symlink_to(outside)
    r = requests.get(f"{base}/items/{b.id}/attachments/0", headers=AUTH, timeout=5)
    assert r.status_code == 404 and b"TOP-SECRET" not in r.content


def test_a_fifo_is_not_served_and_does_not_hang(pull, store, h):
    base, _, cfg = pull
    a = h.add_items(store, cfg, 1)[0]
    f = a.attachments[0].path
    f.unlink()
    os.mkfifo(f)
    r = requests.get(f"{base}/items/{a.id}/attachments/0", headers=AUTH, timeout=5)
    assert r.status_code == 404


# -- the public development token -------------------------------------------------------

@pytest.mark.parametrize("extra, ok", [
    ("", False),                                     # today's install.sh config: no token, loopback
    ("dev_mode = true", True),                       # the demo
    (f'pull_api_token = "{DEV_TOKEN}"', False),      # the public token written out
    (f'pull_api_token = "{DEV_TOKEN}"\ndev_mode = true', True),
    ('pull_api_token = "a-real-secret-of-this-kiosk-0123456789"', True),
    ('dev_mode = true\npull_api_host = "0.0.0.0"\npull_api_token = "a-real-secret-of-this-kiosk-0123456789"', True),
])
def test_dev_token_only_on_loopback_in_dev_mode(write_config, extra, ok):
    cfg = configmod.load(write_config(f"[sync]\n{extra}\n"))
    if ok:
        assert cfg.sync.pull_token()
    else:
        with pytest.raises(ValueError, match="pull_api_token_file: .*dev_mode"):
            cfg.sync.pull_token()


def test_dev_token_file_outside_dev_mode_is_refused(write_config, tmp_path):
    tok = tmp_path / "pull.token"
    tok.write_text(DEV_TOKEN + "\n")
    cfg = configmod.load(write_config(f'[sync]\npull_api_host = "0.0.0.0"\npull_api_token_file = "{tok}"\n'
                                      "dev_mode = true\n"))
    with pytest.raises(ValueError, match="public development token"):
        cfg.sync.pull_token()  # dev_mode does not extend beyond loopback


def test_sync_daemon_refuses_the_dev_token_without_dev_mode(write_config, h):
    cfg = write_config(f'[sync]\ncentral_url = "http://127.0.0.1:{h.free_port()}"\npull_api_port = 0\n')
    p = subprocess.run([sys.executable, "-m", "kiosk", "--config", str(cfg), "sync"],
                       capture_output=True, text=True, timeout=60)
    from kiosk.cli import main as cli
    assert p.returncode == cli.EXIT_CONFIG, p.stdout + p.stderr
    assert "sync.pull_api_token_file" in p.stderr and "Traceback" not in p.stderr
    d = subprocess.run([sys.executable, "-m", "kiosk", "--config", str(cfg), "doctor", "--json"],
                       capture_output=True, text=True, timeout=120)
    import json
    checks = {c["name"]: c for c in json.loads(d.stdout)["checks"]}
    assert checks["sync_config"]["status"] == "fail" and "dev_mode" in checks["sync_config"]["detail"]


def test_install_script_config_serves_the_pull_api_only_with_its_own_token(tmp_path):
    """The TOML install.sh writes, with its generated token file: a real secret, never
    the dev token; without that file the daemon refuses to serve."""
    script = (REPO / "systemd" / "install.sh").read_text(encoding="utf-8")
    toml = script.split("<<'TOML'\n", 1)[1].split("\nTOML\n", 1)[0]
    toml = toml.replace("/var/lib/minyi-kiosk-keys", str(tmp_path / "keys")).replace(
        "/var/lib/minyi-kiosk", str(tmp_path / "var"))
    gen = next(line for line in script.splitlines() if "PULL_TOKEN\")" in line or "> \"$PULL_TOKEN\"" in line)
    (tmp_path / "keys").mkdir()
    cfg_path = tmp_path / "kiosk.toml"
    cfg_path.write_text(toml, encoding="utf-8")
    with pytest.raises(configmod.ConfigError) as e:
        configmod.load(cfg_path)  # the file is not there yet: refused when the config is loaded
    assert e.value.key == "sync.pull_api_token_file"
    subprocess.run(["bash", "-c", f'PULL_TOKEN={tmp_path}/keys/pull-api.token\n{gen}'], check=True)
    token = configmod.load(cfg_path).sync.pull_token()
    assert token != DEV_TOKEN and len(token) >= 32 and token.isascii() and token.isprintable()
    assert oct((tmp_path / "keys" / "pull-api.token").stat().st_mode & 0o777) == "0o600"
