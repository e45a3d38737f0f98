"""central-dev's database and media directory.

Deliberately independent of the kiosk's store: it is the other side of the contract.
One schema (kiosk/central_dev/tables.py) and one set of SQLAlchemy Core queries serve the
embedded SQLite file and PostgreSQL (kiosk/central_dev/storage.py, docs/centre.md).
Every PUT of an item is recorded in ``receipts`` (created / duplicate / rejected), so a
test can count by UUID that each item was *created* exactly once however often it was
sent, by however many centre processes share the database.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import uuid
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from kiosk.central_dev import storage
from kiosk.central_dev.continuity import chain_fields
from kiosk.central_dev.tables import configs, files, heartbeats, items, ratings, receipts, updates
from kiosk.core import trackcode
from kiosk.core.clock import now_iso
from kiosk.core.fsutil import fsync_dir

STATUSES = ("accepted", "assigned", "in_progress", "replied", "closed")


def etag_of(body: str) -> str:
    """A strong ETag for a config body."""
    return '"' + hashlib.sha256(body.encode("utf-8")).hexdigest()[:32] + '"'


class ItemConflict(Exception):
    """An item with a new UUID claims a (station, seq) or tracking code another item of
    the centre already has: refused (two items with one code would split a resident's
    matter). ``str()`` names both."""


def place_of(meta: dict) -> tuple[int | None, str]:
    """An item's place in its station: its seq and its tracking code's digits ("" for
    none), so that one code printed with or without its dashes is one place."""
    return meta.get("seq"), re.sub(r"\D", "", str(meta.get("code") or ""))


class Record(dict):
    """A result row: by column name (``r["id"]``) and by position (``r[0]``)."""

    def __init__(self, row: sa.Row):
        super().__init__(row._mapping)
        self._values = tuple(row)

    def __getitem__(self, key):
        return self._values[key] if isinstance(key, int) else super().__getitem__(key)


def _records(result) -> list[Record]:
    return [Record(r) for r in result] if result.returns_rows else []


_QMARK = re.compile(r"\?")


# The two look-ups of CentralDB.check_place_free, built once. The code is looked up
# alone and the station compared after: with "station = ?" beside it the planner walks
# the station's index (every item of it) instead of items_code.
_SEQ_TAKEN = sa.select(items.c.id, items.c.seq, items.c.code).where(
    items.c.station == sa.bindparam("station"), items.c.seq == sa.bindparam("seq"),
    items.c.id != sa.bindparam("id")).limit(1)
_CODE_TAKEN = sa.select(items.c.id, items.c.seq, items.c.code, items.c.station).where(
    items.c.code.in_(sa.bindparam("codes", expanding=True)))


def _code_forms(code: str) -> list[str]:
    """*code* as given, its digits, and the dashed form, for an indexed comparison."""
    digits = re.sub(r"\D", "", code)
    forms = {code, digits}
    try:
        forms.add(str(trackcode.parse(digits)))
    except trackcode.CodeError:
        pass  # not a valid code: compared as given and by its digits only
    return sorted(f for f in forms if f)


class CentralDB:
    """The reference centre's state. Thread-safe: each call takes a pooled connection
    and commits (or rolls back) its own transaction."""

    def __init__(self, data_dir: Path, database_url: str | None = None, *, pool_size: int = 8):
        self.data_dir = Path(data_dir)
        self.media = self.data_dir / "media"
        self.tmp = self.data_dir / "tmp"
        storage.prepare_data_dir(self.data_dir)
        self.engine = storage.open_engine(self.data_dir, database_url, pool_size)
        self.dialect = self.engine.dialect.name
        self.where = storage.redacted(self.engine.url) if database_url else str(self.data_dir / "central.db")
        self._store_stmts = None

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def begin(self):
        """A connection in a write transaction, committed when the block ends."""
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def read(self):
        """A connection in a read-only transaction (a deferred BEGIN on SQLite)."""
        with self.engine.connect().execution_options(readonly=True) as conn, conn.begin():
            yield conn

    def q(self, sql: str, params=()) -> list[Record]:
        """Raw SQL with ``?`` placeholders, committed (tests and one-off staff queries)."""
        n = iter(range(len(params)))
        text = _QMARK.sub(lambda _: f":p{next(n)}", sql)
        with self.begin() as conn:
            return _records(conn.execute(sa.text(text), {f"p{i}": v for i, v in enumerate(params)}))

    def select(self, stmt) -> list[Record]:
        """The rows of a Core SELECT."""
        with self.read() as conn:
            return _records(conn.execute(stmt))

    def insert(self, table: sa.Table):
        """This engine's dialect INSERT on *table* (the one with ``on_conflict_do_…``)."""
        return (postgresql.insert if self.dialect == "postgresql" else sqlite.insert)(table)

    def insert_ignoring_duplicate(self, table: sa.Table):
        """INSERT … ON CONFLICT DO NOTHING on *table* (its primary key decides)."""
        return self.insert(table).on_conflict_do_nothing()

    def lock_station(self, conn, station: str, what: str = "updates:") -> None:
        """Serialise writers of *station*'s back-channel (or, with *what* ``"items:"``,
        its items) until commit, so its cursors commit in the order they were numbered
        (a kiosk never skips a late one). SQLite serialises every write already (BEGIN
        IMMEDIATE)."""
        if self.dialect == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:s))"), {"s": what + station})

    def new_tmp_dir(self) -> Path:
        d = self.tmp / uuid.uuid4().hex
        d.mkdir(mode=0o700)
        return d

    # -- items ------------------------------------------------------------------------

    def has_item(self, item_id: str) -> bool:
        return bool(self.select(sa.select(items.c.id).where(items.c.id == item_id)))

    def add_receipt(self, item_id: str, result: str) -> None:
        with self.begin() as conn:
            conn.execute(receipts.insert().values(item_id=item_id, result=result, at=now_iso()))

    def store_item(self, meta: dict, file_rows: list[dict], tmp_dir: Path) -> str:
        """Insert the item and move its files from *tmp_dir*; "created" or "duplicate".

        The unique key decides, never a look first: of two processes inserting one UUID
        at once, the second waits for the first's commit and inserts nothing."""
        if self._store_stmts is None:
            # Built once: SQLAlchemy's .values() costs ~0.5 ms of coercion per call.
            self._store_stmts = (self.insert_ignoring_duplicate(items).returning(items.c.id),
                                 files.insert(), receipts.insert())
        put_item, put_files, put_receipt = self._store_stmts
        now = now_iso()
        with self.begin() as conn:
            self.check_unique_place(conn, meta)
            res = conn.execute(put_item, {"id": meta["id"], "station": meta["station"], "seq": meta.get("seq"),
                                          "code": meta.get("code"), "received_at": now,
                                          "meta": json.dumps(meta, ensure_ascii=False), **chain_fields(meta)})
            # A row back: ours. None: the key existed (rowcount is not reliable here).
            result = "created" if res.first() is not None else "duplicate"
            if result == "created":
                if file_rows:
                    conn.execute(put_files, [
                        {"item_id": meta["id"], "idx": f["idx"], "name": f["name"], "media_type": f["media_type"],
                         "size": f["size"], "sha256": f["sha256"]} for f in file_rows])
                final = self.media / meta["id"]
                # We hold the item's new row: a directory already there is what an earlier
                # attempt moved before its commit failed, never a committed item's.
                if final.exists():
                    shutil.rmtree(final, ignore_errors=True)
                # The files are fsynced (api.py); their names in the dir, and the dir's new
                # name in media/, are durable only once both dirs are: before the commit
                # that makes the centre answer 201.
                fsync_dir(tmp_dir)
                os.rename(tmp_dir, final)
                fsync_dir(self.media)
            conn.execute(put_receipt, {"item_id": meta["id"], "result": result, "at": now})
        if result == "duplicate":
            shutil.rmtree(tmp_dir, ignore_errors=True)
        return result

    def check_unique_place(self, conn, meta: dict) -> None:
        """Raise :class:`ItemConflict` when another UUID holds *meta*'s place (see
        :meth:`check_place_free`). Under a per-station lock on PostgreSQL (SQLite
        serialises writers), so two such items arriving at once are checked in turn."""
        self.lock_station(conn, meta["station"], "items:")
        self.check_place_free(conn, meta)

    def check_place_free(self, conn, meta: dict) -> None:
        """Raise :class:`ItemConflict` when another UUID holds *meta*'s (station, seq) or
        its tracking code (compared by digits, :func:`place_of`), as *conn*'s transaction
        sees it. Takes no lock: alone it is a look before the fact (a bundle's, before
        anything is imported); :meth:`store_item` checks again under the lock. Two indexed
        look-ups (items_station_seq, items_code): comparing a function of every stored code
        scanned all the station's items in every PUT (16 ms at 20,000 items; docs/sync.md
        "Performance")."""
        station, (seq, code) = meta["station"], place_of(meta)
        row = None
        if seq is not None:
            row = conn.execute(_SEQ_TAKEN, {"station": station, "seq": seq, "id": meta["id"]}).first()
        if row is None and code:
            row = next((r for r in conn.execute(_CODE_TAKEN, {"codes": _code_forms(code)})
                        if r.station == station and r.id != meta["id"]), None)
        if row is not None:
            what = f"seq {seq}" if row.seq == seq else f"tracking code {meta.get('code')}"
            raise ItemConflict(f"station {station}'s {what} is item {row.id} ({row.code}) already; item "
                               f"{meta['id']} reuses it with a new id: refused")

    def file_path(self, item_id: str, idx: int) -> Path:
        # Files are stored by index only: no name from a kiosk ever becomes a path here.
        return self.media / item_id / str(int(idx))

    def items(self, limit: int = 200) -> list[Record]:
        return self.select(sa.select(items).order_by(items.c.received_at.desc()).limit(limit))

    def item(self, item_id: str) -> Record | None:
        rows = self.select(sa.select(items).where(items.c.id == item_id))
        return rows[0] if rows else None

    def files(self, item_id: str) -> list[Record]:
        return self.select(sa.select(files).where(files.c.item_id == item_id).order_by(files.c.idx))

    # -- back-channel -----------------------------------------------------------------

    def set_status(self, item_id: str, status: str, reply: str | None, *, actor: str = "staff") -> int:
        """Staff set a status (and maybe a reply) directly; returns the update's cursor.

        The staff loop's checked steps are :meth:`kiosk.central_dev.loop.Loop.advance`;
        this is the item page's plain form, recorded in the audit log all the same."""
        from kiosk.central_dev.loop import record_action
        if status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}")
        reply = reply if reply else None
        with self.begin() as conn:
            row = conn.execute(sa.select(items).where(items.c.id == item_id)).first()
            if row is None:
                raise KeyError(item_id)
            cursor = self.push_update(conn, row, status, reply)
            record_action(conn, item_id, actor, "set_status", row.status, status, note=reply)
        return cursor

    def push_update(self, conn, row, status: str, reply: str | None, *, department: str | None = None,
                    escalated: bool | None = None, stage: str | None = None, round: int | None = None,
                    note: str | None = None, rating: str | None = None) -> int:
        """In *conn*'s transaction: set the item's status (reply, department) and queue
        the change for its station's back-channel; returns the cursor. *stage* is the
        step reported (kiosk/central_dev/loop.py UPDATE_STAGES; default: *status*),
        *round* the round it belongs to (default: the item's current one)."""
        self.lock_station(conn, row.station)
        at = now_iso()
        department = department if department is not None else row.department
        escalated = bool(row.escalated_at) if escalated is None else escalated
        cursor = conn.execute(updates.insert().values(
            station=row.station, item_id=row.id, status=status, reply=reply, at=at,
            department=department, escalated=escalated, stage=stage or status,
            round=row.round if round is None else round, note=note, rating=rating)
            .returning(updates.c.cursor)).scalar_one()
        conn.execute(items.update().where(items.c.id == row.id).values(
            status=status, reply=sa.func.coalesce(reply, items.c.reply), updated_at=at, department=department))
        return cursor

    def updates(self, station: str, after: int, limit: int) -> list[Record]:
        return self.select(sa.select(updates).where(updates.c.station == station, updates.c.cursor > after)
                           .order_by(updates.c.cursor).limit(limit))

    def add_rating(self, conn, r: dict, round: int) -> bool:
        """In *conn*'s transaction: store rating *r* of round *round*; False when its id
        is stored already (kiosk/central_dev/rating.py checks the rest first)."""
        res = conn.execute(self.insert_ignoring_duplicate(ratings).values(
            id=r["id"], item_id=r["item_id"], station=r.get("station"), rating=r["rating"],
            created_at=r.get("created_at"), received_at=now_iso(), round=round,
            reason=r.get("reason")).returning(ratings.c.id))
        return res.first() is not None

    def rating(self, conn, rating_id: str):
        """The stored rating *rating_id* in *conn*'s transaction, else None."""
        return conn.execute(sa.select(ratings).where(ratings.c.id == rating_id)).first()

    def add_heartbeat(self, station: str, body: dict) -> None:
        with self.begin() as conn:
            conn.execute(heartbeats.insert().values(station=station, received_at=now_iso(),
                                                    body=json.dumps(body, ensure_ascii=False)))

    def last_heartbeats(self) -> list[Record]:
        last = sa.select(heartbeats.c.station, sa.func.max(heartbeats.c.id).label("id")) \
            .group_by(heartbeats.c.station).subquery()
        return self.select(sa.select(heartbeats).join(last, last.c.id == heartbeats.c.id)
                           .order_by(heartbeats.c.station))

    # -- station config ---------------------------------------------------------------

    def set_config(self, station: str, body: str) -> str:
        """Serve *body* (not validated: the kiosk must validate) to *station* ("*" = all)."""
        etag = etag_of(body)
        with self.begin() as conn:
            conn.execute(self.insert(configs).values(station=station, body=body, etag=etag).on_conflict_do_update(
                index_elements=[configs.c.station], set_={"body": body, "etag": etag}))
        return etag

    def config_for(self, station: str) -> tuple[str, str] | None:
        rows = self.select(sa.select(configs.c.body, configs.c.etag)
                           .where(configs.c.station.in_([station, "*"]))
                           .order_by(configs.c.station == "*").limit(1))
        return (rows[0]["body"], rows[0]["etag"]) if rows else None

    # -- representatives' photos (served at /api/v1/photos/<name>) ---------------------

    def save_photo(self, name: str, body: bytes) -> Path:
        """Store a photo under *name* (already checked by the caller: PHOTO_NAME),
        written whole to a temporary file, fsynced, then renamed into place."""
        d = self.data_dir / "photos"
        d.mkdir(mode=0o700, exist_ok=True)
        tmp = self.tmp / f"photo-{uuid.uuid4().hex}"
        with open(tmp, "wb") as f:
            f.write(body)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, d / name)
        return d / name

    def photo_path(self, name: str) -> Path:
        return self.data_dir / "photos" / name
