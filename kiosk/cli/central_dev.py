"""`kiosk central-dev`: the reference central receiver, for the demo and tests.

Without an action it serves (API + staff pages). Actions are listed in ``ACTIONS``
(name -> (help, register, run)); each takes the same ``--data-dir``.
``kiosk central-dev keygen DIR`` and ``kiosk central-dev import BUNDLE`` handle the USB
export bundles of docs/service.md (kiosk/central_dev/bundles.py, run from
kiosk/cli/_central_bundles.py).
"""

from __future__ import annotations

import argparse

from kiosk.cli._central_db import chosen_data_dir, with_db

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
    from kiosk.central_dev.staff import DEFAULT_USER, PasswordError, StaffAccounts

    d = chosen_data_dir(args, ctx.config)
    user = args.user or DEFAULT_USER
    try:
        password = _read_password()
    except (ValueError, EOFError, KeyboardInterrupt) as e:
        return ctx.fail(cli.EXIT_INVALID, f"no password set: {e or 'input ended'}")

    def work(db) -> int:
        try:
            StaffAccounts(db).set_password(user, password)
        except PasswordError as e:
            return ctx.fail(cli.EXIT_INVALID, f"no password set: {e}")
        ctx.emit({"ok": True, "user": user, "data_dir": str(d)},
                 f"staff password set for {user!r} (central-dev data {d}); log in at /login")
        return cli.EXIT_OK
    return with_db(args, ctx, work)


def _serve(args, ctx) -> int:
    import logging
    import signal
    import threading

    from kiosk.cli import main as cli

    from kiosk.core import fsutil
    from kiosk.central_dev.server import CentralServer
    from kiosk.central_dev.storage import CentreDatabaseError

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
        srv = CentralServer(chosen_data_dir(args, cfg), token,
                            host=args.host or c.host, port=c.port if args.port is None else args.port,
                            max_item_bytes=c.max_item_mb * 2**20, threads=c.threads,
                            allowed_hosts=c.allowed_hosts, database_url=c.database_url or None,
                            quiet_after_min=c.quiet_after_min)
    except CentreDatabaseError as e:
        return ctx.fail(cli.EXIT_FAIL, f"central-dev cannot start: {e}")
    except OSError as e:
        return ctx.fail(cli.EXIT_FAIL, f"central-dev cannot start: {e.strerror or e}")
    if station_config is not None:
        srv.db.set_config("*", station_config)
    # One line a wrapper (kiosk demo, tests) can wait for, with the real port.
    print(f"central-dev listening on {srv.url} (data {srv.db.data_dir}, database {srv.db.where})", flush=True)
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


def _register_items(p) -> None:
    p.add_argument("--overdue", action="store_true", help="only the supervision list: overdue or escalated (督办)")
    p.add_argument("--limit", type=int, default=200, help="at most this many, newest first (default 200)")


def _register_advance(p) -> None:
    p.add_argument("code", help="the matter's tracking code (or UUID)")
    p.add_argument("stage", nargs="?", help="accepted, assigned, in_progress, escalated, replied or closed; "
                                            "leave out with --note for a follow-up note (跟踪)")
    p.add_argument("--department", help="the department (分流: required with assigned)")
    p.add_argument("--note", help="a note kept in the audit log (the reply's text with replied)")
    _actor_arg(p)


def _register_answer(p) -> None:
    p.add_argument("code", help="the matter's tracking code (or UUID)")
    p.add_argument("--text", required=True, help="the reply sent to the kiosk (反馈)")
    _actor_arg(p)


def _register_close(p) -> None:
    p.add_argument("code", help="the matter's tracking code (or UUID)")
    p.add_argument("--reason", required=True, help="why it is closed (办结); sent to the kiosk with the close")
    _actor_arg(p)


def _actor_arg(p) -> None:
    p.add_argument("--actor", help="who acts, for the audit log (default cli:<login user>)")


def _actor(args) -> str:
    import getpass
    return args.actor or f"cli:{getpass.getuser()}"


def _with_loop(args, ctx, work) -> int:
    """Open the database, run ``work(loop)`` -> exit code, close it."""
    from kiosk.central_dev.loop import Loop
    return with_db(args, ctx, lambda db: work(Loop(db)))


def _items(args, ctx) -> int:
    from kiosk.cli import main as cli

    def work(loop) -> int:
        rows = loop.supervision() if args.overdue else loop.describe_all(loop.db.items(args.limit))
        human = "\n".join(f"{d['code'] or d['id']}  {d['station']}  seq {d['seq']}  {d['stage']}"
                          f"{'  round ' + str(d['round']) if d['round'] > 1 else ''}"
                          f"{'  ' + d['department'] if d['department'] else ''}"
                          f"{'  to ' + (d['representative']['name'] or d['representative']['id']) if d['representative'] else ''}"
                          f"{'  OVERDUE' if d['overdue'] else ''}{'  ESCALATED' if d['escalated'] else ''}"
                          for d in rows) or "no matters"
        ctx.emit({"ok": True, "items": rows}, human)
        return cli.EXIT_OK
    return _with_loop(args, ctx, work)


def _step(args, ctx, take) -> int:
    from kiosk.cli import main as cli
    from kiosk.central_dev.loop import LoopError, StageRefused, UnknownMatter

    def work(loop) -> int:
        try:
            r = take(loop)
        except UnknownMatter as e:
            return ctx.fail(cli.EXIT_NOT_FOUND, str(e), matter=args.code)
        except StageRefused as e:
            return ctx.fail(cli.EXIT_INVALID, f"refused: {e}", matter=args.code)
        except LoopError as e:
            return ctx.fail(cli.EXIT_USAGE, str(e), matter=args.code)
        ctx.emit({"ok": True, "code": r.code, "action": r.action, "from": r.from_stage, "stage": r.stage,
                  "cursor": r.cursor}, f"{r.code}: {r.action} ({r.from_stage} -> {r.stage})")
        return cli.EXIT_OK
    return _with_loop(args, ctx, work)


def _advance(args, ctx) -> int:
    return _step(args, ctx, lambda loop: loop.advance(args.code, args.stage, actor=_actor(args),
                                                      department=args.department, note=args.note))


def _answer(args, ctx) -> int:
    return _step(args, ctx, lambda loop: loop.answer(args.code, args.text, actor=_actor(args)))


def _close(args, ctx) -> int:
    return _step(args, ctx, lambda loop: loop.close(args.code, args.reason, actor=_actor(args)))


def _enrol(args, ctx) -> int:
    from kiosk.cli import _central_trust
    return _central_trust.enrol(args, ctx)


def _stations(args, ctx) -> int:
    from kiosk.cli import _central_trust
    return _central_trust.stations(args, ctx)


def _register_enrol(p) -> None:
    from kiosk.cli import _central_trust
    _central_trust.register_enrol(p)


def _register_stations(p) -> None:
    from kiosk.cli import _central_trust
    _central_trust.register_stations(p)


def _pool(args, ctx) -> int:
    from kiosk.cli import _central_pool
    return _central_pool.run_pool(args, ctx)


def _register_pool(p) -> None:
    from kiosk.cli import _central_pool
    _central_pool.register_pool(p)


def _fleet(args, ctx) -> int:
    from kiosk.cli import _central_pool
    return _central_pool.run_fleet(args, ctx)


def _register_fleet(p) -> None:
    from kiosk.cli import _central_pool
    _central_pool.register_fleet(p)


#: name -> (help, register(parser), run(args, ctx)); more actions plug in here.
ACTIONS = {
    "set-password": ("set a staff login for the pages (password read from stdin)",
                     _register_set_password, _set_password),
    "keygen": ("write DIR/bundle.pub and DIR/bundle.key for USB export bundles", _register_keygen, _bundles),
    "import": ("verify a USB export bundle and import its items", _register_import, _bundles),
    "items": ("list matters with their stage, department, round and whether overdue; --json adds "
              "every round's replies, rating and reasons", _register_items, _items),
    "advance": ("take one step of the staff loop on a matter (受理 分流 处置 督办 反馈 办结, reopen)",
                _register_advance, _advance),
    "answer": ("reply to a matter (反馈): the text goes back to the kiosk", _register_answer, _answer),
    "close": ("close a matter with a stated reason (办结), from any open stage", _register_close, _close),
    "enrol": ("pin a station's signing key (--replace: replace a different one)", _register_enrol, _enrol),
    "stations": ("each station's pinned key and chain: gaps, rewrites (--json)", _register_stations, _stations),
    "pool": ("the data pool (民意数据池): items per category/station and week, keywords, answer times, "
             "satisfaction, overdue (--json)", _register_pool, _pool),
    # `fleet`, not `stations`: `stations` is the hash-chain state per station (issue 22).
    "fleet": ("every station's last heartbeat: queue, disk, version, devices, chain state; quiet ones "
              "flagged (--json)",
              _register_fleet, _fleet),
}
