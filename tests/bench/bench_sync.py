"""Benchmark forwarding: N queued items with a 100 KB attachment each drain from a real
`kiosk sync` process to a real `kiosk central-dev` process on loopback. Prints items/s
beside the HTTP floor, and the daemon's RSS over the run (peak = VmHWM). Asserts
nothing (machines are noisy).

    .venv/bin/python tests/bench/bench_sync.py [--items 10000] [--size 102400] [--dir DIR]

The floor (tests/bench/floors.py, ``HttpFloor``): a bare requests session PUTting each
body of the same size to a bare waitress app, in its own process, that writes and fsyncs
it. It is measured just before and just after the drain (``--floor-items`` each) and the
drain is compared with their mean. The drain rate is the steady one, from the first item
delivered to the last: the daemon's start (imports, and re-hashing every queued file,
docs/store.md "Start-up recovery") is printed apart.

Targets: drain >= 0.6x the floor (issue 24), >= 50 items/s (docs/design.md); daemon RSS
<= 60 MB and flat.

The queue is filled directly (files written, rows inserted in large transactions, the
same columns and hashes a commit writes) because this measures forwarding, not
committing — tests/bench/bench_store.py measures the commit path.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from kiosk import config as configmod  # noqa: E402
from kiosk.core import trackcode  # noqa: E402
from kiosk.core.store import Store  # noqa: E402
from floors import HttpFloor, free_port, load_line  # noqa: E402


def fill(store: Store, n: int, size: int) -> None:
    """Queue *n* pending items, each with one *size*-byte WAV-typed attachment."""
    block = os.urandom(size)
    station = store.station
    batch_items, batch_atts = [], []
    for seq in range(1, n + 1):
        item_id = str(uuid.uuid4())
        data = b"RIFF" + seq.to_bytes(8, "big") + block[12:]
        d = store.media_dir / item_id
        d.mkdir()
        (d / "00-rec.wav").write_bytes(data)
        batch_items.append({"id": item_id, "seq": seq, "station": station,
                            "code": trackcode.make(station, seq).compact, "created_at": "2026-11-22T00:00:00.000+00:00",
                            "text": f"路灯坏了，第{seq}次反映", "category": "urban", "anonymous": 1,
                            "state": "stored", "delivery": "pending", "source": "voice", "lang": "zh-CN"})
        batch_atts.append({"item_id": item_id, "idx": 0, "kind": "audio", "name": "00-rec.wav",
                           "media_type": "audio/wav", "size": len(data),
                           "sha256": hashlib.sha256(data).hexdigest()})
        if len(batch_items) == 1000 or seq == n:
            with store.write() as db:
                db["items"].insert_all(batch_items)
                db["attachments"].insert_all(batch_atts)
                db.execute("INSERT OR REPLACE INTO counters (station, next_seq) VALUES (?, ?)", [station, seq + 1])
            batch_items, batch_atts = [], []


def rss_kb(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process in kB."""
    vals = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        k, _, v = line.partition(":")
        if k in ("VmRSS", "VmHWM"):
            vals[k] = int(v.split()[0])
    return vals.get("VmRSS", 0), vals.get("VmHWM", 0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--items", type=int, default=10_000)
    ap.add_argument("--size", type=int, default=100 * 1024)
    ap.add_argument("--dir", help="work dir (default: a temp dir, removed afterwards)")
    ap.add_argument("--floor-items", type=int, default=1000, help="PUTs of the floor before and after")
    args = ap.parse_args()
    print(load_line())

    tmp = tempfile.TemporaryDirectory(prefix="bench-sync-", dir=args.dir)
    base = Path(tmp.name)
    cport, pport = free_port(), free_port()
    cfg_path = base / "kiosk.toml"
    cfg_path.write_text(f"""
[storage]
data_dir = "{base}/data"
key_file = "{base}/keys/pii.key"
[station]
number = "0371"
[sync]
central_url = "http://127.0.0.1:{cport}"
pull_api_port = {pport}
dev_mode = true
poll_interval_s = 0.5
batch_size = 100
[central_dev]
port = {cport}
threads = 4
allow_development_token = true
""", encoding="utf-8")
    cfg = configmod.load(cfg_path)
    env = {**os.environ, "KIOSK_CLOCK_TRUSTED": "0"}

    t0 = time.perf_counter()
    with Store.open(cfg) as store:
        fill(store, args.items, args.size)
    print(f"queued {args.items} items x {args.size} B in {time.perf_counter() - t0:.1f} s")

    body = os.urandom(args.size)
    floor = HttpFloor(base / "floor")
    try:
        before = floor.rate(body, args.floor_items)
        run = drain(base, cfg_path, env, args.items)
        after = floor.rate(body, args.floor_items)
    finally:
        floor.close()
    report(base, args, run, (before + after) / 2, (before, after))
    print(load_line())
    tmp.cleanup()


def drain(base: Path, cfg_path: Path, env: dict, items: int) -> dict:
    """Start central-dev and `kiosk sync`, wait until *items* are delivered; the timings
    and the daemon's RSS samples."""
    central = subprocess.Popen([sys.executable, "-m", "kiosk", "--config", str(cfg_path), "central-dev"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    central.stdout.readline()
    db = sqlite3.connect(f"file:{base}/data/kiosk.db?mode=ro", uri=True)
    log = open(base / "sync.log", "w")
    start = time.perf_counter()
    sync = subprocess.Popen([sys.executable, "-m", "kiosk", "--config", str(cfg_path), "sync"],
                            stdout=log, stderr=subprocess.STDOUT, env=env)
    samples, first = [], None  # (seconds, delivered, rss kB); when the first item was delivered
    try:
        while True:
            time.sleep(0.5 if first is not None else 0.02)
            if sync.poll() is not None:
                raise SystemExit(f"kiosk sync exited with {sync.returncode}; see {base}/sync.log")
            delivered = db.execute("SELECT count(*) FROM items WHERE delivery = 'delivered'").fetchone()[0]
            now = time.perf_counter() - start
            if delivered and first is None:
                first = (now, delivered)
            rss, hwm = rss_kb(sync.pid)
            samples.append((now, delivered, rss))
            if delivered >= items:
                break
        _, hwm = rss_kb(sync.pid)
    finally:
        for p in (sync, central):
            p.send_signal(signal.SIGTERM)
        sync.wait(30)
        central.wait(30)
        log.close()
    took = time.perf_counter() - start
    return {"took": samples[-1][0], "first": first, "hwm": hwm, "samples": samples, "total": took}


def report(base: Path, args, run: dict, floor: float, floors: tuple[float, float]) -> None:
    """Print the drain beside the floor, the RSS, and what the centre holds."""
    cdb = sqlite3.connect(f"file:{base}/data-central/central.db?mode=ro", uri=True)
    at_centre = cdb.execute("SELECT count(*) FROM items").fetchone()[0]
    created = cdb.execute("SELECT count(*) FROM receipts WHERE result = 'created'").fetchone()[0]
    dups = cdb.execute("SELECT count(*) FROM receipts WHERE result = 'duplicate'").fetchone()[0]
    (t1, n1), took = run["first"], run["took"]
    steady = (args.items - n1) / max(1e-9, took - t1)
    print(f"daemon start to its first delivery: {t1:.1f} s (imports, recovery re-hashing the queue)")
    print(f"drain   {steady:7.1f} items/s steady ({args.items * args.size / took / 2**20:.1f} MiB/s over "
          f"{took:.1f} s with the start)  |  floor {floor:7.1f} items/s (before {floors[0]:.1f}, after "
          f"{floors[1]:.1f})  |  ratio {steady / floor:.2f}x  (goal >= 0.6x; >= 50 items/s)")
    print(f"daemon peak RSS (VmHWM) {run['hwm'] / 1024:.1f} MB   target <= 60 MB")
    samples = [x for x in run["samples"] if x[1] >= n1]  # the daemon's start is not the drain
    marks = [samples[int(len(samples) * f)] for f in (0.1, 0.25, 0.5, 0.75, 0.99)] if samples else []
    print("daemon RSS over the run: " + ", ".join(f"{d} items: {r / 1024:.1f} MB" for _, d, r in marks))
    if marks:
        print(f"RSS growth from 10% to 99% of the drain: {(marks[-1][2] - marks[0][2]) / 1024:+.1f} MB")
    print(f"centre: {at_centre} items, {created} created, {dups} duplicate receipts")


if __name__ == "__main__":
    main()
