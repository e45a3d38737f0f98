"""Benchmark the store: commit latency (text only; with a 200 KB attachment) beside its
floor, and lookup by tracking code at 100,000 items. Prints figures; asserts nothing
(machines are noisy).

    .venv/bin/python tests/bench/bench_store.py [--commits 300] [--items 100000] [--dir DIR]
    .venv/bin/python tests/bench/bench_store.py --profile text|photo   # cProfile of the commits

The floor (tests/bench/floors.py) is what the same durable work costs at least on this
disk: one SQLite WAL transaction with synchronous=FULL (text), and write + fsync +
rename + fsync dir + that transaction (a 200 KB photo). Each commit is timed right after
one floor operation, so load from other processes slows both alike.

Targets: commit p50 <= 2x its floor (issue 24), p99 <= 50 ms (docs/design.md); lookup <= 5 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from kiosk import config as configmod  # noqa: E402
from kiosk.core import trackcode  # noqa: E402
from kiosk.core.store import Store  # noqa: E402
from kiosk.core.submission import AttachmentInput, submit  # noqa: E402
from floors import PhotoFloor, load_line, pct, ratio_line  # noqa: E402


def commit_once(store, cfg, i: int, attachment: bytes | None) -> float:
    """One submission through the real path (rules, seal, commit); its wall ms."""
    atts = [AttachmentInput("photo.png", attachment, kind="photo")] if attachment else []
    t = time.perf_counter()
    submit(store, cfg, text=f"路灯坏了，第{i}次反映", category="urban", attachments=atts)
    return (time.perf_counter() - t) * 1000


def interleaved(store, cfg, floor: PhotoFloor, n: int, attachment: bytes | None):
    """*n* commits, each right after one floor operation of the same size."""
    lat, base = [], []
    for i in range(n):
        base.append(floor.photo_once(attachment) if attachment else floor.text_once(f"路灯坏了，第{i}次反映"))
        lat.append(commit_once(store, cfg, i, attachment))
    return lat, base


def profile(store, cfg, n: int, attachment: bytes | None) -> None:
    """cProfile of *n* commits, the top of the internal-time list."""
    import cProfile
    import pstats
    for i in range(20):  # warm: first-use costs (key files, statement caches) are not per commit
        commit_once(store, cfg, i, attachment)
    prof = cProfile.Profile()
    prof.enable()
    for i in range(n):
        commit_once(store, cfg, i, attachment)
    prof.disable()
    pstats.Stats(prof).sort_stats("tottime").print_stats(25)


def fill(store, station, start_seq, n):
    """Bulk-insert n minimal items (same columns as a commit) to reach the lookup size."""
    rows = []
    for seq in range(start_seq, start_seq + n):
        rows.append({"id": str(uuid.uuid4()), "seq": seq, "station": station,
                     "code": trackcode.make(station, seq).compact, "created_at": "2026-11-22T00:00:00Z",
                     "text": "填充", "state": "stored", "delivery": "delivered", "source": "cli", "lang": "zh-CN"})
    with store.write() as db:
        db["items"].insert_all(rows, batch_size=5000)
        db.execute("INSERT OR REPLACE INTO counters VALUES (?, ?)", [station, start_seq + n])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--commits", type=int, default=300)
    ap.add_argument("--items", type=int, default=100_000)
    ap.add_argument("--lookups", type=int, default=2000)
    ap.add_argument("--dir", help="data dir on the disk to measure (default: a temp dir)")
    ap.add_argument("--profile", choices=("text", "photo"), help="profile the commits instead")
    a = ap.parse_args()
    base = Path(a.dir or tempfile.mkdtemp(prefix="bench-store-"))
    cfg = configmod.from_dict({"storage": {"data_dir": str(base / "data"), "key_file": str(base / "pii.key")},
                               "station": {"number": "0371"}})
    # The clock check runs for real (as on a kiosk): it is part of every commit.
    store = Store.open(cfg)
    photo = b"\x89PNG\r\n\x1a\n" + os.urandom(200 * 1024 - 8)
    if a.profile:
        return profile(store, cfg, a.commits, photo if a.profile == "photo" else None)
    print(load_line())
    print(f"data dir: {base}")
    floor = PhotoFloor(base / "floor")
    for i in range(10):  # first-use costs (the receipt key, statement caches) are not per commit
        floor.text_once("warm")
        commit_once(store, cfg, i, None)
    text = interleaved(store, cfg, floor, a.commits, None)
    att = interleaved(store, cfg, floor, a.commits, photo)
    print(ratio_line("commit text only", *text, "<= 2x"))
    print(ratio_line("commit 200 KB photo", *att, "<= 2x"))
    print(f"commit max: text {max(text[0]):.2f} ms, photo {max(att[0]):.2f} ms (target p99 <= 50 ms)")
    print(load_line())
    have = store.count()
    if have < a.items:
        t = time.perf_counter()
        fill(store, "0371", have + 1, a.items - have)
        print(f"filled to {store.count()} items in {time.perf_counter() - t:.1f} s")
    store.close()
    store = Store.open(cfg)  # cold-ish: fresh connection
    import random
    rng = random.Random(1)
    codes = [str(trackcode.make("0371", rng.randrange(1, a.items + 1))) for _ in range(a.lookups)]
    lat = []
    for c in codes:
        t = time.perf_counter()
        item = store.find_by_code(c)
        lat.append((time.perf_counter() - t) * 1000)
        assert item is not None
    print(f"lookup at {store.count()} items     p50 {pct(lat, 50):6.3f} ms  p99 {pct(lat, 99):6.3f} ms  "
          f"mean {statistics.mean(lat):6.3f} ms  (target <= 5 ms)")
    store.close()


if __name__ == "__main__":
    main()
