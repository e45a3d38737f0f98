"""`kiosk demo`: the whole loop on one PC — reference central, sync daemon, touchscreen app.

Writes a demo config into a demo directory (kept between runs, so items and replies
stay), starts `kiosk central-dev` and `kiosk sync` as child processes from it, then runs
`kiosk run --fake-hardware` in a window. Staff answer items on the central-dev page
(printed at start, with the staff login: the first run generates a password and keeps
it in the demo directory); the reply comes back to the kiosk within seconds. `--no-ui`
runs the same loop without a window: it stores a sample item and waits until the centre
has it.

SIGTERM, SIGHUP and Ctrl-C stop every child and wait for it, and so does any child
ending by itself (the demo cannot go on without it), so the ports are free again. Killed
outright (SIGKILL), the demo cannot; its children then get SIGTERM from the kernel
(kiosk/runtime/lifeline.py).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

NAME = "demo"
HELP = "run the whole loop locally: central-dev + sync daemon + the app with fake hardware"

DEMO_CONFIG = """\
# minyi-kiosk demo configuration, written by `kiosk demo` (edit freely; delete to reset).
[station]
number = "0371"
name = "演示民意工作站"

[storage]
data_dir = "{dir}/kiosk-data"
key_file = "{dir}/keys/pii.key"

[sync]
central_url = "http://127.0.0.1:{central_port}"
pull_api_port = {pull_port}
# A development/demo config: the pull API accepts the public dev token (loopback only).
dev_mode = true
# Demo pace: replies written on the central-dev page show up within seconds.
status_poll_interval_s = 3.0
heartbeat_interval_s = 30.0
config_poll_interval_s = 30.0

[central_dev]
port = {central_port}
data_dir = "{dir}/central-data"
# A demo on this machine only: the centre accepts the public development token (never
# for a centre kiosks reach; give it its own token_file instead, docs/security.md).
allow_development_token = true
"""


def register(p) -> None:
    p.add_argument("--dir", metavar="DIR",
                   help="demo directory (default: a 'demo' folder in the per-user data dir)")
    p.add_argument("--port", type=int, default=8765,
                   help="central-dev port; the kiosk's pull API uses the next one (default 8765)")
    p.add_argument("--no-ui", action="store_true",
                   help="no window: store a sample item, show it reach the centre")
    p.add_argument("--exit", action="store_true",
                   help="with --no-ui: stop once the sample item is delivered instead of waiting for Ctrl-C")


def demo_dir(arg: str | None) -> Path:
    """Where the demo keeps its config and data."""
    if arg:
        return Path(arg).resolve()
    import platformdirs
    return Path(platformdirs.user_data_dir("minyi-kiosk", appauthor=False)) / "demo"


def write_config(d: Path, port: int) -> Path:
    """The demo config in *d* (created once; an existing one is kept as the user left it).
    *d* is made owner-only: it holds both databases, the keys and the staff password."""
    from kiosk.core import fsutil
    fsutil.make_private_dir(d)
    p = d / "kiosk.toml"
    if not p.exists():
        p.write_text(DEMO_CONFIG.format(dir=d.as_posix(), central_port=port, pull_port=port + 1),
                     encoding="utf-8")
    return p


STAFF_USER = "staff"
PASSWORD_FILE = "staff-password.txt"


def ensure_staff_login(d: Path, cfg) -> str:
    """Give the demo's central-dev a staff login and say where its password is.

    The first run generates a password, sets it (salted hash in central-dev's db) and
    writes it to ``<demo dir>/staff-password.txt`` (mode 0600). Later runs keep whatever
    login exists (staff may have changed it with ``kiosk central-dev set-password``)."""
    import secrets

    from kiosk.central_dev.db import CentralDB
    from kiosk.central_dev.staff import StaffAccounts

    pw_file = d / PASSWORD_FILE
    db = CentralDB(cfg.central_data_dir())
    try:
        staff = StaffAccounts(db)
        if not staff.has_users():
            kept = pw_file.read_text(encoding="utf-8").strip() if pw_file.exists() else ""
            password = kept if len(kept) >= 10 else secrets.token_urlsafe(12)
            staff.set_password(STAFF_USER, password)
            pw_file.touch(mode=0o600)
            pw_file.chmod(0o600)
            pw_file.write_text(password + "\n", encoding="utf-8")
    finally:
        db.close()
    if pw_file.exists():
        return (f"staff login: user {STAFF_USER!r}, password {pw_file.read_text(encoding='utf-8').strip()!r} "
                f"(kept in {pw_file})")
    return (f"staff login: the password set earlier (change it with `kiosk central-dev set-password "
            f"--config {d / 'kiosk.toml'}`)")


class DemoStopped(Exception):
    """SIGTERM, SIGHUP or SIGINT arrived: stop the demo cleanly."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class ChildExited(Exception):
    """One of the demo's processes ended by itself: the demo cannot go on without it."""

    def __init__(self, name: str, code: int):
        super().__init__(f"{name} exited with code {code}")
        self.name, self.code = name, code


class Children:
    """The demo's child processes: started, watched, and always stopped and reaped."""

    def __init__(self):
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self, name: str, *argv: str, **kw) -> subprocess.Popen:
        """Start ``kiosk <argv>`` as *name*, set to get SIGTERM should the demo die
        without stopping it (SIGKILL; kiosk/runtime/lifeline.py). Call from the main thread."""
        from kiosk.runtime import lifeline
        proc = subprocess.Popen([sys.executable, "-m", "kiosk", *argv], env=lifeline.child_env(), **kw)
        self.procs[name] = proc
        return proc

    def check(self) -> None:
        """Raise :class:`ChildExited` if any child has ended."""
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                raise ChildExited(name, proc.returncode)

    def stop_all(self, grace_s: float = 10.0) -> None:
        """Terminate every child still running (newest first), wait, kill stragglers."""
        for proc in reversed(list(self.procs.values())):
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + grace_s
        for proc in self.procs.values():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _raise_stopped(signum, frame):
    raise DemoStopped(signum)


STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)


def _wait_for_line(proc: subprocess.Popen, marker: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        if marker in line:
            return line.strip()
    raise RuntimeError(f"child did not report {marker!r} (exit code {proc.poll()})")


def _forward_output(stream) -> None:
    """Copy a child's remaining stdout to ours, so its pipe never fills and blocks it."""
    def pump():
        for line in stream:
            print(line, end="", flush=True)
    threading.Thread(target=pump, name="demo-output", daemon=True).start()


def run(args, ctx) -> int:
    from kiosk.cli import main as cli
    from kiosk import config as configmod

    d = demo_dir(args.dir)
    cfg_path = write_config(d, args.port)
    cfg = configmod.load(cfg_path)  # a broken hand-edited demo config fails here, named
    try:
        cfg.central_dev.accepted_token()  # e.g. a demo config written before the opt-in existed
    except ValueError as e:
        return ctx.fail(cli.EXIT_CONFIG, f"{cfg_path}: central_dev.{e} (or delete the file for a "
                                         "fresh demo config)")
    login = ensure_staff_login(d, cfg)
    children = Children()
    previous = {sig: signal.signal(sig, _raise_stopped) for sig in STOP_SIGNALS}
    try:
        central = children.start("central-dev", "central-dev", "--config", str(cfg_path),
                                 stdout=subprocess.PIPE, text=True)
        try:
            url_line = _wait_for_line(central, "listening on", 30)
        except RuntimeError as e:
            return ctx.fail(cli.EXIT_FAIL, f"central-dev did not start ({e}); is port {args.port} in use? "
                                           "Try --port")
        _forward_output(central.stdout)
        children.start("sync", "sync", "--config", str(cfg_path))
        base = f"http://127.0.0.1:{cfg.central_dev.port}/"
        print(f"demo directory: {d}\n{url_line}\nstaff page (answer items here): {base}\n{login}", flush=True)
        if args.no_ui:
            return _headless(ctx, cfg, args.exit, children)
        app = children.start("app", "run", "--config", str(cfg_path), "--fake-hardware", "--windowed")
        while True:
            if app.poll() is not None:
                return app.returncode  # the window was closed: the demo is over
            children.check()
            time.sleep(0.2)
    except DemoStopped as e:
        print(f"demo: {e}: stopping", flush=True)
        return cli.EXIT_OK
    except ChildExited as e:
        return ctx.fail(cli.EXIT_FAIL, f"demo stopped: {e}; see its messages above")
    finally:
        # A second signal during the clean-up must not cut it short.
        for sig in STOP_SIGNALS:
            signal.signal(sig, signal.SIG_IGN)
        children.stop_all()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _headless(ctx, cfg, exit_when_delivered: bool, children: Children) -> int:
    """Store a sample item through the real submission path and watch it reach the centre."""
    from kiosk.cli import main as cli
    from kiosk.core.store import Store
    from kiosk.core.submission import submit

    store = Store.open(cfg)
    try:
        item = submit(store, cfg, text="演示：小区东门路灯坏了一个星期，晚上很黑，请尽快修理。",
                      category="urban", source="cli").item
        print(f"stored item {item.code}; waiting for the sync daemon to deliver it…", flush=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            children.check()
            now = store.get_item(item.id)
            if now.delivery == "delivered":
                print(f"delivered: {item.code} is at the centre. Reply on the staff page, then "
                      f"`kiosk status {item.code} --config {cfg_path_hint(cfg)}`",
                      flush=True)
                break
            time.sleep(0.3)
        else:
            return ctx.fail(cli.EXIT_FAIL, f"{item.code} was not delivered within 60 s; see `kiosk doctor`")
    finally:
        store.close()
    if exit_when_delivered:
        return cli.EXIT_OK
    print("demo running; Ctrl-C (or SIGTERM/SIGHUP) stops it", flush=True)
    while True:
        children.check()
        time.sleep(0.5)


def cfg_path_hint(cfg) -> str:
    """The demo config path, for the hint printed to the user."""
    return str(Path(cfg.storage.data_dir).parent / "kiosk.toml")
