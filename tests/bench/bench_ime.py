"""Pinyin engine figures: lexicon load, memory, per-keystroke latency, sentence figures.

Run: .venv/bin/python tests/bench/bench_ime.py [--fuzzy] [SET.tsv ...]  (a held-out set too)
Targets (issue 23, docs/media.md): each keystroke's candidates in ≤ 20 ms at p99, the
engine ≤ 60 MB (RSS after load minus before). Latency: every dev-set sentence
(../shared/testdata/ime/dev.tsv) typed letter by letter, each prefix timed. Figures
only: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

DEV = REPO.parent / "shared" / "testdata" / "ime" / "dev.tsv"
# Our own sentences (figures only, never a test's goal): A written before the model work,
# B after the domain word list — B is the check that gains are not tuned to the dev set.
OWN = [Path(__file__).with_name("ime_own_a.tsv"), Path(__file__).with_name("ime_own_b.tsv")]
# Used when ../shared is absent, so the latency figure still has sentences to type.
FALLBACK = ["woxiangfanying", "ludenghuaile", "xiaoqudelajimeirenguan", "wanshangzaoyintaida",
            "tingchechangluantingche", "wuyefeitaigaole", "jinggaidiaole", "xiashuidaodusele"]


def rss_mb() -> float:
    """This process's resident memory, MB (Linux /proc)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def percentile(sorted_values: list[float], q: float) -> float:
    """The *q* quantile (0–1) of already sorted values, nearest rank."""
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * q))]


def time_keystrokes(engine, sentences: list[str]) -> list[float]:
    """Seconds per keystroke: every prefix of every letter string, as typed."""
    times = []
    for letters in sentences:
        for i in range(1, len(letters) + 1):
            t = time.perf_counter()
            engine.candidates(letters[:i], limit=9)
            times.append(time.perf_counter() - t)
    return sorted(times)


def main(argv: list[str] | None = None) -> None:
    """Print the figures (see the module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sets", nargs="*", type=Path, help="more letters<TAB>sentence sets to measure")
    ap.add_argument("--fuzzy", action="store_true", help="also time the engine with every fuzzy pair on")
    args = ap.parse_args(argv)

    before = rss_mb()
    t = time.perf_counter()
    from kiosk.ime.measure import measure, read_set
    from kiosk.ime.pinyin import PinyinEngine
    engine = PinyinEngine()
    engine.warm()
    load = time.perf_counter() - t
    print(f"lexicon load (from the cache): {load:.2f} s, engine RSS +{rss_mb() - before:.1f} MB "
          f"(process {rss_mb():.0f} MB)")

    pairs = read_set(DEV) if DEV.is_file() else []
    letters = [p[0] for p in pairs] or FALLBACK
    engines = [("exact", engine)] + ([("fuzzy", PinyinEngine(fuzzy=True))] if args.fuzzy else [])
    for label, eng in engines:
        times = time_keystrokes(eng, letters)
        print(f"{label}: {len(times)} keystrokes over {len(letters)} sentences; candidates "
              f"p50 {percentile(times, 0.5) * 1000:.1f} ms, p99 {percentile(times, 0.99) * 1000:.1f} ms, "
              f"max {times[-1] * 1000:.1f} ms, mean {statistics.mean(times) * 1000:.1f} ms")
    print(f"after typing: process RSS {rss_mb():.0f} MB")
    for path, set_pairs in ([(DEV, pairs)] if pairs else []) + [(p, read_set(p)) for p in OWN + args.sets]:
        print(f"{path.name}: {measure(engine, set_pairs).summary()}")


if __name__ == "__main__":
    main()
