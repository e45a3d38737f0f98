"""Benchmark the receipt secret's check (kiosk/core/itemsecret.py): what one submission and
one lookup with a secret pay, with the keyed check (hmac1, today's) and with the scrypt
hash (items committed before it, or while the key is unusable), and what trying all 10^6
secrets of one stolen check would cost on this machine. Prints figures; asserts nothing
(machines are noisy).

    .venv/bin/python tests/bench/bench_itemsecret.py [--rounds 50]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from kiosk.core import itemsecret  # noqa: E402
from kiosk.core.receiptkey import ReceiptKey, ReceiptKeyError  # noqa: E402


def measure(secret: str, key: ReceiptKey, rounds: int) -> tuple[list[float], list[float]]:
    """(hash ms, check ms) of *rounds* rounds with *key* (an unusable key: scrypt)."""
    hashes, checks = [], []
    for _ in range(rounds):
        t = time.perf_counter()
        stored = itemsecret.hash_secret(secret, key)
        hashes.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        assert itemsecret.matches(secret, stored, key)
        checks.append((time.perf_counter() - t) * 1000)
    return hashes, checks


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=50)
    args = ap.parse_args()
    secret = itemsecret.issue()
    keyed = ReceiptKey(os.urandom(32))
    unusable = ReceiptKey(None, problem=ReceiptKeyError("benchmark: scrypt on purpose"))
    unusable.warned = True
    for name, key, note in (("hmac1 (keyed)", keyed, "needs the key file too"),
                            (f"scrypt N=2^{itemsecret.LOG2_N} r={itemsecret.R} p={itemsecret.P}", unusable,
                             "the database alone")):
        hashes, checks = measure(secret, key, args.rounds)
        med = statistics.median(checks)
        print(f"{name}: hash (each submission) median {statistics.median(hashes):.3f} ms, max "
              f"{max(hashes):.3f} ms; check (each lookup) median {med:.3f} ms")
        print(f"  all 10^6 secrets offline: {med * 1e6 / 1000:.0f} core-seconds ({note}; why the defence "
              "is the kiosk's limit, not the hash: docs/security.md)")


if __name__ == "__main__":
    main()
