"""Process-level checks: `kiosk sync` never imports Kivy or central-dev; both commands
run from one config file as separate processes; settings validation names the key."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
import requests

from kiosk import config as configmod
from kiosk.config.sync import DEV_TOKEN, SyncSettings

ENV = {**os.environ, "KIOSK_CLOCK_TRUSTED": "0"}


def test_sync_code_never_imports_kivy_or_central_dev(central, make_cfg, store, h, tmp_path):
    cfg = make_cfg(central.url)
    h.add_items(store, cfg, 2)
    code = (
        "import sys, json\n"
        "from kiosk.cli.main import main\n"
        f"rc = main(['--config', {str(tmp_path / 'kiosk.toml')!r}, 'sync', '--once', '--json'])\n"
        "import kiosk.sync.pullapi, kiosk.sync.daemon, kiosk.doctor.sync, kiosk.core.station_config\n"
        "bad = [m for m in sys.modules if m == 'kivy' or m.startswith('kivy.') or m.startswith('kiosk.central_dev')]\n"
        "heavy = [m for m in ('numpy', 'pandas', 'cv2') if sys.modules.get(m) is not None]\n"
        "print('HEAVY', json.dumps(heavy))\n"
        "print('IMPORTS', json.dumps(bad), rc)\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=ENV)
    assert res.returncode == 0, res.stderr
    line = [x for x in res.stdout.splitlines() if x.startswith("IMPORTS")][0]
    assert line == "IMPORTS [] 0", line
    assert central.db.q("SELECT count(*) AS n FROM items")[0]["n"] == 2


def test_sync_daemon_does_not_load_numpy(tmp_path, write_config):
    cfg = write_config('[sync]\ncentral_url = "http://127.0.0.1:9"\nconnect_timeout_s = 0.2\n')
    code = ("import sys\nfrom kiosk.cli.main import main\n"
            f"main(['--config', {str(cfg)!r}, 'sync', '--once'])\n"
            "print('HEAVY', [m for m in ('numpy', 'pandas', 'cv2') if sys.modules.get(m) is not None])\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=ENV)
    assert "HEAVY []" in res.stdout, res.stdout + res.stderr


def test_central_dev_and_sync_daemon_as_processes_from_one_config(tmp_path, write_config, h, staff_browser):
    cport, pport = h.free_port(), h.free_port()
    cfg_path = write_config(f"""
[sync]
central_url = "http://127.0.0.1:{cport}"
pull_api_port = {pport}
dev_mode = true
poll_interval_s = 0.1
backoff_base_s = 0.05
backoff_cap_s = 0.2
[central_dev]
port = {cport}
allow_development_token = true
""")
    sync = subprocess.Popen([sys.executable, "-m", "kiosk", "--config", str(cfg_path), "sync"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=ENV)
    central = None
    try:
        sub = subprocess.run([sys.executable, "-m", "kiosk", "--config", str(cfg_path), "submit",
                              "--text", "小区门口积水", "--json"], capture_output=True, text=True, env=ENV, timeout=60)
        code = json.loads(sub.stdout)["code"]
        # Wait until the daemon has met a centre that is not there yet.
        import sqlite3
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with sqlite3.connect(tmp_path / "data" / "kiosk.db") as db:
                if db.execute("SELECT count(*) FROM events WHERE kind = 'sync_outage'").fetchone()[0]:
                    break
            time.sleep(0.1)
        pw = subprocess.run([sys.executable, "-m", "kiosk", "--config", str(cfg_path), "central-dev", "set-password"],
                            input="staff passphrase 1\n", capture_output=True, text=True, env=ENV, timeout=60)
        assert pw.returncode == 0, pw.stderr
        central = subprocess.Popen([sys.executable, "-m", "kiosk", "--config", str(cfg_path), "central-dev"],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=ENV)
        assert "central-dev listening on" in central.stdout.readline()
        deadline = time.monotonic() + 30
        state = None
        while time.monotonic() < deadline:
            st = subprocess.run([sys.executable, "-m", "kiosk", "--config", str(cfg_path), "status", code, "--json"],
                                capture_output=True, text=True, env=ENV, timeout=60)
            state = json.loads(st.stdout)["delivery"]
            if state == "delivered":
                break
            time.sleep(0.3)
        assert state == "delivered"
        page = staff_browser(f"http://127.0.0.1:{cport}", password="staff passphrase 1").get("/").text
        assert code in page
        r = requests.get(f"http://127.0.0.1:{pport}/pull/v1/items",
                         headers={"Authorization": f"Bearer {DEV_TOKEN}"}).json()
        assert r["items"][0]["code"] == code and r["items"][0]["delivery"] == "delivered"
        second = subprocess.run([sys.executable, "-m", "kiosk", "--config", str(cfg_path), "sync"],
                                capture_output=True, text=True, env=ENV, timeout=60)
        assert second.returncode == 1 and "already running" in second.stderr
    finally:
        for p in (sync, central):
            if p is not None:
                p.send_signal(signal.SIGTERM)
        out = sync.communicate(timeout=15)[0]
        if central is not None:
            assert central.wait(timeout=15) == 0
    assert sync.returncode == 0, out
    assert out.count("centre unreachable") == 1 and out.count("reachable again") == 1, out


@pytest.mark.parametrize("text, key", [
    ('central_url = "http://centre.example.org/"', "sync.central_url"),
    ('central_url = "ftp://127.0.0.1/"', "sync.central_url"),
    ('central_url = "https://centre.example.org/"', "sync.token_file"),
    ("read_timeout_s = 0", "sync.read_timeout_s"),
    ("backoff_cap_s = 0.1\nbackoff_base_s = 1.0", "sync.backoff_cap_s"),
    ('pull_api_host = "0.0.0.0"', "sync.pull_api_token_file"),
    ("pull_page_max = 0", "sync.pull_page_max"),
    ("retention_days = -1", "sync.retention_days"),
])
def test_sync_settings_errors_name_the_key(write_config, text, key):
    with pytest.raises(configmod.ConfigError) as e:
        configmod.load(write_config(f"[sync]\n{text}\n"))
    assert e.value.key == key


def test_central_dev_settings_errors_and_tokens(write_config, tmp_path, h):
    with pytest.raises(configmod.ConfigError) as e:
        configmod.load(write_config('[central_dev]\nhost = "0.0.0.0"\n'))
    assert e.value.key == "central_dev.token_file"
    tok = tmp_path / "t.token"
    secret = "s3cret-0123456789abcdef0123456789"
    tok.write_text(secret + "\n")
    cert_p, _ = h.self_signed(tmp_path)
    cert_p.rename(tmp_path / "ca.pem")
    cfg = configmod.load(write_config(f'[sync]\ncentral_url = "https://c.example/"\ntoken_file = "t.token"\n'
                                      f'ca_bundle = "ca.pem"\n[central_dev]\ntoken_file = "{tok}"\n'))
    assert cfg.sync.central_token() == secret and cfg.central_dev.accepted_token() == secret
    assert cfg.sync.verify() == str(tmp_path / "ca.pem")
    assert SyncSettings().central_token() == DEV_TOKEN and SyncSettings().verify() is True
    tok.write_text("")
    with pytest.raises(ValueError, match="token_file: .* is empty"):
        cfg.sync.central_token()


def _tls_front(upstream_port, cert_p, key_p):
    """A TLS-terminating TCP relay in front of central-dev (waitress speaks plain HTTP)."""
    import selectors
    import socket
    import ssl
    import threading
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert_p, key_p)
    lsock = socket.create_server(("127.0.0.1", 0))

    def relay(raw):
        try:
            tls = ctx.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError):
            raw.close()
            return
        up = socket.create_connection(("127.0.0.1", upstream_port))
        sel = selectors.DefaultSelector()
        sel.register(tls, selectors.EVENT_READ, up)
        sel.register(up, selectors.EVENT_READ, tls)
        try:
            while True:
                for k, _ in sel.select(10):
                    b = k.fileobj.recv(65536)
                    if not b:
                        return
                    k.data.sendall(b)
        except OSError:
            pass
        finally:
            tls.close()
            up.close()

    def accept():
        while True:
            try:
                c, _ = lsock.accept()
            except OSError:
                return
            threading.Thread(target=relay, args=(c,), daemon=True).start()
    threading.Thread(target=accept, daemon=True).start()
    return lsock


def test_https_centre_verified_against_the_configured_ca_bundle(central, make_cfg, store, h, tmp_path):
    from kiosk.sync.daemon import SyncDaemon
    cert_p, key_p = h.self_signed(tmp_path)
    front = _tls_front(central.port, cert_p, key_p)
    url = f"https://127.0.0.1:{front.getsockname()[1]}"
    try:
        items = h.add_items(store, make_cfg(url), 2, real_name=True)
        # No CA bundle: the system store does not know our certificate -> refused.
        out = SyncDaemon(make_cfg(url), store).run_once()
        assert not out["ok"] and "TLS verification failed" in out["forward"]["stopped"]
        assert store.count("pending") == 2 and not central.db.has_item(items[0].id)
        # With the centre's CA in sync.ca_bundle the same URL works.
        cfg = make_cfg(url, extra=f'ca_bundle = "{cert_p}"')
        assert SyncDaemon(cfg, store).run_once()["ok"]
        h.assert_exactly_once(central, store, items)
    finally:
        front.close()
