"""An attachment that exists but cannot be opened (permissions, an I/O error) is this
kiosk's problem, not the item's: the item is held and reported, never quarantined, and
the others go on (docs/sync.md, "Centre calls"). Root reads every file, so the daemon
runs here as root without CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH (setpriv): a mode-000
file is then really unreadable, as for the unprivileged service user."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(shutil.which("setpriv") is None or os.geteuid() != 0,
                                reason="needs root and setpriv to drop the DAC capabilities")


@pytest.mark.parametrize("what", ["file", "its directory"])
def test_an_unreadable_attachment_holds_only_its_item(what, central, make_cfg, store, h, tmp_path):
    cfg = make_cfg(central.url)
    items = h.add_items(store, cfg, 3)
    path = items[1].attachments[0].path
    locked = path if what == "file" else path.parent
    os.chmod(locked, 0)
    cmd = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search",
           sys.executable, "-m", "kiosk", "--config", str(tmp_path / "kiosk.toml"), "--json", "sync", "--once"]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in res.stderr, res.stderr
    out = json.loads(res.stdout)
    assert out["forward"]["delivered"] == 2 and out["forward"]["quarantined"] == 0, out
    assert out["forward"]["unreadable"] == 1 and not out["ok"] and res.returncode == 1
    assert [store.get_item(i.id).delivery for i in items] == ["delivered", "pending", "delivered"]
    assert "Permission denied" in store.get_item(items[1].id).last_error
    ev = store.events(kind="sync_item_unreadable")
    assert len(ev) == 1 and str(items[1].code) in ev[0]["message"]
    os.chmod(locked, 0o644 if what == "file" else 0o755)  # staff fix the permissions: it goes, once
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert json.loads(res.stdout)["forward"]["delivered"] == 1, res.stdout + res.stderr
    h.assert_exactly_once(central, store, items)
