"""`kiosk central-dev`: the reference central receiver, for the demo and tests.

Without an action it serves (API + staff pages). Actions are listed in ``ACTIONS``
(name -> (help, register, run)); each takes the same ``--data-dir``.
``kiosk central-dev keygen DIR`` and ``kiosk central-dev import BUNDLE`` handle the USB
export bundles of docs/service.md (kiosk/central_dev/bundles.py, run from
kiosk/cli/_central_bundles.py).
"""

from __future__ import annotations

import argparse

NAME = "central-dev"
HELP = "run the reference central receiver (API + staff pages) for the demo and tests"


def _data_dir_arg(p, default) -> None:
    p.add_argument("--data-dir", metavar="DIR", default=default,
                   help="central-dev's own data (default: central_dev.data_dir)")


def _register_serve(p) -> None:
    p.add_argument("--host", help="address to listen on (default: central_dev.host)")
    p.add_argument("--port", type=int, help="port (default: central_dev.port; 0 = any free port)")


def _register_set_password(p) -> None:
    # Nothing from kiosk.central_dev here: building the parser must not import it
    # (the kiosk runtime never does; tests/sync/test_sync_process.py checks).
    p.add_argument("--user", help="staff user name (default 'staff')")
    p.description = ("Set a staff login for the pages. Reads the password from stdin: the first "
                     "line, or asked twice on a terminal. Only a salted scrypt hash is stored; the "
                     "user's open sessions end.")


def register(p) -> None:
    from kiosk.cli import main as cli
    _register_serve(p)
    _data_dir_arg(p, None)
    sub = p.add_subparsers(dest="action", metavar="ACTION")
    for name, (help_, reg, _) in ACTIONS.items():
        # --config/--json also after the action, as after any command (kiosk/cli/main.py).
        sp = sub.add_parser(name, help=help_, parents=[cli._common(argparse.SUPPRESS)])
        reg(sp)
        _data_dir_arg(sp, argparse.SUPPRESS)  # also accepted after the action


def _chosen_data_dir(args, cfg):
    from pathlib import Path
    return Path(args.data_dir) if args.data_dir else cfg.central_data_dir()


def run(args, ctx) -> int:
    action = getattr(args, "action", None)
    if action:
        return ACTIONS[action][2](args, ctx)
    return _serve(args, ctx)


def _read_password() -> str:
    import getpass
    import sys
    if sys.stdin.isatty():
        first = getpass.getpass("new staff password: ")
        if getpass.getpass("again: ") != first:
            raise ValueError("the two passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def _set_password(args, ctx) -> int:
    from kiosk.cli import main as cli
    from kiosk.central_dev.db import CentralDB
    from kiosk.central_dev.staff import DEFAULT_USER, PasswordError, StaffAccounts

    d = _chosen_data_dir(args, ctx.config)
    user = args.user or DEFAULT_USER
    try:
        password = _read_password()
    except (ValueError, EOFError, KeyboardInterrupt) as e:
        return ctx.fail(cli.EXIT_INVALID, f"no password set: {e or 'input ended'}")
    try:
        db = CentralDB(d)
    except OSError as e:
        return ctx.fail(cli.EXIT_FAIL, f"cannot open central-dev data in {d}: {e.strerror or e}")
    try:
        StaffAccounts(db).set_password(user, password)
    except PasswordError as e:
        return ctx.fail(cli.EXIT_INVALID, f"no password set: {e}")
    finally:
        db.close()
    ctx.emit({"ok": True, "user": user, "data_dir": str(d)},
             f"staff password set for {user!r} (central-dev data {d}); log in at /login")
    return cli.EXIT_OK


def _serve(args, ctx) -> int:
    import logging
    import signal
    import threading

    from kiosk.cli import main as cli

    from kiosk.core import fsutil
    from kiosk.central_dev.server import CentralServer

    cfg = ctx.config
    c = cfg.central_dev
    try:
        token = c.accepted_token()
    except ValueError as e:
        return ctx.fail(cli.EXIT_CONFIG, f"configuration error: central_dev.{e}")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    station_config = None
    if c.station_config_file:  # read before the port is taken: a bad file is a config error
        try:
            station_config = fsutil.read_regular_file(c.station_config_file).decode("utf-8")
        except OSError as e:
            return ctx.fail(cli.EXIT_CONFIG, f"central_dev.station_config_file: cannot read: {e.strerror or e}")
        except UnicodeDecodeError as e:
            return ctx.fail(cli.EXIT_CONFIG, f"central_dev.station_config_file: not UTF-8 text "
                                             f"(byte {e.start}): {c.station_config_file}")
    try:
        srv = CentralServer(_chosen_data_dir(args, cfg), token,
                            host=args.host or c.host, port=c.port if args.port is None else args.port,
                            max_item_bytes=c.max_item_mb * 2**20, threads=c.threads,
                            allowed_hosts=c.allowed_hosts)
    except OSError as e:
        return ctx.fail(cli.EXIT_FAIL, f"central-dev cannot start: {e.strerror or e}")
    if station_config is not None:
        srv.db.set_config("*", station_config)
    # One line a wrapper (kiosk demo, tests) can wait for, with the real port.
    print(f"central-dev listening on {srv.url} (data {srv.db.data_dir})", flush=True)
    if not srv.app.staff.has_users():
        print("central-dev: no staff password yet: the pages refuse every login until "
              "`kiosk central-dev set-password` has run", flush=True)
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


def _register_keygen(p) -> None:
    p.add_argument("path", nargs="?", help="the key directory: DIR/bundle.pub and DIR/bundle.key are written")


def _register_import(p) -> None:
    p.add_argument("path", nargs="?", help="the bundle file to verify and import")


def _bundles(args, ctx) -> int:
    from kiosk.cli import _central_bundles
    return _central_bundles.run(args, ctx)


#: name -> (help, register(parser), run(args, ctx)); more actions plug in here.
ACTIONS = {
    "set-password": ("set a staff login for the pages (password read from stdin)",
                     _register_set_password, _set_password),
    "keygen": ("write DIR/bundle.pub and DIR/bundle.key for USB export bundles", _register_keygen, _bundles),
    "import": ("verify a USB export bundle and import its items", _register_import, _bundles),
}
