"""Opening the centre's database for a `kiosk central-dev` action, and saying why it failed;
shared by the actions in kiosk/cli/central_dev.py, kiosk/cli/_central_bundles.py,
kiosk/cli/_central_trust.py and kiosk/cli/_central_pool.py."""

from __future__ import annotations


def chosen_data_dir(args, cfg):
    """The centre's data dir: ``--data-dir`` if given, else the configured one."""
    from pathlib import Path
    return Path(args.data_dir) if args.data_dir else cfg.central_data_dir()


def open_db(args, ctx):
    """The centre's database as configured (``--data-dir``, ``central_dev.database_url``),
    migrated; a :class:`kiosk.central_dev.storage.CentreDatabaseError` or OSError on failure."""
    from kiosk.central_dev.db import CentralDB
    return CentralDB(chosen_data_dir(args, ctx.config), ctx.config.central_dev.database_url or None)


def db_failure(ctx, e) -> int:
    """Report why the database could not be opened (no password in the message)."""
    from kiosk.cli import main as cli
    if isinstance(e, OSError):
        return ctx.fail(cli.EXIT_FAIL, f"cannot open central-dev data: {e.strerror or e}")
    return ctx.fail(cli.EXIT_FAIL, str(e))


def with_db(args, ctx, work) -> int:
    """Open the database, run ``work(db)`` -> exit code, close it; a database that cannot
    be opened is reported by :func:`db_failure`."""
    from kiosk.central_dev.storage import CentreDatabaseError
    try:
        db = open_db(args, ctx)
    except (OSError, CentreDatabaseError) as e:
        return db_failure(ctx, e)
    try:
        return work(db)
    finally:
        db.close()
