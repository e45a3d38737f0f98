"""Benchmark the guarded centre calls (docs/sync.md, "Centre calls") against hostile
answers from a raw HTTP server on 127.0.0.1: a 300 MiB answer (peak RSS of this
process, VmHWM, before and after) and an answer dripping one byte every 0.2 s (how
long the call is held). Prints figures; asserts nothing (machines are noisy).

    .venv/bin/python tests/bench/bench_sync_answers.py [--mib 300] [--deadline 5]
"""

from __future__ import annotations

import argparse
import socket
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from kiosk.sync.client import CentreClient, CentreError  # noqa: E402
from kiosk.config.sync import SyncSettings  # noqa: E402


def vm_hwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def serve(answer) -> int:
    """A one-request-per-connection server writing what *answer()* yields (bytes/floats)."""
    lsock = socket.create_server(("127.0.0.1", 0))

    def handle(conn):
        with conn:
            conn.recv(65536)
            try:
                for part in answer():
                    if isinstance(part, float):
                        time.sleep(part)
                    else:
                        conn.sendall(part)
            except OSError:
                pass

    def accept():
        while True:
            c, _ = lsock.accept()
            threading.Thread(target=handle, args=(c,), daemon=True).start()
    threading.Thread(target=accept, daemon=True).start()
    return lsock.getsockname()[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mib", type=int, default=300)
    ap.add_argument("--deadline", type=float, default=5.0)
    args = ap.parse_args()

    def huge():
        yield b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
        block = b" " * 2**16
        for _ in range(args.mib * 16):
            yield block

    def drip():
        body = b'{"ok": true}' * 20
        yield f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
        for b in body:
            yield 0.2
            yield bytes([b])

    for name, answer in (("huge", huge), ("drip", drip)):
        port = serve(answer)
        s = SyncSettings(central_url=f"http://127.0.0.1:{port}", read_timeout_s=30, call_deadline_s=args.deadline)
        client = CentreClient(s, "0371")
        before = vm_hwm_mb()
        t = time.monotonic()
        try:
            client.heartbeat({})
            outcome = "accepted"
        except CentreError as e:
            outcome = f"{e.kind}: {e}"
        took = time.monotonic() - t
        print(f"{name}: {took:.2f} s, peak RSS {before:.0f} -> {vm_hwm_mb():.0f} MB; {outcome}")
        client.close()


if __name__ == "__main__":
    main()
