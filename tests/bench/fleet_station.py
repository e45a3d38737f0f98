"""The kiosk side of tests/bench/bench_fleet.py: one worker process running many stations,
each a thread with the real kiosk code - its own config (identity) and Store in a temp
dir, items committed by kiosk.core.submission.submit, forwarded by
kiosk.sync.forwarder.Forwarder through a kiosk.sync.link.Link and a CentreClient, and
heartbeats from kiosk.sync.backchannel.heartbeat_body.

The faults are in :class:`BenchClient`, a CentreClient whose ``push_item`` is the real
one, with a duplicate send (to another centre process) or a dropped acknowledgement
(the item *was* stored; the forwarder is told the call failed and must send it again).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

TEXTS = ["小区门口路灯坏了好几天, 晚上很黑", "垃圾桶满了没人清理, 气味很大", "楼下广场舞噪音扰民",
         "公交站台太远, 老人走不动", "小区停车位不够, 乱停车严重", "井盖松动, 走路不安全",
         "电梯经常坏, 物业不修", "路面积水, 下雨就淹", "希望增加社区养老服务", "医保报销手续太复杂"]
CATEGORIES = ["urban", "environment", "community", "traffic", "urban", "urban", "community", "urban",
              "welfare", "welfare"]


@dataclass
class WorkerJob:
    """What one worker process runs."""

    stations: list[int]  # station indexes; station i is number 1000 + i, talks to urls[i % len(urls)]
    urls: list[str]
    root: str
    items_per_station: int
    size: int
    dup_every: int
    lose_every: int
    timeout_s: float


@dataclass
class Stats:
    """A worker's counts (threads append under the GIL; lists and ints only)."""

    latencies_ms: list = field(default_factory=list)
    puts: int = 0
    dup_sends: int = 0
    lost_acks: int = 0
    errors: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, ms: float, *, dup: bool = False, lost: bool = False) -> None:
        with self.lock:
            self.latencies_ms.append(ms)
            self.puts += 1
            self.dup_sends += dup
            self.lost_acks += lost


def proc_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _client_class():
    from kiosk.sync.client import TRANSIENT, CentreClient, CentreError

    class BenchClient(CentreClient):
        """The real client; some items sent twice, some acknowledgements dropped."""

        def __init__(self, settings, station, *, other, dup_ids: set, lose_ids: set, stats: Stats):
            super().__init__(settings, station)
            self.other, self.dup_ids, self.lose_ids, self.stats = other, dup_ids, lose_ids, stats

        def push_item(self, meta, attachments):
            t = time.perf_counter()
            receipt = super().push_item(meta, attachments)
            self.stats.add((time.perf_counter() - t) * 1000)
            if meta["id"] in self.dup_ids:  # a retry a load balancer sent to another process
                self.dup_ids.discard(meta["id"])
                t = time.perf_counter()
                again = (self.other.push_item if self.other else super().push_item)(meta, attachments)
                self.stats.add((time.perf_counter() - t) * 1000, dup=True)
                if again.get("id") != meta["id"]:
                    raise CentreError(TRANSIENT, f"duplicate send answered for {again.get('id')}")
            if meta["id"] in self.lose_ids:  # stored at the centre; the answer never arrived
                self.lose_ids.discard(meta["id"])
                with self.stats.lock:
                    self.stats.lost_acks += 1
                raise CentreError(TRANSIENT, "benchmark: the acknowledgement was lost on the way")
            return receipt

    return BenchClient


@dataclass
class Station:
    """One simulated kiosk."""

    index: int
    cfg: object
    store: object
    client: object
    link: object
    forwarder: object
    ids: list


def _write_config(d: Path, number: str, url: str) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    p = d / "kiosk.toml"
    p.write_text(f'[storage]\ndata_dir = "{d}/data"\nkey_file = "{d}/pii.key"\n'
                 f'[station]\nnumber = "{number}"\nname = "压测站 {number}"\n'
                 f'[sync]\ncentral_url = "{url}"\nconnect_timeout_s = 5\nread_timeout_s = 120\n'
                 "backoff_base_s = 0.05\nbackoff_cap_s = 1.0\nauth_pause_s = 1.0\ndev_mode = true\n",
                 encoding="utf-8")
    return p


def make_station(i: int, job: WorkerJob, stats: Stats) -> Station:
    """Config, Store and queue of station *i*, its items committed, its client built."""
    from kiosk import config as configmod
    from kiosk.core.store import Store
    from kiosk.core.submission import AttachmentInput, submit
    from kiosk.sync.client import CentreClient
    from kiosk.sync.forwarder import Forwarder
    from kiosk.sync.link import Link
    number, home = f"{1000 + i:04d}", i % len(job.urls)
    cfg = configmod.load(_write_config(Path(job.root) / number, number, job.urls[home]))
    store = Store.open(cfg)
    ids, dup, lose = [], set(), set()
    block = os.urandom(job.size)
    for seq in range(1, job.items_per_station + 1):
        g = i * job.items_per_station + seq
        data = b"RIFF" + g.to_bytes(8, "big") + block[12:]
        item = submit(store, cfg, text=TEXTS[g % len(TEXTS)], category=CATEGORIES[g % len(TEXTS)], source="voice",
                      attachments=[AttachmentInput(name="voice.wav", source=data, kind="audio")]).item
        ids.append(item.id)
        if g % job.dup_every == 0:
            dup.add(item.id)
        if g % job.lose_every == 0:
            lose.add(item.id)
    other = None
    if len(job.urls) > 1:
        import dataclasses
        other_settings = dataclasses.replace(cfg.sync, central_url=job.urls[(home + 1) % len(job.urls)])
        other = CentreClient(other_settings, number)
    s = cfg.sync
    client = _client_class()(s, number, other=other, dup_ids=dup, lose_ids=lose, stats=stats)
    link = Link(store, s.backoff_base_s, s.backoff_cap_s, s.auth_pause_s)
    return Station(i, cfg, store, client, link, Forwarder(store, client, link, s.batch_size), ids)


def _beat(st: Station, started: float, stats: Stats) -> None:
    from kiosk.sync.backchannel import heartbeat_body
    from kiosk.sync.client import CentreError
    try:
        st.client.heartbeat(heartbeat_body(st.store, started, time.monotonic()))
    except CentreError as e:
        stats.errors.append(f"{st.store.station} heartbeat: {e}")


def drive(st: Station, deadline: float, stats: Stats) -> None:
    """Heartbeat, drain the queue until empty (waiting out the link's backoff), heartbeat."""
    from kiosk.core.records import Delivery
    started = time.monotonic()
    _beat(st, started, stats)
    while time.monotonic() < deadline:
        st.forwarder.drain()
        if st.store.count(Delivery.PENDING) == 0:
            break
        time.sleep(min(1.0, max(0.01, st.link.wait_s())))
    _beat(st, started, stats)


def run_worker(job: WorkerJob, ready, go, results) -> None:
    """Build the stations, wait for everyone, forward, report (a multiprocessing target)."""
    logging.basicConfig(level=logging.ERROR)  # each lost ack is an outage line otherwise
    stats = Stats()
    stations = [make_station(i, job, stats) for i in job.stations]
    ready.wait()
    go.wait()
    deadline = time.monotonic() + job.timeout_s
    threads = [threading.Thread(target=drive, args=(st, deadline, stats), daemon=True) for st in stations]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    finished = time.monotonic()
    ids, delivered = [], []
    for st in stations:
        for item_id in st.ids:
            ids.append(item_id)
            item = st.store.get_item(item_id)
            if item.delivery == "delivered":
                delivered.append(item_id)
            elif len(stats.errors) < 20:
                stats.errors.append(f"{item.code}: {item.delivery}: {item.last_error}")
        st.client.close()
        st.store.close()
    results.put({"ids": ids, "delivered": delivered, "latencies_ms": stats.latencies_ms, "puts": stats.puts,
                 "dup_sends": stats.dup_sends, "lost_acks": stats.lost_acks, "errors": stats.errors,
                 "finished_at": finished, "cpu_s": proc_cpu_s(os.getpid())})
