"""Benchmark the store: commit latency (text only; with a 200 KB attachment) and lookup
by tracking code at 100,000 items. Prints figures; asserts nothing (machines are noisy).

    .venv/bin/python tests/bench/bench_store.py [--commits 300] [--items 100000] [--dir DIR]

Targets (docs/design.md): commit p99 <= 50 ms, lookup <= 5 ms.
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


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def timed_commits(store, cfg, n, attachment: bytes | None):
    lat = []
    for i in range(n):
        atts = [AttachmentInput("rec.wav", attachment, kind="audio")] if attachment else []
        t = time.perf_counter()
        submit(store, cfg, text=f"路灯坏了，第{i}次反映", category="urban", attachments=atts)
        lat.append((time.perf_counter() - t) * 1000)
    return lat


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
    a = ap.parse_args()
    base = Path(a.dir or tempfile.mkdtemp(prefix="bench-store-"))
    cfg = configmod.from_dict({"storage": {"data_dir": str(base / "data"), "key_file": str(base / "pii.key")},
                               "station": {"number": "0371"}})
    os.environ.setdefault("KIOSK_CLOCK_TRUSTED", "0")
    store = Store.open(cfg)
    print(f"data dir: {base}")
    text_lat = timed_commits(store, cfg, a.commits, None)
    att = os.urandom(200 * 1024)
    att_lat = timed_commits(store, cfg, a.commits, b"RIFF" + att)
    for name, lat in (("text only", text_lat), ("with 200 KB attachment", att_lat)):
        print(f"commit {name:24s} p50 {pct(lat, 50):6.2f} ms  p99 {pct(lat, 99):6.2f} ms  "
              f"max {max(lat):6.2f} ms  (n={len(lat)}; target p99 <= 50 ms)")
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
