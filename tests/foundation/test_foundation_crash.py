"""Crash test: SIGKILL a submitting process at random moments, hundreds of times.

Afterwards every code that was printed (i.e. shown to a resident) exists with every
attachment's hash matching, no partial item exists, and the database is intact.
"""

from __future__ import annotations

import os
import random
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from kiosk.core import fsutil
from kiosk.core.store import Store

CHILD = Path(__file__).with_name("crash_child.py")
KILLS = int(os.environ.get("KIOSK_CRASH_KILLS", "200"))


def run_crash_loop(cfg_path: Path, kills: int, seed: int = 1) -> dict[str, tuple[int, list[str]]]:
    """Start, SIGKILL and restart the child *kills* times; return the printed codes."""
    rng = random.Random(seed)
    printed: dict[str, tuple[int, list[str]]] = {}
    # A script's sys.path starts at its own folder, not at this checkout: without
    # PYTHONPATH the child imported whichever `kiosk` the venv had installed.
    root = str(CHILD.parents[2])
    env = {**os.environ, "PYTHONUNBUFFERED": "1",
           "PYTHONPATH": os.pathsep.join(filter(None, (root, os.environ.get("PYTHONPATH"))))}
    for k in range(kills):
        p = subprocess.Popen([sys.executable, str(CHILD), str(cfg_path), str(seed * 100_000 + k)],
                             stdout=subprocess.PIPE, env=env, bufsize=0)
        # bufsize=0: readline() must not read ahead of the bytes os.read() takes below.
        assert p.stdout.readline() == b"ready\n", "child did not start"
        deadline = time.monotonic() + rng.uniform(0.0, 0.25)
        buf = b""
        while time.monotonic() < deadline:
            r, _, _ = select.select([p.stdout], [], [], max(0.0, deadline - time.monotonic()))
            if r:
                chunk = os.read(p.stdout.fileno(), 65536)
                if not chunk:
                    break
                buf += chunk
        p.send_signal(signal.SIGKILL)
        buf += p.stdout.read()
        p.wait()
        # Only newline-terminated lines were fully printed; a torn tail is not counted.
        for line in buf.decode().split("\n")[:-1]:
            parts = line.split(" ")
            if len(parts) == 3:
                printed[parts[0]] = (int(parts[1]), [d for d in parts[2].split(",") if d])
    return printed


def check_store_after_crashes(cfg, printed) -> int:
    s = Store.open(cfg)  # runs start-up recovery like the real app
    try:
        assert s.integrity_check() == "ok"
        for code, (n, digests) in printed.items():
            item = s.find_by_code(code)
            assert item is not None, f"code {code} was printed but the item is lost"
            assert [a.sha256 for a in item.attachments] == digests
        for item in s.list_items():
            # whole items only: every attachment present with its recorded hash
            if item.text.startswith("n="):
                assert len(item.attachments) == int(item.text[2:])
            for a in item.attachments:
                assert fsutil.sha256_file(a.path) == (a.sha256, a.size), f"{item.code} {a.name}"
            assert item.integrity == "ok"
        on_disk = {p.name for p in s.media_dir.iterdir()}
        assert on_disk <= {i.id for i in s.list_items(with_attachments=False)}
        assert not any(s.tmp_dir.iterdir())
        # Some kills must have landed mid-commit, or this test proved nothing about recovery.
        assert s.events(1000, kind="recovered"), "no kill interrupted a commit"
        return s.count()
    finally:
        s.close()


def test_sigkill_during_submissions_loses_nothing_shown(cfg, write_config):
    cfg_path = write_config()
    printed = run_crash_loop(cfg_path, KILLS)
    assert len(printed) > KILLS // 4, "the child hardly committed anything: the test proves little"
    total = check_store_after_crashes(cfg, printed)
    assert total >= len(printed)
