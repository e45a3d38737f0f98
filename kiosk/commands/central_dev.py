"""`kiosk central-dev`: the reference central receiver, for the demo and tests.

``kiosk central-dev keygen DIR`` and ``kiosk central-dev import BUNDLE`` handle the USB
export bundles of docs/service.md (kiosk/central_dev/bundles.py).
"""

from __future__ import annotations

NAME = "central-dev"
HELP = "run the reference central receiver (API + staff pages) for the demo and tests"


def register(p) -> None:
    p.add_argument("action", nargs="?", choices=["serve", "keygen", "import"], default="serve",
                   help="serve (default); keygen DIR: write DIR/bundle.pub and DIR/bundle.key; "
                        "import BUNDLE: verify a USB export bundle and import its items")
    p.add_argument("path", nargs="?", help="keygen: the key directory; import: the bundle file")
    p.add_argument("--host", help="address to listen on (default: central_dev.host)")
    p.add_argument("--port", type=int, help="port (default: central_dev.port; 0 = any free port)")
    p.add_argument("--data-dir", metavar="DIR", help="central-dev's own data (default: central_dev.data_dir)")


def data_dir(cfg):
    """central_dev.data_dir, else ``<storage.data_dir>-central`` beside the kiosk's data."""
    from pathlib import Path
    if cfg.central_dev.data_dir:
        return Path(cfg.central_dev.data_dir)
    d = cfg.storage.data_path
    return d.with_name(d.name + "-central")


def run(args, ctx) -> int:
    import logging
    import signal
    import threading
    from pathlib import Path

    from kiosk import cli
    from kiosk.central_dev.server import CentralServer

    if args.action != "serve":
        from kiosk.commands import _central_bundles as central_bundles
        return central_bundles.run(args, ctx)
    cfg = ctx.config
    c = cfg.central_dev
    try:
        token = c.accepted_token()
    except ValueError as e:
        return ctx.fail(cli.EXIT_CONFIG, f"configuration error: central_dev.{e}")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        srv = CentralServer(Path(args.data_dir) if args.data_dir else data_dir(cfg), token,
                            host=args.host or c.host, port=c.port if args.port is None else args.port,
                            max_item_bytes=c.max_item_mb * 2**20, threads=c.threads,
                            allowed_hosts=c.allowed_hosts)
    except OSError as e:
        return ctx.fail(cli.EXIT_FAIL, f"central-dev cannot start: {e.strerror or e}")
    if c.station_config_file:
        try:
            srv.db.set_config("*", Path(c.station_config_file).read_text(encoding="utf-8"))
        except OSError as e:
            return ctx.fail(cli.EXIT_CONFIG, f"central_dev.station_config_file: cannot read: {e.strerror or e}")
    # One line a wrapper (kiosk demo, tests) can wait for, with the real port.
    print(f"central-dev listening on {srv.url} (data {srv.db.data_dir})", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    srv.start()
    try:
        while not stop.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    srv.stop()
    return cli.EXIT_OK
