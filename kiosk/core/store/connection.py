"""Opening and closing the store, its transactions and its file locks."""

from __future__ import annotations

import contextlib
import fcntl
import sqlite3
import threading
from pathlib import Path
from typing import Iterator

from sqlite_utils import Database

from kiosk.core import fsutil, stationkey
from kiosk.core.diskguard import DiskGuard, DiskSpaceError, OutOfServiceError
from kiosk.core.pii import Cipher
from kiosk.core.schema import migrations
from kiosk.core.store.errors import DiskFullError, StoreError, StoreNotCreated

BUSY_TIMEOUT_MS = 15_000


class ConnectionMixin:
    """Open/close, ``write()`` transactions, the cipher and the files lock. Part of :class:`kiosk.core.store.Store`."""

    def __init__(self, data_dir: Path, station: str, cipher: Cipher | Path, *, recover: bool = True,
                 verify: bool = True, guard: DiskGuard | None = None, wait_for_disk: bool = False,
                 signing_key: Path | None = None):
        """Open (creating) the store in *data_dir*. *cipher* is the personal-data cipher,
        or the key file to load once the database is open: the key is created only while
        no item carries encrypted personal data (kiosk/core/pii.py). *recover* runs
        :meth:`recover` (with *verify*) once it is open. A disk too full to open the
        database on raises :class:`~kiosk.core.diskguard.OutOfServiceError`; with
        *wait_for_disk* the store stays closed instead (every use raises that refusal)
        until :meth:`try_open` succeeds (docs/store.md, "Disk full at start"). *signing_key*
        is the station's signing key file (kiosk/core/stationkey.py; default
        ``station-signing.key`` beside a key-file *cipher*), read when first needed."""
        self._set_up(data_dir, station, cipher, guard, (recover, verify), signing_key)
        fsutil.make_private_dir(self.data_dir)  # names and phones inside: 0700 whatever the umask
        if not self.try_open() and not wait_for_disk:
            raise self._unopenable()

    def _set_up(self, data_dir: Path, station: str, cipher: Cipher | Path, guard: DiskGuard | None,
                recover: tuple[bool, bool], signing_key: Path | None = None) -> None:
        """The paths and state of a store not yet opened (nothing touched on disk)."""
        self.data_dir = Path(data_dir)
        # Checked before every write (kiosk/core/diskguard.py); with no guard given only a
        # completely full disk refuses writes.
        self.guard = guard or DiskGuard(self.data_dir)
        self.station = station
        self.media_dir = self.data_dir / "media"
        self.tmp_dir = self.data_dir / "tmp"
        self.db_path = self.data_dir / "kiosk.db"
        self._lock = threading.RLock()
        self._key = cipher
        self._db: Database | None = None
        self._cipher: Cipher | None = None
        self._receipt_key = None  # loaded with the cipher (kiosk/core/store/answers.py)
        self._recover = recover
        if signing_key is None and not isinstance(cipher, Cipher):
            signing_key = Path(cipher).parent / "station-signing.key"
        self.signing_key_path = Path(signing_key) if signing_key is not None else None
        self._station_key: stationkey.StationKey | None = None

    @staticmethod
    def _configured(config) -> dict:
        """What a :class:`kiosk.config.tree.Config` says about the store: :meth:`_set_up`'s arguments."""
        s = config.storage
        return dict(data_dir=s.data_path, station=config.station.number, cipher=Path(s.key_file),
                    guard=DiskGuard.from_settings(s), signing_key=Path(s.signing_key_file))

    @classmethod
    def open(cls, config, *, recover: bool = True, verify: bool = True, wait_for_disk: bool = False) -> "Store":
        """Open the store described by a :class:`kiosk.config.tree.Config` (options as :class:`Store`)."""
        return cls(**cls._configured(config), recover=recover, verify=verify, wait_for_disk=wait_for_disk)

    @classmethod
    def open_read_only(cls, config) -> "Store":
        """The existing store of *config*, for reading only (``kiosk doctor``).

        Nothing is created or changed: no data dir, database, personal-data key, ballast
        or lock file; no migration, no recovery; a write fails ("attempt to write a
        readonly database"). Raises :class:`StoreNotCreated` when there is no database,
        or no tables in it, yet. A database another process has open (its ``-wal`` file
        exists) is read through SQLite's write-ahead log, whose shared-memory index
        every reader updates; one nobody has open is read as ``immutable``, because a
        read-only connection would leave new ``-wal`` and ``-shm`` files behind
        (https://sqlite.org/uri.html#uriimmutable).
        """
        self = cls.__new__(cls)
        self._set_up(**cls._configured(config), recover=(False, False))
        if not self.db_path.is_file():
            raise StoreNotCreated(f"{self.db_path} not created yet; the kiosk creates it at first start")
        live = self.db_path.with_name(self.db_path.name + "-wal").exists()
        uri = self.db_path.resolve().as_uri() + ("?mode=ro" if live else "?mode=ro&immutable=1")
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False,
                               timeout=BUSY_TIMEOUT_MS / 1000)
        self._db = Database(conn)
        try:
            if "m001_initial" in self.pending_migrations():
                raise StoreNotCreated(f"{self.db_path} has no tables yet; the kiosk creates them "
                                      "at first start")
            self._load_keys(create=False)
        except BaseException:
            self._db = None
            conn.close()
            raise
        return self

    def pending_migrations(self) -> list[str]:
        """The migrations this code has that the database lacks (reads only; the
        read-write open applies them)."""
        with self._lock:
            return [m.name for m in migrations.pending(self.db)]

    @property
    def is_open(self) -> bool:
        """False while a full disk keeps the database from opening (``wait_for_disk``)."""
        return self._db is not None

    @property
    def db(self) -> Database:
        """The database; raises :class:`~kiosk.core.diskguard.OutOfServiceError` while not open."""
        if self._db is None:
            raise self._unopenable()
        return self._db

    @property
    def cipher(self) -> Cipher:
        """The personal-data cipher (loaded when the database opened)."""
        if self._cipher is None:
            raise self._unopenable()
        return self._cipher

    @property
    def station_key(self) -> stationkey.StationKey:
        """The station's signing key, created (and its public key recorded in meta
        ``station_key.public``) the first time the station needs one; afterwards a
        missing or different key file is a key whose ``problem`` says so, never a new
        key (kiosk/core/stationkey.py). A usable key is kept; a broken one is looked at
        again on the next use, so a restored file is taken without a restart."""
        with self._lock:
            if self._station_key is not None:
                return self._station_key
            recorded = self.get_meta(stationkey.PUBLIC_META)
            key = stationkey.load(self.signing_key_path, recorded, may_create=True)
            if key.problem is None and recorded is None:
                try:
                    kept = self.record_meta_once(stationkey.PUBLIC_META, key.public)
                except (DiskSpaceError, StoreError, sqlite3.Error) as e:
                    return stationkey.StationKey.broken(self.signing_key_path, f"station signing key "
                                                        f"{self.signing_key_path} cannot be recorded ({e})")
                if kept != key.public:  # another process recorded another key first
                    key = stationkey.load(self.signing_key_path, kept, may_create=False)
            if key.problem is None:
                self._station_key = key
            return key

    def try_open(self) -> bool:
        """Open the database now if it is not open (then recover as asked); True when open.

        False when the disk is still too full; any other failure (a broken database, an
        unusable data dir) raises as it would at start-up.
        """
        if self._db is not None:
            return True  # without the lock: a commit in a worker must not stall the caller
        with self._lock:
            if self._db is not None:
                return True
            try:
                for d in (self.media_dir, self.tmp_dir):
                    d.mkdir(mode=fsutil.PRIVATE_DIR_MODE, exist_ok=True)
                # Created 0600 before SQLite creates it with the umask's mode; its -wal and
                # -shm files take the database file's mode (docs/security.md, "Files on disk").
                fsutil.ensure_private_file(self.db_path)
            except OSError as e:
                if self.guard.is_out_of_space(e):
                    return False
                raise
            conn = sqlite3.connect(self.db_path, isolation_level=None, check_same_thread=False,
                                   timeout=BUSY_TIMEOUT_MS / 1000)
            self._db = Database(conn)
            opened = False
            try:
                if self._open_on_any_disk():
                    self._load_keys(create=True)
                    opened = True
            finally:
                if not opened:  # still too full, or it raised: closed again, nothing kept
                    self._db = None
                    conn.close()
            if not opened:
                return False
            # A disk that had no room for the ballast before (kiosk/core/diskguard.py) gets it now.
            self.guard.keep_ballast()
            recover, verify = self._recover
            if recover:
                self.recover(verify=verify)
            return True

    def _load_keys(self, *, create: bool) -> None:
        """The personal-data cipher and the receipt-secret key, once the database is open
        (each key file is created only while nothing stored depends on it, and only with
        *create*: kiosk/core/keyfile.py)."""
        self._cipher = self._key if isinstance(self._key, Cipher) else \
            Cipher.from_key_file(Path(self._key), locked_items=self.count_encrypted_items(), create=create)
        self._receipt_key = self._load_receipt_key(create=create)

    def _unopenable(self) -> OutOfServiceError:
        reading = self.guard.read()
        return OutOfServiceError("disk full: the store cannot even be opened until "
                                 f"space is freed ({reading.describe()})", reading)

    def _open_on_any_disk(self) -> bool:
        # The first statement maps the WAL index (-shm), which needs free blocks: on a
        # disk filled to the last block it fails with "disk I/O error". Then the guard's
        # ballast is given back and the open retried; the store opens and the guard
        # refuses its writes until space is freed (kiosk/core/diskguard.py). With no ballast
        # to give (a disk full before one was made) it cannot open yet: False.
        for attempt in (1, 2):
            try:
                self.db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                self.db.execute("PRAGMA synchronous = FULL")
                self.db.execute("PRAGMA foreign_keys = ON")
                self._prepare()
                return True
            except DiskFullError:
                pass  # a new database's first migration found no room (rolled back)
            except sqlite3.OperationalError as e:
                if not self.guard.is_out_of_space(e):
                    raise
            if attempt == 2 or not self.guard.release_ballast():
                return False
        return False

    def close(self) -> None:
        """Close the database connection (if it was ever opened)."""
        with self._lock:
            if self._db is not None:
                self._db.conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextlib.contextmanager
    def write(self) -> Iterator[Database]:
        """One write transaction (``BEGIN IMMEDIATE``), committed on success.

        Raises :class:`~kiosk.core.diskguard.OutOfServiceError` below the disk guard's hard
        floor (nothing is written) and :class:`DiskFullError` when the disk fills during
        the transaction (it is rolled back: all of it or nothing).
        """
        self.guard.check_write()
        with self._transaction() as db:
            yield db

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[Database]:
        with self._lock:
            try:
                self.db.execute("BEGIN IMMEDIATE")
                try:
                    yield self.db
                except BaseException:
                    self._rollback()
                    raise
                self.db.execute("COMMIT")
            except sqlite3.OperationalError as e:
                self._rollback()
                if self.guard.is_out_of_space(e):
                    raise DiskFullError("disk full: nothing was written; free space or call staff") from None
                raise

    def _rollback(self) -> None:
        # After SQLITE_FULL on COMMIT the transaction can still be open (sqlite.org/lang_transaction.html).
        if self.db.conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                self.db.execute("ROLLBACK")

    def _prepare(self) -> None:
        # Two processes may start together (app and sync daemon at boot). Switching a new
        # database to WAL can fail with SQLITE_BUSY at once, without the busy handler
        # being consulted (https://sqlite.org/wal.html#sometimes_queries_return_sqlite_busy_in_wal_mode),
        # so the switch and the migrations are serialised with a file lock. The migrations
        # then run in one BEGIN IMMEDIATE transaction: a deferred one that upgrades from
        # read to write fails at once (no busy handler) when the other process is writing.
        with open(self.data_dir / ".migrate.lock", "w") as lockf:
            fcntl.flock(lockf, fcntl.LOCK_EX)
            self.db.execute("PRAGMA journal_mode = WAL")
            # Unguarded: with no migration due it writes nothing, and a full disk must
            # not keep the store from opening (the guard refuses the writes after it).
            with self._transaction():
                migrations.apply(self.db)

    @contextlib.contextmanager
    def _files_lock(self, mode: int) -> Iterator[None]:
        # Between writing its temp files and committing its row, an item's files look
        # exactly like the leftovers of a crash. Without this lock, recovery run by a
        # second process (the sync daemon restarting, staff running `kiosk status`)
        # deleted the files of an item another process was committing.
        with open(self.data_dir / ".files.lock", "a+b") as lockf:
            fcntl.flock(lockf, mode)
            yield
