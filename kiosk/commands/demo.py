"""`kiosk demo`: the whole loop on one PC — reference central, sync daemon, touchscreen app.

Writes a demo config into a demo directory (kept between runs, so items and replies
stay), starts `kiosk central-dev` and `kiosk sync` as child processes from it, then runs
`kiosk run --fake-hardware` in a window. Staff answer items on the central-dev page
(printed at start); the reply comes back to the kiosk within seconds. `--no-ui` runs the
same loop without a window: it stores a sample item and waits until the centre has it.
"""

from __future__ import annotations

import subprocess
import sys
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
    """The demo config in *d* (created once; an existing one is kept as the user left it)."""
    d.mkdir(parents=True, exist_ok=True)
    p = d / "kiosk.toml"
    if not p.exists():
        p.write_text(DEMO_CONFIG.format(dir=d.as_posix(), central_port=port, pull_port=port + 1),
                     encoding="utf-8")
    return p


def _kiosk(*argv: str, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "kiosk", *argv], **kw)


def _wait_for_line(proc: subprocess.Popen, marker: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        if marker in line:
            return line.strip()
    raise RuntimeError(f"child did not report {marker!r} (exit code {proc.poll()})")


def run(args, ctx) -> int:
    from kiosk import cli
    from kiosk import config as configmod

    d = demo_dir(args.dir)
    cfg_path = write_config(d, args.port)
    cfg = configmod.load(cfg_path)  # a broken hand-edited demo config fails here, named
    children: list[subprocess.Popen] = []
    try:
        central = _kiosk("central-dev", "--config", str(cfg_path), stdout=subprocess.PIPE, text=True)
        children.append(central)
        try:
            url_line = _wait_for_line(central, "listening on", 30)
        except RuntimeError as e:
            return ctx.fail(cli.EXIT_FAIL, f"central-dev did not start ({e}); is port {args.port} in use? "
                                           "Try --port")
        children.append(_kiosk("sync", "--config", str(cfg_path)))
        base = f"http://127.0.0.1:{cfg.central_dev.port}/"
        print(f"demo directory: {d}\n{url_line}\nstaff page (answer items here): {base}", flush=True)
        if args.no_ui:
            return _headless(ctx, cfg, args.exit)
        app = _kiosk("run", "--config", str(cfg_path), "--fake-hardware", "--windowed")
        children.append(app)
        return app.wait()
    except KeyboardInterrupt:
        return cli.EXIT_OK
    finally:
        for c in reversed(children):
            if c.poll() is None:
                c.terminate()
        for c in children:
            try:
                c.wait(10)
            except subprocess.TimeoutExpired:
                c.kill()


def _headless(ctx, cfg, exit_when_delivered: bool) -> int:
    """Store a sample item through the real submission path and watch it reach the centre."""
    from kiosk import cli
    from kiosk.store import Store
    from kiosk.submission import submit

    store = Store.open(cfg)
    try:
        item = submit(store, cfg, text="演示：小区东门路灯坏了一个星期，晚上很黑，请尽快修理。",
                      category="urban", source="cli")
        print(f"stored item {item.code}; waiting for the sync daemon to deliver it…", flush=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
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
    print("demo running; Ctrl-C stops it", flush=True)
    while True:
        time.sleep(3600)


def cfg_path_hint(cfg) -> str:
    """The demo config path, for the hint printed to the user."""
    return str(Path(cfg.storage.data_dir).parent / "kiosk.toml")
