"""Pinyin engine figures: dictionary load time and memory, per-keystroke latency.

Run: .venv/bin/python tests/bench/bench_ime.py
Targets (docs/design.md): the dictionary loads once, off the UI thread, in about a second on a
Pi; each keystroke's candidates well under one frame budget (< 50 ms).
"""

from __future__ import annotations

import resource
import statistics
import time


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


PHRASES = ["woxiangfanying", "ludenghuaile", "xiaoqudelajimeirenguan", "wanshangzaoyintaida",
           "tingchechangluantingche", "wuyefeitaigaole", "jinggaidiaole", "xiashuidaodusele"]


def main() -> None:
    before = rss_mb()
    t = time.perf_counter()
    from kiosk.ime.pinyin import PinyinEngine
    engine = PinyinEngine()
    engine.warm()
    load = time.perf_counter() - t
    print(f"dictionary load: {load:.2f} s, RSS +{rss_mb() - before:.0f} MB (total {rss_mb():.0f} MB)")

    t = time.perf_counter()
    PinyinEngine().warm()
    print(f"second engine in the same process: {(time.perf_counter() - t) * 1000:.1f} ms (data shared)")

    for label, eng in (("exact", engine), ("fuzzy", PinyinEngine(fuzzy=True))):
        times = []
        for phrase in PHRASES:
            for i in range(1, len(phrase) + 1):  # every prefix, as the resident types
                t = time.perf_counter()
                eng.candidates(phrase[:i])
                times.append(time.perf_counter() - t)
        times.sort()
        print(f"{label}: {len(times)} keystrokes; candidates latency mean {statistics.mean(times) * 1000:.2f} ms, "
              f"p95 {times[int(len(times) * 0.95)] * 1000:.2f} ms, max {times[-1] * 1000:.2f} ms")
    for phrase in PHRASES:
        print(f"  {phrase}: {[c.text for c in engine.candidates(phrase)[:3]]}")


if __name__ == "__main__":
    main()
