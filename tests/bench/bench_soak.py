"""Soak: a compressed day at a busy station, the app, the sync daemon and central-dev together.

    .venv/bin/python tests/bench/bench_soak.py [--sessions 2000] [--every 100] [--seed 1]
                                               [--diagnose [--tracemalloc]] [--kinds voice,text]

Runs, on this machine with no hardware and no display:

* the real touchscreen app (KioskApp in the offscreen window, in THIS process) with the
  fake devices shipped in drivers/ (WAV-fed microphone, synthetic cameras, byte-collecting
  printer); every session is real taps through the real screens: voice, text (pinyin
  keyboard), photo, letter, and lookups of replied items - the receipt's QR code scanned
  through the fake code reader's serial port, or the number and the receipt secret typed
  on the pad, or the number only (the state, no reply) - with a rating; some are
  cancelled half-way and some are left alone until the idle warning wipes them (the idle
  clock is advanced instead of waited for);
* the real sync daemon (`kiosk sync`, a child process) forwarding throughout;
* the real central-dev (`kiosk central-dev`, a child process) receiving and - from here,
  through its own database, as its staff would - replying to items, which the daemon
  brings back for the lookups.

Every --every sessions it prints RSS, open file descriptors and threads of the app and of
the daemon, the database and media size, and the items lost so far. At the end the queue
is drained and every code the done screen showed is looked for in the store and at the
centre: "lost" must be 0. Targets (docs/ui.md): RSS growth <= 5 % from the first 10 % of
the run to the end; no growth in descriptors or threads. Prints figures; asserts nothing.

Every receipt is read back from the fake printer's ESC/POS bytes: its QR payload (code and
receipt secret) is what the lookups scan or type later, and it must match the secret the
done screen showed. (The fake keeps only its newest jobs, so it does not grow either.)
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "ui"))
sys.path.insert(0, str(REPO / "tests" / "receipt"))
os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
os.environ["KIVY_NO_ARGS"] = "1"
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

KINDS = ("voice", "text", "photo", "letter", "lookup")
WEIGHTS = (30, 25, 20, 10, 15)


from kiosk.core.records import Delivery  # noqa: E402


def proc_figures(pid: int) -> dict:
    """RSS (kB), open fds and threads of a process, from /proc (proc(5))."""
    status = Path(f"/proc/{pid}/status").read_text()
    rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
    threads = int(re.search(r"Threads:\s+(\d+)", status).group(1))
    return {"rss_kb": rss, "fds": len(os.listdir(f"/proc/{pid}/fd")), "threads": threads}


def heap_figures() -> dict:
    """Where this process's memory is: glibc's heap in use and held free (mallinfo2(3)),
    anonymous memory (proc(5) smaps_rollup), live Python objects of the kinds that leak in
    Kivy apps (textures, widgets: kivy#5660), and Python's own heap when tracemalloc runs."""
    from kiosk.runtime import allocator
    heap = allocator.heap_usage()
    rollup = Path("/proc/self/smaps_rollup").read_text()
    anon = int(re.search(r"Anonymous:\s+(\d+)", rollup).group(1))
    from kivy.graphics.texture import Texture
    from kivy.uix.widget import Widget
    textures = widgets = 0
    for o in gc.get_objects():
        kind = type(o)  # not isinstance: a dead weakref.proxy among the objects raises on it
        if issubclass(kind, Texture):
            textures += 1
        elif issubclass(kind, Widget):
            widgets += 1
    import tracemalloc
    nan = float("nan")  # no glibc mallinfo2 here: the heap's figures are unknown, not 0
    return {"malloc_used_mb": heap.in_use / 2**20 if heap else nan,
            "malloc_free_mb": heap.free / 2**20 if heap else nan,
            "anon_mb": anon / 1024, "textures": textures, "widgets": widgets,
            "py_mb": tracemalloc.get_traced_memory()[0] / 2**20 if tracemalloc.is_tracing() else None}


def dir_bytes(d: Path) -> int:
    return sum(p.stat().st_size for p in d.rglob("*") if p.is_file()) if d.exists() else 0


def free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Soak:
    def __init__(self, args, root: Path):
        self.args = args
        self.rng = random.Random(args.seed)
        self.root = root
        self.port = free_port()
        self.cfg_path = root / "kiosk.toml"
        self.cfg_path.write_text(f'''
[station]
number = "0371"
[storage]
data_dir = "{root}/data"
key_file = "{root}/keys/pii.key"
[sync]
central_url = "http://127.0.0.1:{self.port}"
poll_interval_s = 0.5
status_poll_interval_s = 2.0
heartbeat_interval_s = 10.0
config_poll_interval_s = 60.0
pull_api_port = 0
dev_mode = true
[central_dev]
allow_development_token = true
[ui]
idle_timeout_s = 60
idle_countdown_s = 10
''', encoding="utf-8")
        self.shown: list[str] = []       # every code a done screen showed
        self.receipts: dict[str, str] = {}  # code -> the QR payload its printed receipt carries
        self.jobs_seen = 0                  # print jobs the fake printer had received
        self.counts = {k: 0 for k in (*KINDS, "cancelled", "idle_wiped", "scanned", "typed", "state_only",
                                      "answered", "rated")}
        self.samples: list[dict] = []
        self.history: list[str] = []     # the kind of every session, in order
        self._snapshot = None  # the previous tracemalloc snapshot (--tracemalloc)

    # -- the other two processes -----------------------------------------------------

    def start_children(self) -> None:
        env = {**os.environ, "KIOSK_CONFIG": str(self.cfg_path)}
        self.central = subprocess.Popen(
            [sys.executable, "-m", "kiosk", "central-dev", "--port", str(self.port),
             "--data-dir", str(self.root / "central")], env=env, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, text=True)
        line = self.central.stdout.readline()
        if "listening" not in line:
            raise SystemExit(f"central-dev did not start: {line!r}")
        self.daemon_log = open(self.root / "sync.log", "w")
        self.daemon = subprocess.Popen([sys.executable, "-m", "kiosk", "sync"], env=env,
                                       stdout=self.daemon_log, stderr=subprocess.STDOUT)
        from kiosk.central_dev.db import CentralDB
        self.centre = CentralDB(self.root / "central")  # staff's side: replies

    def stop_children(self) -> None:
        for p in (self.daemon, self.central):
            p.send_signal(signal.SIGTERM)
        for p in (self.daemon, self.central):
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
        self.daemon_log.close()

    def reply_some(self) -> int:
        """Central staff answer the items that arrived since the last call."""
        rows = self.centre.q("SELECT id FROM items WHERE status IS NULL OR status = 'received' LIMIT 200")
        for r in rows:
            self.centre.set_status(r["id"], "replied", "已转交街道办，路灯已于本周修复。感谢您的反映！")
        return len(rows)

    # -- the app -------------------------------------------------------------------------

    def time_trims(self) -> None:
        """Time the app's malloc_trim at each session end (kiosk/runtime/allocator.py): it runs on
        the UI thread, so its length is a stall the next resident could feel."""
        from kiosk.runtime import allocator
        release, self.trims = allocator.release_free_memory, []

        def timed() -> bool:
            t = time.perf_counter()
            try:
                return release()
            finally:
                self.trims.append((time.perf_counter() - t) * 1000)
        allocator.release_free_memory = timed

    def start_app(self) -> None:
        self.time_trims()
        from kiosk.app import kivyenv
        kivyenv.prepare(None, offscreen=True, size=(1280, 800))
        from kiosk import config as configmod
        from kiosk.core.store import Store
        from kiosk.app.offscreen.harness import Harness
        from ui_doubles import TestServices

        wav = REPO / "assets" / "sounds" / "sample-zh.wav"

        class SoakServices(TestServices):
            """TestServices with the microphone fed as fast as it is read (not real time)."""

            def make_microphone(self):
                from drivers.microphone import make_microphone
                return make_microphone("wav", path=str(wav), realtime=False)

        self.cfg = configmod.load(self.cfg_path)
        self.store = Store.open(self.cfg)
        self.services = SoakServices(self.cfg, self.store, wav=wav)
        self.h = Harness(self.cfg, self.store, self.services)
        self.app = self.h.start()
        self.idle_threads = threading.active_count()
        self.clock = [1000.0]
        self.app.idle.now = lambda: self.clock[0]
        self.app.idle.last = self.clock[0]

    def pump_until(self, cond, what: str, timeout: float = 30.0) -> None:
        self.h.wait(cond, timeout=timeout, what=what)

    def finish_and_submit(self, button=None) -> None:
        """Tap submit (the finish screen's, or *button*), note the code, back home."""
        h, app = self.h, self.app
        h.tap(button or h.screen("finish").ids.submit)
        done = h.screen("done")
        self.pump_until(lambda: app.root.current == "done" and not done.pending, "the done screen")
        code = done.ids.code.text
        self.shown.append(code)
        self.keep_receipt(code, done.ids.secret.text)
        h.tap(done.ids.finish)

    def session(self, kind: str) -> None:
        h, app, rng = self.h, self.app, self.rng
        home = h.screen("home")
        cancel_at = rng.random() < 0.08
        idle_wipe = rng.random() < 0.04
        if kind == "voice":
            h.tap(home.ids.speak)
            voice = h.screen("voice")
            if app.root.current == "voice":
                self.pump_until(lambda: app.root.current != "voice" or voice.ids.meter.level > 0, "recording")
                if app.root.current == "voice":
                    h.tap(voice.ids.done)
            self.pump_until(lambda: app.root.current == "review", "the review screen")
            if self.interrupt(cancel_at, idle_wipe):
                return
            self.finish_and_submit(h.screen("review").ids.submit)
        elif kind == "text":
            h.tap(home.ids.write)
            kb = h.screen("write").ids.kb
            h.type(kb, rng.choice(("ludeng", "xiaoqu", "tingche", "zaoyin")))
            h.tap(h.key(kb, " "))
            if self.interrupt(cancel_at, idle_wipe):
                return
            h.tap(h.screen("write").ids.done)
            self.finish_and_submit()
        elif kind == "photo":
            h.tap(home.ids.photo)
            photo = h.screen("photo")
            self.pump_until(lambda: not photo.ids.capture.disabled and photo.ids.preview.texture is not None,
                            "the live preview")
            for _ in range(rng.randint(1, 2)):
                n = len(app.session.photos)
                h.tap(photo.ids.capture)
                self.pump_until(lambda: len(app.session.photos) == n + 1 and not photo.ids.capture.disabled,
                                "a captured photo")
            if self.interrupt(cancel_at, idle_wipe):
                return
            h.tap(photo.ids.next)
            self.finish_and_submit()
        elif kind == "letter":
            h.tap(home.ids.letter)
            letter = h.screen("letter")
            self.pump_until(lambda: not letter.ids.capture.disabled, "the document camera")
            h.tap(letter.ids.capture)
            self.pump_until(lambda: letter.checking, "the processed page")
            h.tap(letter.ids.capture)
            if self.interrupt(cancel_at, idle_wipe):
                return
            h.tap(letter.ids.next)
            self.finish_and_submit()
        elif kind == "lookup":
            self.look_up()
        self.counts[kind] += 1
        h.pump(1)

    def keep_receipt(self, code: str, secret_shown: str) -> None:
        """Read the receipt back from the fake printer's ESC/POS bytes (as a resident takes
        it away): exactly one new job, whose QR payload carries the code and the secret
        (``#k=``), which must be the secret the done screen showed."""
        import escpos_reader
        printer = self.services.devices.printer()
        if printer.jobs_received != self.jobs_seen + 1:
            raise AssertionError(f"{printer.jobs_received - self.jobs_seen} print jobs for {code}, not 1")
        self.jobs_seen = printer.jobs_received
        payloads = [q.data.decode() for q in escpos_reader.read(printer.jobs[-1]).qrcodes]
        if len(payloads) != 1 or not payloads[0].split("#", 1)[0].endswith(code.replace("-", "")):
            raise AssertionError(f"the receipt for {code} carries the QR codes {payloads!r}")
        secret = re.search(r"#k=(\d{6})$", payloads[0])
        if secret is None or f"{secret.group(1)[:3]} {secret.group(1)[3:]}" not in secret_shown:
            raise AssertionError(f"the receipt QR {payloads[0]!r} and the done screen's {secret_shown!r} disagree")
        self.receipts[code] = payloads[0]

    def look_up(self) -> None:
        """A resident comes back with a receipt of a replied item: scans its QR code (the
        secret comes with it) or types the number and then the secret; a few only look at
        the state. Reading the reply, they rate it."""
        h, app, rng = self.h, self.app, self.rng
        recent = self.store.list_items(after_seq=max(0, len(self.shown) - 60), with_attachments=False)
        replied = [i for i in recent if i.centre_status == "replied" and str(i.code) in self.receipts]
        h.tap(h.screen("home").ids.lookup)
        lookup = h.screen("lookup")
        if not replied:  # nothing answered yet: a typo'd number, the not-found notice
            self.type_digits(lookup, "0371-999999-9")
            h.tap(lookup.ids.confirm)
            self.pump_until(lambda: not lookup.checking, "the lookup")
            app.reset_session()
            return
        item = rng.choice(replied)
        payload = self.receipts[str(item.code)]
        secret = payload.rsplit("#k=", 1)[1]
        how = rng.choices(("scanned", "typed", "state_only"), (45, 45, 10))[0]
        self.counts[how] += 1
        if how == "scanned":
            self.pump_until(lambda: lookup.scanning, "the code reader listening")
            self.services.code_readers[-1].scan(payload)
        else:
            self.type_digits(lookup, str(item.code))
            h.tap(lookup.ids.confirm)
            self.pump_until(lambda: lookup.step == "secret", "the secret step")
            if how == "state_only":
                h.tap(lookup.ids.state_only)
            else:
                self.type_digits(lookup, secret)
                h.tap(lookup.ids.confirm)
        self.pump_until(lambda: app.root.current == "answer", "the answer screen")
        answer = h.screen("answer")
        if how != "state_only":
            if "路灯已于本周修复" not in answer.ids.reply.text:
                raise AssertionError(f"the answer to {item.code} does not show the reply")
            self.counts["answered"] += 1
            if not answer.ids.ratings.disabled:
                h.tap(rng.choice((answer.ids.satisfied, answer.ids.basically_satisfied)))
                self.pump_until(lambda: answer.answer.rating is not None, "the rating")
                self.counts["rated"] += 1
        elif "路灯已于本周修复" in answer.ids.reply.text:
            raise AssertionError(f"the reply to {item.code} shows without its secret")
        h.tap(answer.ids.finish)

    def type_digits(self, lookup, digits: str) -> None:
        for ch in digits:
            self.h.tap(self.h.find(lookup.ids.pad, lambda w: getattr(w, "value", None) == ch))

    def interrupt(self, cancel: bool, idle_wipe: bool) -> bool:
        """A resident walks away: cancel (the reset a back/cancel tap does) or idle wipe."""
        app = self.app
        if cancel:
            app.reset_session()
            self.counts["cancelled"] += 1
            return True
        if idle_wipe:
            ui = self.cfg.ui
            self.clock[0] += ui.idle_timeout_s + 1
            app.idle.tick()                       # the warning with its countdown
            assert app.idle.view is not None, "the idle warning did not appear"
            self.h.pump(1)
            self.clock[0] += ui.idle_countdown_s + 1
            app.idle.tick()                       # countdown over: everything wiped
            assert app.root.current == "home" and app.session.is_empty()
            self.counts["idle_wiped"] += 1
            return True
        return False

    # -- figures ---------------------------------------------------------------------------

    def settle(self, timeout: float = 10.0) -> None:
        """Between two residents: let the last session's workers (saving, printing, a
        recognizer finishing) end, so that every sample sees the kiosk idle at home."""
        end = time.monotonic() + timeout
        while time.monotonic() < end and threading.active_count() > self.idle_threads:
            self.h.pump(1)
            time.sleep(0.05)

    def sample(self, n: int, t0: float) -> dict:
        if n:
            self.settle()
        gc.collect()
        # What that collection freed still holds its GL storage (textures, vertex buffers)
        # until Kivy's next clock tick deletes it (kivy.graphics.context defers every GL
        # delete to the UI thread's next frame): tick before measuring, as the idle app does.
        self.h.pump(2)
        data = self.root / "data"
        s = {"sessions": n, "elapsed_s": time.monotonic() - t0,
             "app": proc_figures(os.getpid()), "daemon": proc_figures(self.daemon.pid),
             "db_mb": sum((data / f).stat().st_size for f in ("kiosk.db", "kiosk.db-wal")
                          if (data / f).exists()) / 2**20,
             "media_mb": dir_bytes(data / "media") / 2**20,
             "stored": self.store.count(), "delivered": self.store.count(Delivery.DELIVERED),
             "lost": self.lost(final=False), "before": self.history[-3:]}
        self.samples.append(s)
        a, d = s["app"], s["daemon"]
        print(f"{n:6d} sessions {s['elapsed_s']:7.0f} s | app RSS {a['rss_kb'] / 1024:7.1f} MB "
              f"fds {a['fds']:3d} threads {a['threads']:2d} | daemon RSS {d['rss_kb'] / 1024:6.1f} MB "
              f"fds {d['fds']:3d} threads {d['threads']:2d} | db {s['db_mb']:6.2f} MB media "
              f"{s['media_mb']:7.1f} MB | stored {s['stored']:5d} delivered {s['delivered']:5d} "
              f"lost {s['lost']} | last {'/'.join(s['before'])}", flush=True)
        if self.args.diagnose:
            s["heap"] = hp = heap_figures()
            py = f" python {hp['py_mb']:.1f} MB" if hp["py_mb"] is not None else ""
            print(f"{'':6} heap: malloc in use {hp['malloc_used_mb']:.1f} MB, free in arenas "
                  f"{hp['malloc_free_mb']:.1f} MB, anonymous {hp['anon_mb']:.1f} MB{py}; "
                  f"textures {hp['textures']} widgets {hp['widgets']}", flush=True)
            self.print_python_growth()
        return s

    def print_python_growth(self) -> None:
        """With tracemalloc on: the ten source lines whose live allocations grew most since
        the previous sample."""
        import tracemalloc
        if not tracemalloc.is_tracing():
            return
        snap = tracemalloc.take_snapshot().filter_traces(
            (tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, "<frozen *>")))
        if self._snapshot is not None:
            for st in snap.compare_to(self._snapshot, "lineno")[:10]:
                if st.size_diff > 0:
                    print(f"{'':10}{st.size_diff / 1024:+9.1f} kB {st.count_diff:+6d} blocks  {st.traceback}")
        self._snapshot = snap

    def lost(self, final: bool) -> int:
        """Codes shown but not in the store; at the end also: stored but not at the centre."""
        missing = 0
        for code in self.shown:
            item = self.store.find_by_code(code)
            if item is None:
                missing += 1
            elif final and (item.delivery != "delivered" or not self.centre.has_item(item.id)):
                missing += 1
        return missing

    def drain(self, timeout: float = 300) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end and self.store.count(Delivery.PENDING):
            self.h.pump(1)
            time.sleep(0.2)

    def run(self) -> None:
        args = self.args
        # SIGTERM ends the run like Ctrl-C: the daemon and central-dev are stopped too.
        signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
        self.start_children()
        self.start_app()
        t0 = time.monotonic()
        self.done_sessions, self.stopped, self.failures = 0, None, []
        kinds = [k for k in KINDS if k in args.kinds]
        weights = [w for k, w in zip(KINDS, WEIGHTS) if k in kinds]
        try:
            self.sample(0, t0)
            try:
                for n in range(1, args.sessions + 1):
                    kind = self.rng.choices(kinds, weights)[0]
                    self.history.append(kind)
                    try:
                        self.session(kind)
                    except AssertionError as e:  # the app did not get there: count it, go on
                        self.failures.append(f"session {n} ({kind}) on {self.app.root.current}: {e}")
                        print(f"FAILED {self.failures[-1]}", flush=True)
                        self.app.reset_session()
                    self.done_sessions = n
                    if n % 25 == 0:
                        self.reply_some()
                    if n % args.every == 0 or n == args.sessions:
                        s = self.sample(n, t0)
                        if s["app"]["rss_kb"] > args.max_rss_mb * 1024:
                            self.stopped = f"app RSS above --max-rss-mb {args.max_rss_mb}"
                            break
            except KeyboardInterrupt:
                self.stopped = "interrupted"
                self.sample(self.done_sessions, t0)
            self.drain()
            lost = self.lost(final=True)
        finally:
            self.stop_children()
        self.report(lost)
        self.h.stop()
        self.store.close()

    def report(self, lost: int) -> None:
        s = self.samples
        first = [x for x in s if 0 < x["sessions"] <= max(1, self.done_sessions // 10)] or s[1:2]
        last = s[-1]

        tail = [x for x in s if x["sessions"] > self.done_sessions - max(1, self.done_sessions // 10)] or [last]

        def mean(xs, who, key):
            return sum(x[who][key] for x in xs) / len(xs)

        def growth(who: str, key: str, end=None) -> str:
            base = mean(first, who, key)
            end = last[who][key] if end is None else end
            unit = 1024 if key == "rss_kb" else 1
            return f"{base / unit:.1f} -> {end / unit:.1f} ({(end - base) / base * 100:+.1f} %)"

        print()
        if self.stopped:
            print(f"STOPPED EARLY after {self.done_sessions} of {self.args.sessions} sessions: {self.stopped}")
        print(f"sessions: {self.done_sessions} ({', '.join(f'{k} {v}' for k, v in self.counts.items())}); "
              f"codes shown {len(self.shown)}; {last['elapsed_s'] / 60:.1f} min")
        print(f"app RSS MB, first 10 % -> end: {growth('app', 'rss_kb')}  (target <= +5 %)")
        print(f"app RSS MB, first 10 % -> last 10 % (means, {len(first)} and {len(tail)} samples): "
              f"{growth('app', 'rss_kb', mean(tail, 'app', 'rss_kb'))}")
        trend = [x for x in s if x["sessions"] >= first[0]["sessions"]]
        if len(trend) >= 3:
            xs, ys = [x["sessions"] for x in trend], [x["app"]["rss_kb"] / 1024 for x in trend]
            mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
            slope = sum((a - mx) * (b - my) for a, b in zip(xs, ys)) / sum((a - mx) ** 2 for a in xs)
            sd = (sum((b - my) ** 2 for b in ys) / len(ys)) ** 0.5
            half = len(ys) // 2
            print(f"app RSS trend from the first 10 % on ({len(ys)} samples): {slope * 1000:+.1f} MB per 1,000 "
                  f"sessions (least squares); mean {my:.1f} MB, sd {sd:.1f} MB, range {min(ys):.1f}-{max(ys):.1f}; "
                  f"halves {sum(ys[:half]) / half:.1f} / {sum(ys[half:]) / (len(ys) - half):.1f} MB")
        if self.trims:
            print(f"malloc_trim after a session: {len(self.trims)} calls, mean {sum(self.trims) / len(self.trims):.1f} ms, "
                  f"longest {max(self.trims):.1f} ms")
        print(f"daemon RSS MB, first 10 % -> end: {growth('daemon', 'rss_kb')}  (target <= +5 %)")
        print(f"app fds {growth('app', 'fds')}, threads {growth('app', 'threads')}  (target: no growth)")
        print(f"daemon fds {growth('daemon', 'fds')}, threads {growth('daemon', 'threads')}  (target: no growth)")
        print(f"db {last['db_mb']:.2f} MB, media {last['media_mb']:.1f} MB; items lost: {lost}  (must be 0)")
        print(f"sessions that did not reach their screen: {len(self.failures)}"
              + "".join(f"\n  {f}" for f in self.failures[:10]))
        load = os.getloadavg()
        print(f"machine: {os.cpu_count()} CPUs, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=2000, help="resident sessions to run (default 2000)")
    ap.add_argument("--every", type=int, default=100, help="print figures every N sessions")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-rss-mb", type=int, default=6000,
                    help="stop early (and report) when the app's RSS passes this (default 6000)")
    ap.add_argument("--kinds", default=",".join(KINDS),
                    help="comma-separated session kinds to mix (default: all; one kind finds a leak's source)")
    ap.add_argument("--diagnose", action="store_true",
                    help="also print where the app's memory is (glibc heap, anonymous, textures, widgets)")
    ap.add_argument("--tracemalloc", action="store_true",
                    help="with --diagnose: trace Python allocations and print the lines that grew (slow)")
    args = ap.parse_args()
    if args.tracemalloc:
        import tracemalloc
        tracemalloc.start(1)
    args.kinds = [k for k in args.kinds.split(",") if k]
    unknown = set(args.kinds) - set(KINDS)
    if unknown or not args.kinds:
        ap.error(f"--kinds: expected some of {', '.join(KINDS)}")
    with tempfile.TemporaryDirectory(prefix="kiosk-soak-") as d:
        Soak(args, Path(d)).run()


if __name__ == "__main__":
    main()
