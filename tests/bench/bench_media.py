"""Photo and paper-letter processing figures (run on the kiosk's board to size things).

Run: .venv/bin/python tests/bench/bench_media.py
What matters on a Pi: find_page must keep up with a live preview outline (≥ 5 per
second), process_page and prepare_photo should finish well inside a second after the
resident taps "capture" (they run on a worker thread either way).
"""

from __future__ import annotations

import io
import statistics
import time

import numpy as np


def timeit(fn, n=5) -> tuple[float, float]:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000, max(times) * 1000


def main() -> None:
    from PIL import Image

    from drivers.camera_samples import synthetic_letter, synthetic_scene
    from kiosk.media.letter import find_page, process_page
    from kiosk.media.photo import prepare_photo

    for w, h in ((1600, 1200), (2592, 1944)):
        frame = synthetic_letter(w, h).image
        med, worst = timeit(lambda: find_page(frame))
        print(f"find_page {w}×{h}: median {med:.0f} ms, max {worst:.0f} ms")
        for mode in ("gray", "binary"):
            med, worst = timeit(lambda: process_page(frame, enhance_mode=mode))
            size = len(process_page(frame, enhance_mode=mode).jpeg) // 1024
            print(f"process_page {w}×{h} {mode}: median {med:.0f} ms, max {worst:.0f} ms, {size} KB")

    frame = synthetic_scene(1280, 720)
    med, worst = timeit(lambda: prepare_photo(frame))
    print(f"prepare_photo 1280×720 frame: median {med:.0f} ms, max {worst:.0f} ms")
    big = io.BytesIO()
    rng = np.random.default_rng(0)
    Image.fromarray(np.kron(rng.integers(0, 255, (300, 400, 3), dtype=np.uint8),
                            np.ones((10, 10, 1), np.uint8))).save(big, "JPEG", quality=90)
    data = big.getvalue()
    med, worst = timeit(lambda: prepare_photo(data))
    print(f"prepare_photo 4000×3000 JPEG ({len(data) // 1024} KB): median {med:.0f} ms, max {worst:.0f} ms")
    t = time.perf_counter()
    synthetic_letter()
    print(f"synthetic_letter 1600×1200 (fake document camera, once per open): {(time.perf_counter() - t) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
