"""Benchmark a fleet: N stations (default 500) push items with attachments and heartbeats
to the centre, with duplicate sends and lost acknowledgements mixed in, on PostgreSQL
with 1, 2 and 4 centre processes and on SQLite, in one run. Then it counts in the
centre's database: every item there once (0 lost), none created twice (0 duplicated).

    .venv/bin/python tests/bench/bench_fleet.py [--stations 500] [--items-per-station 4]
        [--size 16384] [--workers 4] [--timeout 900]
    .venv/bin/python tests/bench/bench_fleet.py --stations N --database-url URL [--processes P]

``--database-url sqlite`` runs the SQLite configuration alone; a ``postgresql://`` URL runs
one configuration on that (empty) database with ``--processes`` centre processes. Without
it, a throwaway PostgreSQL cluster is started (tests/central/central_pg.py; Debian's
server) for the PostgreSQL configurations, each on a fresh database.

Each station is the real kiosk side: its own identity, config and Store (a SQLite file in
a temp dir), items committed through kiosk.core.submission, forwarded by
kiosk.sync.forwarder.Forwarder through kiosk.sync.client.CentreClient and a Link, and
heartbeats built by kiosk.sync.backchannel. A station is one thread; the stations are
spread over ``--workers`` processes. Station i talks to centre process i mod P, as a load
balancer would spread them. Faults (by item number, so a run is repeatable): every
``--dup-every``-th item is sent twice, the second time to another centre process (a retry
a load balancer routed elsewhere); after every ``--lose-every``-th item is stored, its
acknowledgement is dropped (the forwarder sees a transient failure and sends it again).

Prints, per configuration: items/s (unique items, from the start of forwarding until the
last station is drained), p50/p99 latency of an item PUT, the centre's peak RSS (VmHWM)
per process, CPU seconds of the kiosks, the centre and PostgreSQL, and the counts. The
last line is ``stations=N items=M lost=L duplicated=D items_per_s=R``: the totals over
every configuration run, and the lowest items/s of them. Exit 1 when anything was lost,
created twice or left undelivered.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "bench"))

from fleet_station import WorkerJob, proc_cpu_s, run_worker  # noqa: E402

LISTENING = re.compile(r"central-dev listening on (http://\S+)")


@dataclass
class ConfigResult:
    """One configuration's figures and counts."""

    name: str
    stations: int
    items: int = 0
    seconds: float = 0.0
    latencies_ms: list = field(default_factory=list)
    rss_mb: list = field(default_factory=list)
    cpu: dict = field(default_factory=dict)
    counts: dict = field(default_factory=dict)

    @property
    def items_per_s(self) -> float:
        return self.items / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        s = sorted(self.latencies_ms)
        return s[min(len(s) - 1, int(q * len(s)))] if s else 0.0

    def line(self) -> str:
        c = self.counts
        return (f"config={self.name} stations={self.stations} items={self.items} seconds={self.seconds:.1f} "
                f"items_per_s={self.items_per_s:.1f} p50_ms={self.pct(0.50):.0f} p99_ms={self.pct(0.99):.0f} "
                f"centre_rss_mb={'/'.join(f'{r:.0f}' for r in self.rss_mb)} "
                f"cpu_s=kiosks:{self.cpu.get('kiosks', 0):.1f},centre:{self.cpu.get('centre', 0):.1f},"
                f"postgres:{self.cpu.get('postgres', 0):.1f} "
                f"puts={c.get('puts')} dup_sends={c.get('dup_sends')} lost_acks={c.get('lost_acks')} "
                f"duplicate_receipts={c.get('duplicate_receipts')} heartbeat_stations={c.get('heartbeat_stations')} "
                f"undelivered={c.get('undelivered')} lost={c.get('lost')} duplicated={c.get('duplicated')}")


class Centres:
    """P ``kiosk central-dev`` processes on one database and one data dir."""

    def __init__(self, root: Path, database_url: str | None, processes: int, threads: int):
        self.root = root
        self.data_dir = root / "central"
        self.database_url = database_url
        self.procs: list[subprocess.Popen] = []
        self.urls: list[str] = []
        url_line = f'database_url = "{database_url}"\n' if database_url else ""
        cfg = root / "centre.toml"
        cfg.write_text(f'[storage]\ndata_dir = "{root}/centre-kiosk"\nkey_file = "{root}/centre-kiosk.key"\n'
                       f'[central_dev]\ndata_dir = "{self.data_dir}"\nallow_development_token = true\n'
                       f"threads = {threads}\n{url_line}", encoding="utf-8")
        for i in range(processes):
            out = root / f"centre{i}.out"
            with open(out, "wb") as fh, open(root / f"centre{i}.err", "wb") as err:
                self.procs.append(subprocess.Popen(
                    [sys.executable, "-m", "kiosk", "--config", str(cfg), "central-dev", "--port", "0"],
                    cwd=ROOT, stdout=fh, stderr=err))
            self.urls.append(self._wait_listening(i, out))

    def _wait_listening(self, i: int, out: Path) -> str:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            m = LISTENING.search(out.read_text(errors="replace"))
            if m:
                return m.group(1)
            if self.procs[i].poll() is not None:
                raise RuntimeError(f"centre {i} exited: {(self.root / f'centre{i}.err').read_text()[-2000:]}")
            time.sleep(0.1)
        raise RuntimeError(f"centre {i} did not start within 120 s")

    def rss_mb(self) -> list[float]:
        """Each process's peak resident set (VmHWM), MB."""
        out = []
        for p in self.procs:
            for line in Path(f"/proc/{p.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    out.append(int(line.split()[1]) / 1024)
        return out

    def cpu_s(self) -> float:
        return sum(proc_cpu_s(p.pid) for p in self.procs)

    def stop(self) -> None:
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()


def postgres_cpu_s(cluster) -> float:
    """CPU seconds of the cluster's postmaster and every backend (its children)."""
    if cluster is None:
        return 0.0
    master = int((cluster.data / "postmaster.pid").read_text().split()[0])
    total = proc_cpu_s(master)
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if int((d / "stat").read_text().rsplit(")", 1)[1].split()[1]) == master:
                    total += proc_cpu_s(int(d.name))
            except (OSError, ValueError, IndexError):
                continue
    return total


def run_kiosks(opts, urls: list[str], root: Path) -> tuple[list[dict], float, float]:
    """Fill every station's queue, then forward all at once; (worker results, seconds, CPU s)."""
    ctx = mp.get_context("spawn")
    workers = max(1, min(opts.workers, opts.stations))
    ready, go, results = ctx.Barrier(workers + 1), ctx.Event(), ctx.Queue()
    procs = []
    for w in range(workers):
        job = WorkerJob(stations=list(range(w, opts.stations, workers)), urls=urls, root=str(root / f"w{w}"),
                        items_per_station=opts.items_per_station, size=opts.size, dup_every=opts.dup_every,
                        lose_every=opts.lose_every, timeout_s=opts.timeout)
        procs.append(ctx.Process(target=run_worker, args=(job, ready, go, results), daemon=True))
        procs[-1].start()
    ready.wait(timeout=opts.timeout)
    cpu_before = sum(proc_cpu_s(p.pid) for p in procs)
    start = time.monotonic()
    go.set()
    out = [results.get(timeout=opts.timeout + 120) for _ in procs]
    seconds = max(r["finished_at"] for r in out) - start
    cpu = sum(r["cpu_s"] for r in out) - cpu_before
    for p in procs:
        p.join(30)
    return out, seconds, cpu


def verify(data_dir: Path, database_url: str | None, kiosk_ids: set[str], delivered: set[str]) -> dict:
    """Count in the centre's database: lost, created twice, duplicate receipts, files."""
    import sqlalchemy as sa
    from kiosk.central_dev.db import CentralDB
    from kiosk.central_dev.tables import files, heartbeats, items, receipts
    db = CentralDB(data_dir, database_url, pool_size=2)
    try:
        centre_ids = {r["id"] for r in db.select(sa.select(items.c.id))}
        created = db.select(sa.select(receipts.c.item_id, sa.func.count().label("n"))
                            .where(receipts.c.result == "created").group_by(receipts.c.item_id))
        dup_receipts = db.select(sa.select(sa.func.count()).select_from(receipts)
                                 .where(receipts.c.result == "duplicate"))[0][0]
        file_rows = db.select(sa.select(files.c.item_id, files.c.idx, files.c.size))
        beat_stations = db.select(sa.select(sa.func.count(sa.distinct(heartbeats.c.station))))[0][0]
        missing_files = sum(1 for f in file_rows
                            if not db.file_path(f["item_id"], f["idx"]).is_file()
                            or db.file_path(f["item_id"], f["idx"]).stat().st_size != f["size"])
    finally:
        db.close()
    lost = len(delivered - centre_ids) + missing_files + len({f["item_id"] for f in file_rows} ^ centre_ids)
    return {"lost": lost, "duplicated": sum(1 for r in created if r["n"] > 1),
            "unknown_at_centre": len(centre_ids - kiosk_ids), "duplicate_receipts": dup_receipts,
            "undelivered": len(kiosk_ids - delivered), "heartbeat_stations": beat_stations}


def run_config(name: str, opts, database_url: str | None, processes: int, cluster=None) -> ConfigResult:
    """One configuration: start the centres, run the fleet, count, stop."""
    root = Path(tempfile.mkdtemp(prefix=f"minyi-fleet-{name}-", dir=opts.dir))
    res = ConfigResult(name, opts.stations)
    centres = Centres(root, database_url, processes, opts.centre_threads)
    try:
        cpu_centre, cpu_pg = centres.cpu_s(), postgres_cpu_s(cluster)
        out, res.seconds, res.cpu["kiosks"] = run_kiosks(opts, centres.urls, root)
        res.cpu["centre"] = centres.cpu_s() - cpu_centre
        res.cpu["postgres"] = postgres_cpu_s(cluster) - cpu_pg
        res.rss_mb = centres.rss_mb()
    finally:
        centres.stop()
    kiosk_ids = {i for r in out for i in r["ids"]}
    delivered = {i for r in out for i in r["delivered"]}
    res.items = len(delivered)
    res.latencies_ms = [x for r in out for x in r["latencies_ms"]]
    res.counts = {k: sum(r[k] for r in out) for k in ("puts", "dup_sends", "lost_acks")}
    res.counts.update(verify(centres.data_dir, database_url, kiosk_ids, delivered))
    res.counts["errors"] = [e for r in out for e in r["errors"]][:5]
    if not opts.keep:
        shutil.rmtree(root, ignore_errors=True)
    return res


def _configs(opts):
    """(name, database_url or None, processes, cluster) of each configuration to run."""
    if opts.database_url == "sqlite":
        return [("sqlite", None, 1, None)]
    if opts.database_url:
        return [(f"postgresql-x{opts.processes}", opts.database_url, opts.processes, None)]
    sys.path.insert(0, str(ROOT / "tests" / "central"))
    from central_pg import PostgresCluster, server_bin
    bindir = server_bin()
    if bindir is None:
        print("bench_fleet: no PostgreSQL server installed (apt postgresql): SQLite only", flush=True)
        return [("sqlite", None, 1, None)]
    # Durable, unlike the suite's cluster: these figures are a server keeping what it commits.
    cluster = PostgresCluster(bindir, durable=True)
    return [("sqlite", None, 1, None)] + [(f"postgresql-x{p}", cluster.new_database, p, cluster)
                                          for p in (1, 2, 4)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--stations", type=int, default=500)
    ap.add_argument("--items-per-station", type=int, default=4)
    ap.add_argument("--size", type=int, default=16384, help="bytes of each item's one attachment")
    ap.add_argument("--workers", type=int, default=4, help="kiosk-side processes (stations are threads in them)")
    ap.add_argument("--database-url", help="run one configuration: 'sqlite' or a postgresql:// URL")
    ap.add_argument("--processes", type=int, default=1, help="centre processes with --database-url (PostgreSQL)")
    ap.add_argument("--centre-threads", type=int, default=8, help="waitress threads per centre process")
    ap.add_argument("--dup-every", type=int, default=5, help="every Nth item is sent twice")
    ap.add_argument("--lose-every", type=int, default=7, help="every Nth item's first acknowledgement is lost")
    ap.add_argument("--timeout", type=float, default=900, help="seconds a configuration may take")
    ap.add_argument("--dir", help="where the temp dirs go (default: the system's)")
    ap.add_argument("--keep", action="store_true", help="keep the stations' and centres' dirs")
    opts = ap.parse_args()
    results, configs = [], _configs(opts)
    cluster = next((c[3] for c in configs if c[3] is not None), None)
    try:
        for name, url, processes, pg in configs:
            r = run_config(name, opts, url() if callable(url) else url, processes, pg)
            print(r.line(), flush=True)
            if r.counts["errors"]:
                print(f"  first errors at the kiosks: {r.counts['errors']}", flush=True)
            results.append(r)
    finally:
        if cluster is not None:
            cluster.stop()
    lost = sum(r.counts["lost"] for r in results)
    dup = sum(r.counts["duplicated"] for r in results)
    undelivered = sum(r.counts["undelivered"] + r.counts["unknown_at_centre"] for r in results)
    print(f"stations={opts.stations} items={sum(r.items for r in results)} lost={lost} duplicated={dup} "
          f"items_per_s={min(r.items_per_s for r in results):.1f}", flush=True)
    return 1 if lost or dup or undelivered else 0


if __name__ == "__main__":
    sys.exit(main())
