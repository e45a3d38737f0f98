"""Benchmark the receipt secret's hash (kiosk/core/itemsecret.py): what one submission and one
lookup with a secret pay, and what trying all 10^6 secrets of one stolen hash would cost
on this machine. Prints figures; asserts nothing (machines are noisy).

    .venv/bin/python tests/bench/bench_itemsecret.py [--rounds 50]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from kiosk.core import itemsecret  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=50)
    args = ap.parse_args()
    secret = itemsecret.issue()
    hashes, checks = [], []
    for _ in range(args.rounds):
        t = time.perf_counter()
        stored = itemsecret.hash_secret(secret)
        hashes.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        assert itemsecret.matches(secret, stored)
        checks.append((time.perf_counter() - t) * 1000)
    med = statistics.median(checks)
    print(f"scrypt N=2^{itemsecret.LOG2_N} r={itemsecret.R} p={itemsecret.P} "
          f"({128 * itemsecret.R * 2 ** itemsecret.LOG2_N // 2 ** 20} MiB)")
    print(f"hash (each submission):   median {statistics.median(hashes):.1f} ms, max {max(hashes):.1f} ms")
    print(f"check (each lookup):      median {med:.1f} ms, max {max(checks):.1f} ms")
    print(f"all 10^6 secrets offline: {med * 1e6 / 1000 / 3600:.1f} core-hours on this machine "
          "(why the defence is the kiosk's limit, not the hash: docs/security.md)")


if __name__ == "__main__":
    main()
