"""The durable item store: SQLite (WAL, synchronous=FULL) plus attachment files.

Commit protocol (docs/design.md, "How nothing gets lost"): each attachment is written to a
temp file and fsynced, renamed into ``media/<item id>/`` and the directory fsynced; then
one ``BEGIN IMMEDIATE`` transaction allocates the sequence number and inserts the item
and its attachments. Only after that commit does the item have a tracking code. A crash
at any point leaves either no item (temp files and orphaned media are cleaned up at the
next open) or a whole item.

Two processes (the UI and the sync daemon) open the same database; writes take
``BEGIN IMMEDIATE`` so that a busy database waits (busy timeout) instead of failing on
a read-to-write upgrade.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import os
import shutil
import sqlite3
import threading
import uuid as uuidlib
from pathlib import Path
from typing import Callable, Iterator

from sqlite_utils import Database

from kiosk.core import clock, fsutil, itemsecret, trackcode
from kiosk.core.diskguard import DiskGuard, DiskSpaceError, OutOfServiceError
from kiosk.core.pii import Cipher, PIIKeyError
from kiosk.core.records import Attachment, Delivery, Draft, Item, ItemState, NewAttachment, RatingToSend
from kiosk.core.schema import migrations

BUSY_TIMEOUT_MS = 15_000


class StoreError(Exception):
    """The store could not do what was asked; ``str()`` says why."""


class AlreadyRated(StoreError):
    """A resident tried to rate an item a second time (``add_rating(once=True)``)."""


class DiskFullError(StoreError):
    """No space left: the item was not stored, nothing else was lost."""


class Store:
    """One open kiosk database with its media directory. Thread-safe (one lock)."""

    def __init__(self, data_dir: Path, station: str, cipher: Cipher | Path, *, recover: bool = True,
                 verify: bool = True, guard: DiskGuard | None = None, wait_for_disk: bool = False):
        """Open (creating) the store in *data_dir*. *cipher* is the personal-data cipher,
        or the key file to load once the database is open: the key is created only while
        no item carries encrypted personal data (kiosk/core/pii.py). *recover* runs
        :meth:`recover` (with *verify*) once it is open. A disk too full to open the
        database on raises :class:`~kiosk.core.diskguard.OutOfServiceError`; with
        *wait_for_disk* the store stays closed instead (every use raises that refusal)
        until :meth:`try_open` succeeds (docs/store.md, "Disk full at start")."""
        self.data_dir = Path(data_dir)
        # Checked before every write (kiosk/core/diskguard.py); with no guard given only a
        # completely full disk refuses writes.
        self.guard = guard or DiskGuard(self.data_dir)
        self.station = station
        self.media_dir = self.data_dir / "media"
        self.tmp_dir = self.data_dir / "tmp"
        self.db_path = self.data_dir / "kiosk.db"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._key = cipher
        self._db: Database | None = None
        self._cipher: Cipher | None = None
        self._recover = (recover, verify)
        if not self.try_open() and not wait_for_disk:
            raise self._unopenable()

    @classmethod
    def open(cls, config, *, recover: bool = True, verify: bool = True, wait_for_disk: bool = False) -> "Store":
        """Open the store described by a :class:`kiosk.config.tree.Config` (options as :class:`Store`)."""
        return cls(config.storage.data_path, config.station.number,
                   Path(config.storage.key_file), recover=recover, verify=verify,
                   guard=DiskGuard.from_settings(config.storage), wait_for_disk=wait_for_disk)

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
                    d.mkdir(exist_ok=True)
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
                    self._cipher = self._key if isinstance(self._key, Cipher) else \
                        Cipher.from_key_file(Path(self._key), locked_items=self.count_encrypted_items())
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

    # -- transactions -----------------------------------------------------------------

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

    # -- committing items -------------------------------------------------------------

    def commit_item(self, draft: Draft) -> Item:
        """Durably store *draft* and return the committed item with its tracking code.

        The returned item also carries its receipt secret (``Item.secret``, issued here
        and stored only as a hash, see kiosk/core/itemsecret.py): the one moment the plaintext
        exists, for the receipt. Items read back later never have it.

        Raises :class:`~kiosk.core.diskguard.MediaRefusedError` (attachments below
        ``storage.min_free_mb``) or :class:`~kiosk.core.diskguard.OutOfServiceError` (below
        the hard floor) before anything is written, :class:`DiskFullError` or
        :class:`StoreError`; on failure nothing of the item remains and the store is
        usable for the next one.
        """
        self.guard.check_item(sum(fsutil.size_of(a.source) for a in draft.attachments))
        # Shared: commits of several processes run side by side; start-up recovery in
        # another process waits for them (see _files_lock).
        with self._files_lock(fcntl.LOCK_SH):
            return self._commit_item(draft)

    @contextlib.contextmanager
    def _files_lock(self, mode: int) -> Iterator[None]:
        # Between writing its temp files and committing its row, an item's files look
        # exactly like the leftovers of a crash. Without this lock, recovery run by a
        # second process (the sync daemon restarting, staff running `kiosk status`)
        # deleted the files of an item another process was committing.
        with open(self.data_dir / ".files.lock", "a+b") as lockf:
            fcntl.flock(lockf, mode)
            yield

    def _commit_item(self, draft: Draft) -> Item:
        try:
            # First, before any file is written: with an unusable key nothing is stored.
            identity = (self.cipher.encrypt(draft.name), self.cipher.encrypt(draft.phone))
        except PIIKeyError as e:
            raise StoreError(f"real-name item not stored: {e}") from None
        item_id = str(uuidlib.uuid4())
        item_dir = self.media_dir / item_id
        temps: list[Path] = []
        placed: list[tuple[NewAttachment, str, str, int]] = []
        try:
            staged = []
            for i, att in enumerate(draft.attachments):
                tmp = self.tmp_dir / f"{item_id}.{i}.part"
                temps.append(tmp)
                digest, size = fsutil.write_source(tmp, att.source, draft.max_attachment_bytes)
                staged.append((att, tmp, digest, size))
            if staged:
                item_dir.mkdir()
                fsutil.fsync_dir(self.media_dir)
            for i, (att, tmp, digest, size) in enumerate(staged):
                stored_name = f"{i:02d}-{att.name}"
                os.rename(tmp, item_dir / stored_name)
                placed.append((att, stored_name, digest, size))
            if staged:
                fsutil.fsync_dir(item_dir)
            return self._insert_item(item_id, draft, placed, identity)
        except fsutil.DiskFullError:
            fsutil.discard(temps, item_dir)
            raise DiskFullError("disk full: the item was not stored; free space or call staff") from None
        except fsutil.TooLargeError as e:
            fsutil.discard(temps, item_dir)
            raise StoreError(f"attachment {e}") from None
        except DiskFullError:
            fsutil.discard(temps, item_dir)
            raise DiskFullError("disk full: the item was not stored; free space or call staff") from None
        except sqlite3.OperationalError as e:
            fsutil.discard(temps, item_dir)
            if self.guard.is_out_of_space(e):
                raise DiskFullError("disk full: the item was not stored; free space or call staff") from None
            raise StoreError(f"database error, item not stored: {e}") from None
        except OSError as e:
            fsutil.discard(temps, item_dir)
            if self.guard.is_out_of_space(e):
                raise DiskFullError("disk full: the item was not stored; free space or call staff") from None
            raise StoreError(f"could not write attachment: {e.strerror or e}") from None
        except BaseException:
            fsutil.discard(temps, item_dir)
            raise

    def _insert_item(self, item_id: str, draft: Draft, placed, identity: tuple[str | None, str | None]) -> Item:
        secret = itemsecret.issue()
        secret_hash = itemsecret.hash_secret(secret)  # before BEGIN: the write lock is not held for it
        created = clock.now_iso()
        trusted = clock.clock_trusted()
        with self.write() as db:
            row = db.execute("SELECT next_seq FROM counters WHERE station = ?", [self.station]).fetchone()
            seq = row[0] if row else 1
            db.execute("INSERT OR REPLACE INTO counters (station, next_seq) VALUES (?, ?)",
                       [self.station, seq + 1])
            code = trackcode.make(self.station, seq)
            db["items"].insert({
                "id": item_id, "seq": seq, "station": self.station, "code": code.compact,
                "created_at": created, "clock_trusted": int(trusted), "text": draft.text,
                "category": draft.category, "anonymous": int(draft.anonymous),
                "name_enc": identity[0],
                "phone_enc": identity[1],
                "source": draft.source, "lang": draft.lang,
                "state": ItemState.STORED.value, "delivery": Delivery.PENDING.value,
                "secret_hash": secret_hash,
            })
            db["attachments"].insert_all([
                {"item_id": item_id, "idx": i, "kind": att.kind, "name": name,
                 "media_type": att.media_type, "size": size, "sha256": digest}
                for i, (att, name, digest, size) in enumerate(placed)
            ])
            self._log(db, "info", "item_stored", f"item {code} stored", item_id,
                      {"attachments": len(placed), "source": draft.source})
        return dataclasses.replace(self.get_item(item_id), secret=secret)

    # -- reading ----------------------------------------------------------------------

    def get_item(self, item_id: str, *, with_pii: bool = False) -> Item | None:
        """The item with this UUID, or None."""
        with self._lock:
            rows = list(self.db["items"].rows_where("id = ?", [item_id]))
            return self._to_item(rows[0], with_pii) if rows else None

    def find_by_code(self, code: str | trackcode.TrackingCode, *, with_pii: bool = False) -> Item | None:
        """The item with this tracking code (parsed first: a typo raises CodeError)."""
        if not isinstance(code, trackcode.TrackingCode):
            code = trackcode.parse(code)
        with self._lock:
            rows = list(self.db["items"].rows_where("code = ?", [code.compact]))
            return self._to_item(rows[0], with_pii) if rows else None

    def list_items(self, *, after_seq: int = 0, delivery: Delivery | str | None = None,
                   flagged: bool = False, limit: int | None = None,
                   with_attachments: bool = True) -> list[Item]:
        """Items with ``seq > after_seq``, oldest first.

        *delivery* keeps only items in that delivery state; *flagged* keeps only items
        whose attachments changed or vanished on disk (integrity not ``ok``).
        """
        where, params = self._item_filter(after_seq, delivery, flagged)
        with self._lock:
            rows = list(self.db["items"].rows_where(where, params, order_by="seq", limit=limit))
            return [self._to_item(r, False, with_attachments) for r in rows]

    @staticmethod
    def _item_filter(after_seq: int, delivery, flagged: bool) -> tuple[str, list]:
        where, params = ["seq > ?"], [int(after_seq)]
        if delivery is not None:
            where.append("delivery = ?")
            params.append(Delivery(delivery).value)
        if flagged:
            where.append("integrity != 'ok'")
        return " AND ".join(where), params

    def pending_item_ids(self, after_seq: int, limit: int) -> list[tuple[str, int]]:
        """(UUID, seq) of up to *limit* items waiting for delivery after *after_seq*, oldest first."""
        with self._lock:
            rows = self.db.execute(
                "SELECT id, seq FROM items WHERE delivery = ? AND seq > ? ORDER BY seq LIMIT ?",
                [Delivery.PENDING.value, after_seq, limit]).fetchall()
        return [(r[0], r[1]) for r in rows]

    def oldest_item(self, *deliveries: Delivery | str) -> Item | None:
        """The oldest item in any of the delivery states *deliveries* (all when none given)."""
        states = [Delivery(d).value for d in deliveries]
        where = f"delivery IN ({', '.join('?' * len(states))})" if states else None
        with self._lock:
            rows = list(self.db["items"].rows_where(where, states, order_by="seq", limit=1))
            return self._to_item(rows[0], False, False) if rows else None

    def attachments(self, item_id: str) -> tuple[Attachment, ...]:
        """The attachments of one item, in order."""
        with self._lock:
            return tuple(
                Attachment(id=r["id"], item_id=r["item_id"], idx=r["idx"], kind=r["kind"],
                           name=r["name"], media_type=r["media_type"], size=r["size"],
                           sha256=r["sha256"], integrity=r["integrity"], purged=bool(r["purged"]),
                           path=self.media_dir / item_id / r["name"])
                for r in self.db["attachments"].rows_where("item_id = ?", [item_id], order_by="idx"))

    def _to_item(self, r: dict, with_pii: bool, with_attachments: bool = True) -> Item:
        return Item(
            id=r["id"], code=trackcode.make(r["station"], r["seq"]), seq=r["seq"],
            station=r["station"], created_at=r["created_at"],
            clock_trusted=bool(r["clock_trusted"]), text=r["text"] or "",
            category=r["category"], anonymous=bool(r["anonymous"]), source=r["source"],
            lang=r["lang"], state=r["state"], delivery=r["delivery"],
            delivered_at=r["delivered_at"], delivered_via=r["delivered_via"],
            attempts=r["attempts"] or 0, last_error=r["last_error"],
            quarantine_reason=r["quarantine_reason"], integrity=r["integrity"],
            centre_status=r["centre_status"], centre_reply=r["centre_reply"],
            centre_updated_at=r["centre_updated_at"], purged_at=r["purged_at"],
            attachments=self.attachments(r["id"]) if with_attachments else (),
            has_secret=r.get("secret_hash") is not None,
            name=self.cipher.decrypt(r["name_enc"]) if with_pii else None,
            phone=self.cipher.decrypt(r["phone_enc"]) if with_pii else None,
        )

    def count_encrypted_items(self) -> int:
        """How many items carry encrypted personal data (a name or phone not purged)."""
        with self._lock:
            return self.db.execute("SELECT count(*) FROM items WHERE name_enc IS NOT NULL "
                                   "OR phone_enc IS NOT NULL").fetchone()[0]

    def sample_encrypted_value(self) -> str | None:
        """One stored encrypted name or phone (the newest), to test the key against."""
        with self._lock:
            row = self.db.execute("SELECT coalesce(name_enc, phone_enc) FROM items WHERE name_enc IS NOT NULL "
                                  "OR phone_enc IS NOT NULL ORDER BY seq DESC LIMIT 1").fetchone()
            return row[0] if row else None

    def count(self, delivery: Delivery | str | None = None) -> int:
        """How many items there are (in delivery state *delivery*, when given)."""
        with self._lock:
            if delivery is None:
                return self.db["items"].count
            return self.db["items"].count_where("delivery = ?", [Delivery(delivery).value])

    def count_ratings(self, delivery: Delivery | str) -> int:
        """How many ratings are in delivery state *delivery*."""
        with self._lock:
            return self.db["ratings"].count_where("delivery = ?", [Delivery(delivery).value])

    # -- the service menu's reads (kiosk/maintenance) -------------------------------------

    def held_item_ids(self) -> set[str]:
        """Pending items the sync daemon reported held back (the centre failed on them
        again and again while answering others: event ``sync_item_held``)."""
        with self._lock:
            rows = self.db.execute(
                "SELECT DISTINCT e.item_id FROM events e JOIN items i ON i.id = e.item_id "
                "WHERE e.kind = 'sync_item_held' AND i.delivery = ? AND e.id > COALESCE("
                "(SELECT max(r.id) FROM events r WHERE r.item_id = e.item_id AND r.kind = 'item_requeued'), 0)",
                [Delivery.PENDING.value]).fetchall()
        return {r[0] for r in rows}

    def exportable_item_ids(self, *, include_delivered: bool) -> list[str]:
        """Items a USB export carries, oldest first: undelivered ones, or with
        *include_delivered* every item whose media is still kept (not purged)."""
        where = "purged_at IS NULL" if include_delivered else "delivery != 'delivered'"
        with self._lock:
            return [r[0] for r in self.db.execute(f"SELECT id FROM items WHERE {where} ORDER BY seq")]

    def events_after(self, after_id: int, kind_prefix: str, limit: int = 100) -> list[dict]:
        """Events with id above *after_id* whose kind starts with *kind_prefix*, oldest first."""
        with self._lock:
            return list(self.db["events"].rows_where("id > ? AND kind LIKE ?", [after_id, kind_prefix + "%"],
                                                     order_by="id", limit=limit))

    def database_bytes(self) -> int:
        """Size of the database file and its write-ahead log."""
        return sum(p.stat().st_size for p in (self.db_path, self.db_path.with_name(self.db_path.name + "-wal"))
                   if p.exists())

    # -- delivery (used by the sync daemon) -------------------------------------------

    def mark_delivered(self, item_id: str, via: str) -> bool:
        """Record that the centre has the item (acknowledged by push or pull).

        Idempotent; returns True if this call changed the item.
        """
        with self.write() as db:
            cur = db.execute(
                "UPDATE items SET delivery = ?, delivered_at = ?, delivered_via = ?, last_error = NULL, "
                "state = CASE WHEN state = 'stored' THEN 'delivered' ELSE state END "
                "WHERE id = ? AND delivery != ?",
                [Delivery.DELIVERED.value, clock.now_iso(), via, item_id, Delivery.DELIVERED.value])
            if cur.rowcount:
                self._log(db, "info", "item_delivered", f"delivered via {via}", item_id)
            return bool(cur.rowcount)

    def record_attempt(self, item_id: str, error: str) -> None:
        """Count a failed delivery attempt (the reason is kept, not logged per retry)."""
        with self.write() as db:
            db.execute("UPDATE items SET attempts = attempts + 1, last_error = ? WHERE id = ?",
                       [error, item_id])

    def quarantine(self, item_id: str, reason: str) -> None:
        """Stop retrying an item the centre rejected; kept and visible to staff."""
        with self.write() as db:
            db.execute("UPDATE items SET delivery = ?, quarantine_reason = ? WHERE id = ?",
                       [Delivery.QUARANTINED.value, reason, item_id])
            self._log(db, "error", "item_quarantined", reason, item_id)

    def requeue(self, item_id: str) -> None:
        """Put a quarantined item back in the queue (a staff action)."""
        with self.write() as db:
            db.execute("UPDATE items SET delivery = ?, quarantine_reason = NULL, attempts = 0 "
                       "WHERE id = ? AND delivery = ?",
                       [Delivery.PENDING.value, item_id, Delivery.QUARANTINED.value])
            self._log(db, "info", "item_requeued", "returned to the queue by staff", item_id)

    def record_status(self, item_id: str, status: str, reply: str | None, at: str) -> None:
        """Apply a status change / reply from the centre and keep it in the history."""
        if status not in {s.value for s in ItemState} - {"stored"}:
            raise StoreError(f"unknown status {status!r} from the centre")
        with self.write() as db:
            db["status_history"].insert({"item_id": item_id, "status": status, "reply": reply,
                                         "at": at, "received_at": clock.now_iso()})
            db.execute("UPDATE items SET state = ?, centre_status = ?, "
                       "centre_reply = COALESCE(?, centre_reply), centre_updated_at = ? WHERE id = ?",
                       [status, status, reply, at, item_id])

    def rating_of(self, item_id: str) -> str | None:
        """The resident's (first) rating of the item, or None."""
        with self._lock:
            row = self.db.execute("SELECT rating FROM ratings WHERE item_id = ? ORDER BY created_at, id LIMIT 1",
                                  [item_id]).fetchone()
        return row[0] if row else None

    # -- receipt secrets (kiosk/core/itemsecret.py) ------------------------------------------

    def secret_matches(self, item_id: str, secret: str) -> bool | None:
        """Whether *secret* is the item's receipt secret; None when the item has none
        (committed before receipts carried one). Raises itemsecret.SecretHashError for a
        damaged hash."""
        with self._lock:
            row = self.db.execute("SELECT secret_hash FROM items WHERE id = ?", [item_id]).fetchone()
        if row is None or row[0] is None:
            return None
        return itemsecret.matches(secret, row[0])

    def replace_secret(self, item_id: str, secret: str) -> None:
        """Give the item a new receipt secret (*secret*, from ``itemsecret.issue()``) for
        a staff reprint.

        Only hashes are kept, so a reprint cannot print the old secret: the old receipt
        stops opening the reply from this moment (docs/receipts.md).
        """
        secret_hash = itemsecret.hash_secret(secret)
        with self.write() as db:
            cur = db.execute("UPDATE items SET secret_hash = ? WHERE id = ?", [secret_hash, item_id])
            if not cur.rowcount:
                raise StoreError(f"no item {item_id}")
            self._log(db, "info", "secret_reissued", "a new receipt secret was issued (reprint)", item_id)

    def status_history(self, item_id: str) -> list[dict]:
        """Every status the centre sent for the item, oldest first."""
        with self._lock:
            return list(self.db["status_history"].rows_where("item_id = ?", [item_id], order_by="id"))

    # -- ratings ----------------------------------------------------------------------

    def add_rating(self, item_id: str, rating: str, *, once: bool = False) -> str:
        """Record a resident's rating; returns the rating's UUID (its idempotency key).

        With *once*, raises :class:`AlreadyRated` when the item has a rating already (the
        check and the insert are one transaction, so two taps cannot make two).
        """
        from kiosk.core.records import Rating
        Rating(rating)  # raises ValueError for an unknown rating
        rid = str(uuidlib.uuid4())
        with self.write() as db:
            if once and db.execute("SELECT 1 FROM ratings WHERE item_id = ?", [item_id]).fetchone():
                raise AlreadyRated("this item has been rated already")
            db["ratings"].insert({"id": rid, "item_id": item_id, "rating": rating,
                                  "created_at": clock.now_iso(),
                                  "clock_trusted": int(clock.clock_trusted())})
            self._log(db, "info", "item_rated", rating, item_id)
        return rid

    def ratings_to_send(self, limit: int) -> list[RatingToSend]:
        """Pending ratings of items the centre already has, oldest first.

        A rating of an undelivered item waits: the centre cannot attach it to anything.
        """
        with self._lock:
            rows = self.db.execute(
                "SELECT r.id, r.item_id, r.rating, r.created_at, r.clock_trusted, i.code, i.station "
                "FROM ratings r JOIN items i ON i.id = r.item_id "
                "WHERE r.delivery = 'pending' AND i.delivery = 'delivered' "
                "ORDER BY r.created_at, r.id LIMIT ?", [limit]).fetchall()
        return [RatingToSend(id=r[0], item_id=r[1], rating=r[2], created_at=r[3],
                             clock_trusted=bool(r[4]), code=r[5], station=r[6]) for r in rows]

    def mark_rating_delivered(self, rating_id: str) -> None:
        """Record that the centre has the rating."""
        self._set_rating(rating_id, Delivery.DELIVERED, None, attempt=False)

    def record_rating_attempt(self, rating_id: str, error: str) -> None:
        """Count a failed delivery attempt of a rating; it stays pending."""
        self._set_rating(rating_id, Delivery.PENDING, error, attempt=True)

    def quarantine_rating(self, rating_id: str, reason: str) -> None:
        """Stop sending a rating the centre rejected; kept and counted for staff."""
        self._set_rating(rating_id, Delivery.QUARANTINED, reason, attempt=False)

    def _set_rating(self, rid: str, delivery: Delivery, error: str | None, *, attempt: bool) -> None:
        with self.write() as db:
            db.execute("UPDATE ratings SET delivery = ?, last_error = ?, attempts = attempts + ?, "
                       "delivered_at = CASE WHEN ? = 'delivered' THEN ? ELSE delivered_at END WHERE id = ?",
                       [delivery.value, error, int(attempt), delivery.value, clock.now_iso(), rid])

    # -- events and meta --------------------------------------------------------------

    def log_event(self, kind: str, message: str, *, level: str = "info",
                  item_id: str | None = None, data: dict | None = None) -> None:
        """Append to the event log staff read in the service menu and `kiosk doctor`.

        Never put personal data (names, phone numbers) in *message* or *data*.
        """
        with self.write() as db:
            self._log(db, level, kind, message, item_id, data)

    @staticmethod
    def _log(db: Database, level: str, kind: str, message: str, item_id: str | None = None,
             data: dict | None = None) -> None:
        db["events"].insert({"at": clock.now_iso(), "level": level, "kind": kind, "item_id": item_id,
                             "message": message,
                             "data": json.dumps(data, ensure_ascii=False) if data else None})

    def events(self, limit: int = 50, kind: str | None = None) -> list[dict]:
        """The newest events, newest first."""
        with self._lock:
            where, params = ("kind = ?", [kind]) if kind else (None, [])
            return list(self.db["events"].rows_where(where, params, order_by="id desc", limit=limit))

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        """A small persistent value (sync cursors, config ETag …)."""
        with self._lock:
            row = self.db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
            return row[0] if row else default

    def set_meta(self, key: str, value: str | None) -> None:
        """Set (or with None, delete) a persistent value."""
        with self.write() as db:
            self._put_meta(db, key, value)

    def update_meta(self, key: str, change: Callable[[str | None], str | None]) -> str | None:
        """Replace a persistent value by ``change(old value)`` (None: delete) and return the
        new one: read and write in one ``BEGIN IMMEDIATE`` transaction, so an update by
        another process (the PIN pad and `kiosk service check-pin`) waits, never gets lost."""
        with self.write() as db:
            row = db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
            new = change(row[0] if row else None)
            self._put_meta(db, key, new)
        return new

    @staticmethod
    def _put_meta(db: Database, key: str, value: str | None) -> None:
        if value is None:
            db.execute("DELETE FROM meta WHERE key = ?", [key])
        else:
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [key, value])

    def meta_with_prefix(self, prefix: str) -> dict[str, str]:
        """Every persistent value whose key starts with *prefix* (e.g. ``device.``), by key."""
        with self._lock:
            rows = self.db.execute("SELECT key, value FROM meta WHERE substr(key, 1, ?) = ? ORDER BY key",
                                   [len(prefix), prefix]).fetchall()
        return {k: v for k, v in rows}

    def replace_meta(self, values: dict[str, str | None], *,
                     event: tuple[str, str, dict] | None = None) -> None:
        """Set (None: delete) several persistent values and log *event* (kind, message,
        data) in one transaction: a reader sees all of the change or none of it."""
        with self.write() as db:
            for key, value in values.items():
                self._put_meta(db, key, value)
            if event:
                kind, message, data = event
                self._log(db, "info", kind, message, None, data)

    # -- recovery and checks ----------------------------------------------------------

    def recover(self, *, verify: bool = True) -> dict:
        """Start-up clean-up after a crash or power cut.

        Removes temp files and media directories of items that never committed, and (with
        *verify*) re-hashes undelivered items' attachments, flagging (never dropping) any
        mismatch. Returns counts of what it did ("flagged" is None when not verified).

        Removing leftovers is quick; re-hashing reads every undelivered file, which after
        a long outage is gigabytes (tens of seconds on a Pi). So the touchscreen app
        starts with ``verify=False`` and the sync daemon - the process that sends the
        files - verifies them when it starts (docs/store.md).
        """
        # Exclusive: no commit is half-way in any process, so what looks orphaned is.
        with self._files_lock(fcntl.LOCK_EX):
            removed_tmp = 0
            for p in self.tmp_dir.iterdir():
                with contextlib.suppress(OSError):
                    p.unlink()
                    removed_tmp += 1
            with self._lock:
                known = {r[0] for r in self.db.execute("SELECT id FROM items")}
            removed_orphans = 0
            for d in self.media_dir.iterdir():
                if d.name not in known:
                    # Renamed into place, but the transaction never committed: no code was
                    # ever shown for it, so it is not an item.
                    shutil.rmtree(d, ignore_errors=True)
                    removed_orphans += 1
            if removed_orphans:
                fsutil.fsync_dir(self.media_dir)
        flagged = self.verify_attachments() if verify else None
        if removed_tmp or removed_orphans:
            try:
                self.log_event("recovered", "start-up clean-up after an interrupted commit",
                               data={"temp_files": removed_tmp, "orphaned_dirs": removed_orphans})
            except (DiskSpaceError, DiskFullError):
                pass  # the clean-up itself is done; the disk guard reports the disk
        return {"temp_files": removed_tmp, "orphaned_dirs": removed_orphans, "flagged": flagged}

    def verify_attachments(self, only_undelivered: bool = True) -> int:
        """Re-hash attachments; flag mismatches on the attachment and the item."""
        where = "a.purged = 0" + (" AND i.delivery != 'delivered'" if only_undelivered else "")
        with self._lock:
            rows = self.db.execute(
                f"SELECT a.id, a.item_id, a.name, a.sha256, a.size, a.integrity, i.code "
                f"FROM attachments a JOIN items i ON i.id = a.item_id WHERE {where}").fetchall()
        flagged = 0
        for att_id, item_id, name, digest, size, integrity, code in rows:
            path = self.media_dir / item_id / name
            try:
                actual, actual_size = fsutil.sha256_file(path)
                state = "ok" if (actual, actual_size) == (digest, size) else "mismatch"
            except FileNotFoundError:
                state = "missing"
            except OSError:
                # There but unreadable now (permissions, an I/O error): it cannot be checked,
                # which says nothing about its content; the sync daemon holds the item and
                # reports it (docs/sync.md, "Centre calls").
                continue
            if state != "ok" and integrity != state:
                flagged += 1
                with self.write() as db:
                    db.execute("UPDATE attachments SET integrity = ? WHERE id = ?", [state, att_id])
                    db.execute("UPDATE items SET integrity = 'mismatch' WHERE id = ?", [item_id])
                    self._log(db, "error", "attachment_integrity",
                              f"attachment {name} of {trackcode.parse(code)} is {state}",
                              item_id, {"expected_sha256": digest})
        return flagged

    def integrity_check(self) -> str:
        """SQLite's ``PRAGMA integrity_check`` result ("ok" when healthy)."""
        with self._lock:
            rows = self.db.execute("PRAGMA integrity_check").fetchall()
        return "; ".join(r[0] for r in rows)

    def purge_delivered_before(self, cutoff_iso: str) -> int:
        """Purge (see :meth:`purge_item`) every item delivered before *cutoff_iso*; how many."""
        with self._lock:
            ids = [r[0] for r in self.db.execute(
                "SELECT id FROM items WHERE delivery = 'delivered' AND purged_at IS NULL "
                "AND delivered_at IS NOT NULL AND delivered_at < ? ORDER BY seq", [cutoff_iso]).fetchall()]
        return sum(1 for i in ids if self.purge_item(i))

    def purge_item(self, item_id: str) -> bool:
        """Remove media and personal data of a *delivered* item; keep code and status.

        Returns False (and does nothing) for an item that is not delivered: undelivered
        items are never purged.
        """
        with self.write() as db:
            cur = db.execute("UPDATE items SET name_enc = NULL, phone_enc = NULL, purged_at = ? "
                             "WHERE id = ? AND delivery = 'delivered' AND purged_at IS NULL",
                             [clock.now_iso(), item_id])
            if not cur.rowcount:
                return False
            db.execute("UPDATE attachments SET purged = 1 WHERE item_id = ?", [item_id])
            self._log(db, "info", "item_purged", "media and personal data removed (retention)", item_id)
        shutil.rmtree(self.media_dir / item_id, ignore_errors=True)
        return True
