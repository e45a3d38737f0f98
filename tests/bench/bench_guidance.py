"""Spoken prompts: how long `kiosk prompts build` takes per prompt (espeak-ng); how long
SoundLoader.load takes per prompt (done on a worker thread by kiosk/app/guidance.py) and
how long play() takes (the only part on the UI thread; SDL mixes on its own thread).
Prints figures; asserts nothing.

    SDL_AUDIODRIVER=dummy .venv/bin/python tests/bench/bench_guidance.py
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ["KIVY_NO_ARGS"] = "1"
os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="bench-guidance-kivy-"))


def main() -> None:
    from kiosk import config as configmod
    from kiosk.app import kivyenv, prompts
    kivyenv.prepare(None, offscreen=True, size=(1280, 800))

    with tempfile.TemporaryDirectory() as tmp:
        cfg = configmod.from_dict({"storage": {"data_dir": f"{tmp}/data", "key_file": f"{tmp}/keys/pii.key"}})
        t0 = time.perf_counter()
        built = prompts.build_prompts(cfg, ("zh-CN",))
        build_s = time.perf_counter() - t0
        print(f"build: {len(built)} zh-CN prompts in {build_s:.2f} s ({build_s / len(built) * 1000:.0f} ms each), "
              f"{sum(p.duration_s for p in built):.0f} s of speech, "
              f"{sum(Path(p.file).stat().st_size for p in built) / 2**20:.1f} MiB")
        from kivy.core.audio import SoundLoader
        loads, plays = [], []
        for p in built:
            t0 = time.perf_counter()
            sound = SoundLoader.load(p.file)
            t1 = time.perf_counter()
            sound.play()
            plays.append((time.perf_counter() - t1) * 1000)
            loads.append((t1 - t0) * 1000)
            sound.stop()
            sound.unload()
        print(f"load (worker thread): median {statistics.median(loads):.1f} ms, max {max(loads):.1f} ms; "
              f"play (UI thread): median {statistics.median(plays):.2f} ms, max {max(plays):.2f} ms "
              f"over {len(plays)} prompts")


if __name__ == "__main__":
    main()
