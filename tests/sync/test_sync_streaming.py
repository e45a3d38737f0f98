"""Uploads are streamed: pushing an item with a 20 MB attachment must not hold the file
in memory (Python allocations measured with tracemalloc; the centre runs in its own
process so only the kiosk's side is measured)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tracemalloc

from kiosk.core.submission import AttachmentInput, submit
from kiosk.sync.daemon import SyncDaemon


def test_push_of_a_large_item_is_streamed(make_cfg, store, tmp_path, write_config):
    central_cfg = write_config("[central_dev]\nport = 0\nallow_development_token = true\n",
                               name="central.toml")
    env = {**os.environ, "KIOSK_CLOCK_TRUSTED": "0"}
    proc = subprocess.Popen([sys.executable, "-m", "kiosk", "--config", str(central_cfg), "central-dev",
                             "--data-dir", str(tmp_path / "c")], stdout=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stdout.readline()
        url = line.split("listening on ")[1].split()[0]
        cfg = make_cfg(url, read_timeout=20)
        big = tmp_path / "long.wav"
        with open(big, "wb") as f:
            f.write(b"RIFF")
            for _ in range(20):
                f.write(os.urandom(1024 * 1024))
        item = submit(store, cfg, text="长录音", attachments=[AttachmentInput("long.wav", big, kind="audio")]).item
        d = SyncDaemon(cfg, store)
        tracemalloc.start()
        try:
            out = d.run_once()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert out["ok"] and out["forward"]["delivered"] == 1
        assert store.get_item(item.id).delivery == "delivered"
        assert peak < 4 * 1024 * 1024, f"peak Python allocation {peak / 2**20:.1f} MB for a 20 MB upload"
        assert (tmp_path / "c" / "media" / item.id / "0").stat().st_size == big.stat().st_size
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(15)
