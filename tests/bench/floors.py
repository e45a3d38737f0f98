"""The floors the benches print beside their figures (issue 24): the least this machine
can do for the same durable work, measured in the same run with the same sizes.

- :class:`TextFloor`: one SQLite transaction (WAL, ``synchronous=FULL``) inserting one
  row: what any durable commit of a text item must cost at least.
- :class:`PhotoFloor`: a file written to a temp name, fsynced, renamed into a directory,
  the directory fsynced, then that transaction: a durable commit of one attachment.
- :class:`HttpFloor`: a bare ``requests.Session`` PUTting each body to a bare waitress
  app (its own process) that writes the body to a file and fsyncs it: forwarding one
  item durably to a centre, without the protocol.

Each ``*_once()`` does one unit and returns its wall time in ms, so a bench can interleave
floor and figure one by one (the CPU and disk are shared: other work slows both alike).
"""

from __future__ import annotations

import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path


def pct(xs, p):
    """The *p*-th percentile of *xs* (nearest rank)."""
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def ratio_line(name: str, figure: list[float], floor: list[float], goal: str) -> str:
    """``name  p50 … ms  floor p50 … ms  ratio …×`` for latencies in ms."""
    f50, g50 = pct(figure, 50), pct(floor, 50)
    return (f"{name:26s} p50 {f50:6.2f} ms  p99 {pct(figure, 99):6.2f} ms  |  floor p50 {g50:6.2f} ms  "
            f"p99 {pct(floor, 99):6.2f} ms  |  ratio p50 {f50 / g50:5.1f}x  (goal {goal}; n={len(figure)})")


class TextFloor:
    """One WAL transaction with synchronous=FULL inserting one text row, in its own
    database file beside the store's (same file system)."""

    def __init__(self, directory: Path):
        directory.mkdir(parents=True, exist_ok=True)
        self.dir = directory
        self.db = sqlite3.connect(directory / "floor.db", isolation_level=None)
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute("PRAGMA synchronous = FULL")
        self.db.execute("CREATE TABLE IF NOT EXISTS t (id TEXT PRIMARY KEY, text TEXT, at TEXT)")

    def transaction(self, text: str) -> None:
        self.db.execute("BEGIN IMMEDIATE")
        self.db.execute("INSERT INTO t VALUES (?, ?, ?)", [str(uuid.uuid4()), text, time.time()])
        self.db.execute("COMMIT")

    def text_once(self, text: str) -> float:
        t = time.perf_counter()
        self.transaction(text)
        return (time.perf_counter() - t) * 1000


class PhotoFloor(TextFloor):
    """Write + fsync + rename + fsync dir + the transaction, for one file of *data*."""

    def __init__(self, directory: Path):
        super().__init__(directory)
        (directory / "media").mkdir(exist_ok=True)

    def photo_once(self, data: bytes) -> float:
        t = time.perf_counter()
        name = str(uuid.uuid4())
        tmp = self.dir / f"{name}.part"
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.rename(tmp, self.dir / "media" / name)
        fd = os.open(self.dir / "media", os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        self.transaction(name)
        return (time.perf_counter() - t) * 1000


_SERVER = r"""
import os, sys, uuid
from waitress import serve
d = sys.argv[1]
def app(environ, start_response):
    n = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(n)
    with open(os.path.join(d, uuid.uuid4().hex), "wb") as f:
        f.write(body)
        f.flush()
        os.fsync(f.fileno())
    start_response("201 Created", [("Content-Type", "application/json")])
    return [b'{"result": "created"}']
serve(app, host="127.0.0.1", port=int(sys.argv[2]), threads=4, _quiet=True)
"""


def free_port() -> int:
    """A TCP port free on loopback now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class HttpFloor:
    """A bare waitress app in its own process that writes and fsyncs each body, and a
    bare requests session PUTting bodies to it one after another."""

    def __init__(self, directory: Path):
        import requests
        directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.proc = subprocess.Popen([sys.executable, "-c", _SERVER, str(directory), str(self.port)])
        self.session = requests.Session()
        self.url = f"http://127.0.0.1:{self.port}/items/"
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise SystemExit("the floor's waitress app did not start")
                time.sleep(0.05)

    def put_once(self, body: bytes) -> float:
        t = time.perf_counter()
        r = self.session.put(self.url + str(uuid.uuid4()), data=body)
        if r.status_code != 201:
            raise SystemExit(f"floor server answered {r.status_code}")
        return (time.perf_counter() - t) * 1000

    def rate(self, body: bytes, n: int) -> float:
        """Items per second over *n* PUTs of *body*."""
        t = time.perf_counter()
        for _ in range(n):
            self.put_once(body)
        return n / (time.perf_counter() - t)

    def close(self) -> None:
        self.session.close()
        self.proc.terminate()
        self.proc.wait(10)


def load_line() -> str:
    """The machine and its load, for the line above a bench's figures."""
    load = os.getloadavg()
    return (f"machine: {os.uname().nodename}, {os.cpu_count()} CPUs, load average {load[0]:.2f} "
            f"{load[1]:.2f} {load[2]:.2f}, {time.strftime('%Y-%m-%d %H:%M')}")


def median(xs) -> float:
    return statistics.median(xs)
