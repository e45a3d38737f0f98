"""Under a read-only root the kiosk writes only to its data and key dirs (systemd/README.md).

The test builds, in a private mount namespace (``unshare -m``, as root), what the units'
``ProtectSystem=strict`` + ``ReadWritePaths=`` + ``PrivateTmp=yes`` give the services on a
kiosk and what Raspberry Pi OS's overlay root amounts to for them: every file system
read-only except the data dir, the key dir, KIVY_HOME, a private temp dir and the cache
dir that ``CacheDirectory=`` gives the UI unit (``$CACHE_DIRECTORY``). Inside it
run the touchscreen app (the real KioskApp in the offscreen window: a photo item from
the finish screen through to the done screen), `kiosk doctor` and `kiosk sync --once`
against a real central-dev outside the namespace. A probe write to the repository must
fail with EROFS, so the sandbox is proven to be read-only, not assumed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

APP_SESSION = textwrap.dedent('''
    import json, os, sys
    from kiosk import config as configmod
    from kiosk.app import kivyenv
    cfg = configmod.load(os.environ["KIOSK_CONFIG"])
    kivyenv.prepare(cfg.ui, offscreen=True, size=(1280, 800))
    from kiosk.core.store import Store
    from kiosk.app.offscreen.harness import Harness
    from kiosk.app.services import Services
    store = Store.open(cfg)
    store.recover(verify=False)          # what `kiosk run` does at start
    h = Harness(cfg, store, Services(cfg, store, fake_hardware=True))
    app = h.start()
    s = app.session
    s.source, s.text = "photo", "小区东门路灯坏了"
    s.photos = [b"\\xff\\xd8\\xff\\xe0" + b"\\0" * 5000]
    app.go("finish")
    h.pump(2)
    h.tap(h.screen("finish").ids.submit)
    done = h.screen("done")
    h.wait(lambda: app.root.current == "done" and not done.pending, what="the done screen")
    code = done.ids.code.text
    h.screenshot(os.path.join(os.environ["TMPDIR"], "done.png"))
    app.reset_session()                  # the idle wipe: session files removed
    h.stop()
    store.close()
    print(json.dumps({"code": code}))
''')

SANDBOX = textwrap.dedent('''
    set -eu
    mount --make-rprivate /
    # ReadWritePaths= and PrivateTmp=: each writable dir becomes its own mount first ...
    for d in {writable}; do mount --bind "$d" "$d"; done
    # ... then ProtectSystem=strict: every other mount read-only (API file systems under
    # /dev, /proc and /sys excepted, as systemd does).
    awk '{{print $5}}' /proc/self/mountinfo | sort -u | while read -r mp; do
      case "$mp" in /dev|/dev/*|/proc|/proc/*|/sys|/sys/*) continue ;; esac
      skip=0
      for d in {writable}; do [ "$mp" = "$d" ] && skip=1; done
      [ $skip = 1 ] || mount -o remount,bind,ro "$mp"
    done
    if touch "{probe}" 2>/dev/null; then rm -f "{probe}"; echo "SANDBOX NOT READ-ONLY"; exit 99; fi
    cd /
    echo "== app"; "{python}" -c "$APP_SESSION"
    echo "== submit"; "{python}" -m kiosk --json submit --text "命令行提交"
    echo "== doctor"; "{python}" -m kiosk --json doctor || true
    echo "== sync"; "{python}" -m kiosk --json sync --once
''')


@pytest.fixture
def central(tmp_path):
    from kiosk.central_dev.server import CentralServer
    from kiosk.config.sync import DEV_TOKEN
    srv = CentralServer(tmp_path / "central", DEV_TOKEN, host="127.0.0.1", port=0).start()
    yield srv
    srv.stop()


def _sections(out: str) -> dict[str, str]:
    parts, name = {}, None
    for line in out.splitlines():
        if line.startswith("== "):
            name = line[3:]
            parts[name] = ""
        elif name:
            parts[name] += line + "\n"
    return parts


def test_app_and_daemon_write_only_their_data_dirs(tmp_path, central):
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare(1) to build a read-only mount namespace")
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"mount namespaces not permitted here: {probe.stderr.strip()}")
    data, keys, kivy_home, private_tmp, cache = (tmp_path / n for n in ("data", "keys", "kivy", "private-tmp", "cache"))
    for d in (data, keys, kivy_home, private_tmp, cache):
        d.mkdir()
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(textwrap.dedent(f'''
        [station]
        number = "0371"
        [storage]
        data_dir = "{data}"
        key_file = "{keys}/pii.key"
        min_free_mb = 1
        hard_floor_mb = 0
        [sync]
        central_url = "{central.url}"
        pull_api_enabled = false
        connect_timeout_s = 2.0
    '''), encoding="utf-8")
    os.chmod(cfg, 0o644)
    script = SANDBOX.format(writable=" ".join(f'"{d}"' for d in (data, keys, kivy_home, private_tmp, cache)),
                            probe=REPO / ".readonly-probe", python=sys.executable)
    env = {**os.environ, "KIOSK_CONFIG": str(cfg), "KIVY_HOME": str(kivy_home), "TMPDIR": str(private_tmp),
           "CACHE_DIRECTORY": str(cache),                # the UI unit's CacheDirectory=
           "SDL_VIDEODRIVER": "offscreen", "KIVY_NO_ARGS": "1", "SDL_AUDIODRIVER": "dummy",
           "APP_SESSION": APP_SESSION, "PYTHONDONTWRITEBYTECODE": "1"}
    res = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script],
                         capture_output=True, text=True, env=env, timeout=600)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-5000:]
    assert "Read-only file system" not in res.stderr, res.stderr[-5000:]
    out = _sections(res.stdout)
    app_code = json.loads(out["app"].strip().splitlines()[-1])["code"]
    cli_code = json.loads(out["submit"])["code"]
    doctor = {c["name"]: c["status"] for c in json.loads(out["doctor"])["checks"]}
    assert doctor["data_dir"] in ("ok", "warn") and doctor["database"] == "ok", out["doctor"]
    sync = json.loads(out["sync"])
    assert sync["forward"]["delivered"] == 2 and sync["ok"], out["sync"]
    # Both items reached the centre; the photo is whole.
    from kiosk import config as configmod
    from kiosk.core.store import Store
    with Store.open(configmod.load(cfg)) as store:
        app_item, cli_item = store.find_by_code(app_code), store.find_by_code(cli_code)
        assert app_item.delivery == "delivered" and cli_item.delivery == "delivered"
        assert [a.kind for a in app_item.attachments] == ["photo"]
    assert central.db.has_item(app_item.id) and central.db.has_item(cli_item.id)
    assert (private_tmp / "done.png").exists()
    # The line breaker's dictionary went where the unit lets it go, not to a temporary
    # copy, and the unit does give the app that dir.
    assert (cache / "linebreak" / "jieba.bin").is_file()
    ui_unit = (REPO / "systemd" / "minyi-kiosk-ui.service").read_text(encoding="utf-8")
    assert "\nCacheDirectory=minyi-kiosk\n" in ui_unit
