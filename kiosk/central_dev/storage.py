"""Open the centre's database: the embedded SQLite file (default) or PostgreSQL
(``[central_dev] database_url``), migrated to the newest schema before anything is served.

Start-up fails with a named error, never half-way: :class:`DatabaseUnreachable` names the
URL without its password; :class:`MigrationFailed` names the revision that could not apply
(each start runs every pending migration in one transaction, so a failure leaves the
schema as it was). docs/centre.md describes both engines.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url

MIGRATIONS = Path(__file__).with_name("migrations")
#: The one PostgreSQL advisory lock key the centre's processes take while migrating, so
#: several starting at once apply each migration once ("minyi" in ASCII).
MIGRATION_LOCK = 0x6D696E7969
#: Tables of the schema from before migrations: a SQLite file holding ``items`` but no
#: ``alembic_version`` was made then and is stamped at revision 0001.
LEGACY_REVISION = "0001"


class CentreDatabaseError(Exception):
    """The centre's database cannot be used; ``str()`` says why (no password in it)."""


class DatabaseUnreachable(CentreDatabaseError):
    """The database at start could not be reached or opened."""


class MigrationFailed(CentreDatabaseError):
    """A migration could not apply; nothing of it was kept and nothing is served."""


class BadDatabaseURL(CentreDatabaseError):
    """``central_dev.database_url`` is not a URL this centre can use."""


def redacted(url: str | URL) -> str:
    """*url* as text with its password replaced by ``***``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "<not a database URL>"


def engine_url(url: str) -> URL:
    """The SQLAlchemy URL for a ``postgresql://`` URL (driven by psycopg 3)."""
    try:
        u = make_url(url)
    except sa.exc.ArgumentError:
        raise BadDatabaseURL(f"central_dev.database_url: not a database URL ({redacted(url)})") from None
    if u.get_backend_name() != "postgresql" or u.get_driver_name() not in ("psycopg", "psycopg2", ""):
        raise BadDatabaseURL(f"central_dev.database_url: expected postgresql://…, got {redacted(u)}")
    return u.set(drivername="postgresql+psycopg")


def prepare_data_dir(data_dir: Path) -> None:
    """Create *data_dir* (and media/, tmp/) mode 0700 whatever the umask: it holds
    residents' names, phones and recordings."""
    for d in (data_dir, data_dir / "media", data_dir / "tmp"):
        d.mkdir(parents=True, exist_ok=True)
        os.chmod(d, 0o700)


def sqlite_engine(path: Path, pool_size: int) -> Engine:
    """The embedded database: one file, WAL, every write transaction BEGIN IMMEDIATE."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)  # 0600 before SQLite ever opens it
    try:
        os.fchmod(fd, 0o600)  # SQLite gives its -wal and -shm files the same mode
    finally:
        os.close(fd)
    engine = sa.create_engine(f"sqlite:///{path}", pool_size=pool_size, max_overflow=pool_size,
                              connect_args={"check_same_thread": False, "timeout": 15})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):
        # Autocommit at the driver: SQLAlchemy's "begin" event below emits BEGIN itself,
        # since pysqlite's own deferred BEGIN can fail a write at once with SQLITE_BUSY
        # (SQLAlchemy docs, "Serializable isolation / Savepoints / Transactional DDL").
        dbapi_conn.isolation_level = None
        dbapi_conn.execute("PRAGMA journal_mode = WAL")
        # FULL: the centre's answer is the kiosk's only proof of delivery (docs/protocol.md),
        # and "a transaction committed in WAL mode with synchronous=NORMAL might roll back
        # following a power loss" (sqlite.org/pragma.html#pragma_synchronous): an item
        # answered 201 would then be gone from here and marked delivered there.
        dbapi_conn.execute("PRAGMA synchronous = FULL")
        dbapi_conn.execute("PRAGMA busy_timeout = 15000")

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get("readonly") else "BEGIN IMMEDIATE")

    return engine


def postgres_engine(url: str, pool_size: int) -> Engine:
    """PostgreSQL through psycopg 3; connections checked before use (pre-ping)."""
    return sa.create_engine(engine_url(url), pool_size=pool_size, max_overflow=pool_size,
                            pool_pre_ping=True, pool_recycle=3600,
                            connect_args={"connect_timeout": 10, "application_name": "kiosk-central-dev"})


def open_engine(data_dir: Path, database_url: str | None, pool_size: int = 8) -> Engine:
    """An engine on the migrated database; raises a :class:`CentreDatabaseError`."""
    if database_url:
        engine = postgres_engine(database_url, pool_size)
        where = redacted(engine.url).replace("+psycopg", "")
    else:
        engine = sqlite_engine(data_dir / "central.db", pool_size)
        where = str(data_dir / "central.db")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except sa.exc.DBAPIError as e:
        engine.dispose()
        raise DatabaseUnreachable(f"centre database {where} unreachable: {_first_line(e.orig)}") from None
    try:
        migrate(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


def _first_line(e) -> str:
    return (str(e).strip().splitlines() or [type(e).__name__])[0]


def head_revision() -> str:
    """The newest migration's revision id."""
    from alembic.script import ScriptDirectory
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def migrate(engine: Engine) -> None:
    """Apply every pending migration in one transaction (all or nothing)."""
    # Alembic narrates each step at INFO; the centre's own start line is what a wrapper
    # waits for (kiosk demo, tests), and a failure is raised below anyway.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    from alembic import command
    from alembic.config import Config
    from alembic.util import CommandError
    from alembic.runtime.migration import MigrationContext

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
        cfg.attributes["connection"] = conn
        current = MigrationContext.configure(conn).get_current_revision()
        try:
            if current is None and sa.inspect(conn).has_table("items"):
                _complete_legacy(conn)
                command.stamp(cfg, LEGACY_REVISION)
                current = LEGACY_REVISION
            if current != head_revision():
                command.upgrade(cfg, "head")
        except CommandError as e:  # e.g. a revision in the database this version does not have
            raise MigrationFailed(f"centre database at revision {current!r}, which this version cannot "
                                  f"migrate (newest {head_revision()}): {_first_line(e)}") from e
        except Exception as e:
            raise MigrationFailed(f"centre database migration from {current or 'empty'} to "
                                  f"{head_revision()} failed, nothing applied: {_first_line(e)}") from e


#: The tables a pre-migration database may lack (staff.py made its two only when run).
_LEGACY_STAFF = """
CREATE TABLE IF NOT EXISTS staff_users (
    user TEXT PRIMARY KEY, password_hash TEXT NOT NULL, set_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS staff_sessions (
    token_sha256 TEXT PRIMARY KEY, user TEXT NOT NULL, csrf TEXT NOT NULL,
    created_at TEXT NOT NULL, expires REAL NOT NULL);
CREATE TABLE IF NOT EXISTS ratings (
    id TEXT PRIMARY KEY, item_id TEXT NOT NULL, station TEXT, rating TEXT NOT NULL,
    created_at TEXT, received_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS configs (station TEXT PRIMARY KEY, body TEXT NOT NULL, etag TEXT NOT NULL);
"""


def _complete_legacy(conn) -> None:
    for stmt in filter(None, (s.strip() for s in _LEGACY_STAFF.split(";"))):
        conn.exec_driver_sql(stmt)
