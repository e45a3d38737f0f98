"""`kiosk sync`: the sync daemon (forward, pull API, status/config, heartbeat, retention)."""

from __future__ import annotations

NAME = "sync"
HELP = "run the sync daemon: forward items, serve the pull API, fetch answers and config"


def register(p) -> None:
    p.add_argument("--once", action="store_true",
                   help="do every task once (whole queue, status, config, heartbeat, retention) and exit")
    p.add_argument("--requeue", metavar="CODE",
                   help="put a quarantined item back in the queue (staff action) and exit")
    # The daemon uses the token files and the CA bundle: it loads the config with them
    # checked, so a broken sync setup is a named config error (exit 3) here and a
    # `sync_config` failure in doctor, while the app keeps taking items.
    p.set_defaults(check_setup_files=True)


def _requeue(args, ctx) -> int:
    from kiosk.cli import main as cli
    item = ctx.item_by_code(args.requeue)
    code = item.code
    if item.delivery != "quarantined":
        return ctx.fail(cli.EXIT_INVALID, f"item {code} is {item.delivery}, not quarantined: nothing to requeue")
    ctx.store.requeue(item.id)
    ctx.emit({"ok": True, "code": str(code), "delivery": "pending"},
             f"{code} returned to the queue (was quarantined: {item.quarantine_reason})")
    return cli.EXIT_OK


def _keep_daemon_small() -> None:
    """Stop sqlite-utils from importing numpy and pandas into the daemon.

    sqlite-utils imports both if installed, only to map their scalar types to SQLite
    columns (sqlite_utils/db.py, ``try: importlib.import_module("numpy")``); the kiosk
    never hands it numpy values, and numpy alone costs the daemon ~20 MB of RSS on a
    board with 2 GB. A ``None`` entry in ``sys.modules`` makes that import raise
    ImportError, which sqlite-utils handles. Only done when neither is loaded yet.
    """
    import sys
    if "sqlite_utils" not in sys.modules:
        for name in ("numpy", "pandas"):
            sys.modules.setdefault(name, None)


def run(args, ctx) -> int:
    """``kiosk sync``: requeue, one round (``--once``) or the daemon until stopped."""
    _keep_daemon_small()
    import logging
    import signal
    import threading

    from kiosk.cli import main as cli
    from kiosk.core import stationkey
    from kiosk.sync.daemon import SyncDaemon, wait_for_store

    if args.requeue:
        return _requeue(args, ctx)
    cfg = ctx.config
    if not cfg.sync.enabled:
        return ctx.fail(cli.EXIT_CONFIG, "sync is disabled in the config (sync.enabled = false)")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    from kiosk.runtime.watchdog import Notifier
    notifier = None if args.once else Notifier()
    stop = threading.Event()
    if not args.once:
        # The tokens first: a setup error is named at once, not after a wait for disk space.
        try:
            cfg.sync.central_token()
            if cfg.sync.pull_api_enabled:
                cfg.sync.pull_token()
        except ValueError as e:
            return ctx.fail(cli.EXIT_CONFIG, f"configuration error: sync.{e}")
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        # A disk too full to open the store at all (full before the disk guard's ballast
        # was made, e.g. at first boot): wait for space instead of exiting into a restart
        # loop; the app shows the hotline meanwhile (docs/store.md, "Disk full at start").
        store = ctx.open_store(recover=False, wait_for_disk=True)
        if not wait_for_store(store, cfg, notifier, stop):
            return cli.EXIT_OK
    # Start-up recovery, with the re-hash of every queued file: this is the process
    # that sends them, and a changed file must be flagged before it goes out.
    ctx.store.recover()
    # First start: the station's signing key is created here (kiosk/core/stationkey.py),
    # so the first heartbeat gives the centre its public key to pin before any receipt.
    stationkey.ensure(ctx.store)
    try:
        daemon = SyncDaemon(cfg, ctx.store, notifier=notifier)
    except ValueError as e:  # token file unreadable and the like: the message names the key
        return ctx.fail(cli.EXIT_CONFIG, f"configuration error: sync.{e}")
    if args.once:
        return _run_once(daemon, ctx)
    return _serve(daemon, ctx, stop)


def _run_once(daemon, ctx) -> int:
    """``kiosk sync --once``: one round of every task, reported; fails when the round did."""
    from kiosk.cli import main as cli

    out = daemon.run_once()
    daemon.client.close()
    f = out["forward"]
    human = (f"delivered {f['delivered']}, quarantined {f['quarantined']}, ratings {f['ratings']}, "
             f"status updates {out.get('status') or 0}, config {out.get('config') or 'not fetched'}, "
             f"purged {out.get('purged', 0)}" + (f"; stopped: {f['stopped']}" if f["stopped"] else ""))
    ctx.emit(out, human)
    return cli.EXIT_OK if out["ok"] else cli.EXIT_FAIL


def _serve(daemon, ctx, stop) -> int:
    """The daemon proper: hold the data dir's sync lock, serve the pull API and run the
    tasks until *stop* is set."""
    from kiosk.cli import main as cli

    cfg = ctx.config
    # One daemon per data dir. Two would still not duplicate items (the centre dedups by
    # UUID) but would double the traffic and fight over the pull API port.
    import fcntl
    lock = open(cfg.storage.data_path / ".sync.lock", "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        return ctx.fail(cli.EXIT_FAIL, f"another kiosk sync is already running for {cfg.storage.data_path}")
    try:
        daemon.start_pull_api()
    except ValueError as e:
        return ctx.fail(cli.EXIT_CONFIG, f"configuration error: sync.{e}")
    except OSError as e:
        return ctx.fail(cli.EXIT_FAIL, f"pull API cannot listen on {cfg.sync.pull_api_host}:"
                                       f"{cfg.sync.pull_api_port}: {e.strerror or e}")
    try:
        daemon.run_forever(stop)
    finally:
        daemon.stop_pull_api()
        lock.close()
    return cli.EXIT_OK
