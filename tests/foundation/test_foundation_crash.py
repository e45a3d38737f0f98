"""Crash test: SIGKILL a submitting process at random moments, hundreds of times.

Afterwards every code that was printed (i.e. shown to a resident) exists with every
attachment's hash matching and its receipt secret still opening it, no partial item
exists, and the database is intact. A second test kills the child at every single step
of opening a new store (its receipt-secret key made) and committing items, in turn.
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

from kiosk.core import fsutil, itemsecret
from kiosk.core.store import Store

CHILD = Path(__file__).with_name("crash_child.py")
KILLS = int(os.environ.get("KIOSK_CRASH_KILLS", "200"))


Printed = dict[str, tuple[int, list[str], str]]  # code -> (attachments, their sha256, secret)


def parse_printed(out: bytes, printed: Printed) -> None:
    """Add the fully printed lines of a child's output (a torn tail is not counted)."""
    for line in out.decode().split("\n")[:-1]:
        parts = line.split(" ")
        if len(parts) == 4:
            printed[parts[0]] = (int(parts[1]), [d for d in parts[2].split(",") if d != "-"], parts[3])


def run_crash_loop(cfg_path: Path, kills: int, seed: int = 1) -> Printed:
    """Start, SIGKILL and restart the child *kills* times; return the printed codes."""
    rng = random.Random(seed)
    printed: Printed = {}
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
        parse_printed(buf, printed)
    return printed


def check_store_after_crashes(cfg, printed: Printed, *, interrupted: bool = True) -> int:
    s = Store.open(cfg)  # runs start-up recovery like the real app
    try:
        assert s.integrity_check() == "ok"
        for code, (n, digests, secret) in printed.items():
            item = s.find_by_code(code)
            assert item is not None, f"code {code} was printed but the item is lost"
            assert [a.sha256 for a in item.attachments] == digests
            assert itemsecret.secret_matches(s, item.id, secret), f"the receipt secret of {code} no longer opens it"
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
        assert not interrupted or s.events(1000, kind="recovered"), "no kill interrupted a commit"
        return s.count()
    finally:
        s.close()


def test_sigkill_during_submissions_loses_nothing_shown(cfg, write_config):
    cfg_path = write_config()
    printed = run_crash_loop(cfg_path, KILLS)
    assert len(printed) > KILLS // 4, "the child hardly committed anything: the test proves little"
    total = check_store_after_crashes(cfg, printed)
    assert total >= len(printed)


STEP_CHILD = Path(__file__).with_name("crash_step_child.py")


def _run_step_child(cfg_path: Path, k: int, items: int) -> bytes:
    root = str(STEP_CHILD.parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (root, os.environ.get("PYTHONPATH"))))}
    p = subprocess.run([sys.executable, str(STEP_CHILD), str(cfg_path), str(k), str(items)],
                       capture_output=True, env=env, timeout=120)
    assert p.returncode in (0, -signal.SIGKILL), p.stderr.decode()[-2000:]
    return p.stdout


def test_a_kill_at_every_step_of_the_commit_path_loses_nothing(cfg, write_config, tmp_path):
    """The store exists, its receipt-secret key not yet (a kiosk upgraded to keyed
    receipt secrets): the child opens it (the key is made) and commits an item with an
    attachment and one without. It is killed just before each durable step in turn."""
    import shutil

    from kiosk.core import receiptkey
    from kiosk.core.submission import submit

    cfg_path = write_config()
    Store.open(cfg).close()
    receiptkey.path_for(cfg.storage.key_file).unlink()
    pristine = tmp_path / "pristine"
    for d in ("data", "keys"):
        shutil.copytree(tmp_path / d, pristine / d)
    out = _run_step_child(cfg_path, 0, 2)
    steps = int(out.decode().split("steps ")[1])
    assert steps > 20, f"only {steps} steps counted: the hooks see nothing"
    seen = set()
    for k in range(1, steps + 1):
        for d in ("data", "keys"):
            shutil.rmtree(tmp_path / d)
            shutil.copytree(pristine / d, tmp_path / d)
        printed: Printed = {}
        parse_printed(_run_step_child(cfg_path, k, 2), printed)
        seen.add(len(printed))
        check_store_after_crashes(cfg, printed, interrupted=False)
        with Store.open(cfg) as s:        # and the kiosk goes on: the next receipt works
            # The key is made whole or not at all: never a torn file that no one may replace.
            assert s.receipt_key.usable, f"kill at step {k}: {s.receipt_key.problem}"
            sub = submit(s, cfg, text="after the crash")
            assert itemsecret.secret_matches(s, sub.item.id, sub.secret), f"kill at step {k}"
    # The last step is the second item's COMMIT: every kill lands before it.
    assert seen == {0, 1}, "the kills must land before the first commit and between the two"
