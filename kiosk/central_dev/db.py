"""central-dev's own SQLite database and media directory.

Deliberately independent of the kiosk's store: it is the other side of the contract.
Every PUT of an item is recorded in ``receipts`` (created / duplicate / rejected), so a
test can count by UUID that each item was *created* exactly once however often it was
sent.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import threading
import uuid
from datetime import datetime, timezone
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    id TEXT PRIMARY KEY, station TEXT NOT NULL, seq INTEGER, code TEXT, received_at TEXT NOT NULL,
    meta TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'received', reply TEXT, updated_at TEXT);
CREATE TABLE IF NOT EXISTS files (
    item_id TEXT NOT NULL, idx INTEGER NOT NULL, name TEXT NOT NULL, media_type TEXT NOT NULL,
    size INTEGER NOT NULL, sha256 TEXT NOT NULL, PRIMARY KEY (item_id, idx));
CREATE TABLE IF NOT EXISTS receipts (
    id INTEGER PRIMARY KEY, item_id TEXT NOT NULL, result TEXT NOT NULL, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS updates (
    cursor INTEGER PRIMARY KEY AUTOINCREMENT, station TEXT NOT NULL, item_id TEXT NOT NULL,
    status TEXT NOT NULL, reply TEXT, at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS updates_station ON updates (station, cursor);
CREATE TABLE IF NOT EXISTS ratings (
    id TEXT PRIMARY KEY, item_id TEXT NOT NULL, station TEXT, rating TEXT NOT NULL,
    created_at TEXT, received_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS heartbeats (
    id INTEGER PRIMARY KEY, station TEXT NOT NULL, received_at TEXT NOT NULL, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS configs (station TEXT PRIMARY KEY, body TEXT NOT NULL, etag TEXT NOT NULL);
"""

STATUSES = ("accepted", "assigned", "in_progress", "replied", "closed")


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def etag_of(body: str) -> str:
    """A strong ETag for a config body."""
    return '"' + hashlib.sha256(body.encode("utf-8")).hexdigest()[:32] + '"'


class CentralDB:
    """The reference centre's state. Thread-safe (one connection, one lock)."""

    def __init__(self, data_dir: Path):
        self.data_dir = Path(data_dir)
        self.media = self.data_dir / "media"
        self.tmp = self.data_dir / "tmp"
        for d in (self.data_dir, self.media, self.tmp):
            d.mkdir(parents=True, exist_ok=True)
        self.lock = threading.RLock()
        self.conn = sqlite3.connect(self.data_dir / "central.db", isolation_level=None,
                                    check_same_thread=False, timeout=15)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode = WAL")
        # NORMAL, not FULL: a dev receiver; files are fsynced before the row is written.
        self.conn.execute("PRAGMA synchronous = NORMAL")
        self.conn.executescript(SCHEMA)

    def close(self) -> None:
        with self.lock:
            self.conn.close()

    def q(self, sql: str, params=()) -> list[sqlite3.Row]:
        with self.lock:
            return self.conn.execute(sql, params).fetchall()

    def new_tmp_dir(self) -> Path:
        d = self.tmp / uuid.uuid4().hex
        d.mkdir()
        return d

    # -- items ------------------------------------------------------------------------

    def has_item(self, item_id: str) -> bool:
        return bool(self.q("SELECT 1 FROM items WHERE id = ?", [item_id]))

    def add_receipt(self, item_id: str, result: str) -> None:
        with self.lock:
            self.conn.execute("INSERT INTO receipts (item_id, result, at) VALUES (?, ?, ?)",
                              [item_id, result, now_iso()])

    def store_item(self, meta: dict, files: list[dict], tmp_dir: Path) -> str:
        """Insert the item and move its files from *tmp_dir*; "created" or "duplicate"."""
        with self.lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                cur = self.conn.execute(
                    "INSERT OR IGNORE INTO items (id, station, seq, code, received_at, meta) VALUES (?,?,?,?,?,?)",
                    [meta["id"], meta["station"], meta.get("seq"), meta.get("code"), now_iso(),
                     json.dumps(meta, ensure_ascii=False)])
                if cur.rowcount == 0:
                    result = "duplicate"
                else:
                    result = "created"
                    self.conn.executemany(
                        "INSERT INTO files (item_id, idx, name, media_type, size, sha256) VALUES (?,?,?,?,?,?)",
                        [(meta["id"], f["idx"], f["name"], f["media_type"], f["size"], f["sha256"]) for f in files])
                    os.rename(tmp_dir, self.media / meta["id"])
                self.conn.execute("INSERT INTO receipts (item_id, result, at) VALUES (?, ?, ?)",
                                  [meta["id"], result, now_iso()])
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
        if result == "duplicate":
            shutil.rmtree(tmp_dir, ignore_errors=True)
        return result

    def file_path(self, item_id: str, idx: int) -> Path:
        # Files are stored by index only: no name from a kiosk ever becomes a path here.
        return self.media / item_id / str(int(idx))

    def items(self, limit: int = 200) -> list[sqlite3.Row]:
        return self.q("SELECT * FROM items ORDER BY received_at DESC LIMIT ?", [limit])

    def item(self, item_id: str) -> sqlite3.Row | None:
        rows = self.q("SELECT * FROM items WHERE id = ?", [item_id])
        return rows[0] if rows else None

    def files(self, item_id: str) -> list[sqlite3.Row]:
        return self.q("SELECT * FROM files WHERE item_id = ? ORDER BY idx", [item_id])

    # -- back-channel -----------------------------------------------------------------

    def set_status(self, item_id: str, status: str, reply: str | None) -> int:
        """Staff set a status (and maybe a reply); returns the update's cursor."""
        if status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}")
        row = self.item(item_id)
        if row is None:
            raise KeyError(item_id)
        at = now_iso()
        reply = reply if reply else None
        with self.lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                cur = self.conn.execute("INSERT INTO updates (station, item_id, status, reply, at) VALUES (?,?,?,?,?)",
                                        [row["station"], item_id, status, reply, at])
                self.conn.execute("UPDATE items SET status = ?, reply = COALESCE(?, reply), updated_at = ? WHERE id = ?",
                                  [status, reply, at, item_id])
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
        return cur.lastrowid

    def updates(self, station: str, after: int, limit: int) -> list[sqlite3.Row]:
        return self.q("SELECT * FROM updates WHERE station = ? AND cursor > ? ORDER BY cursor LIMIT ?",
                      [station, after, limit])

    def add_rating(self, r: dict) -> str:
        with self.lock:
            cur = self.conn.execute(
                "INSERT OR IGNORE INTO ratings (id, item_id, station, rating, created_at, received_at) "
                "VALUES (?,?,?,?,?,?)", [r["id"], r["item_id"], r.get("station"), r["rating"],
                                         r.get("created_at"), now_iso()])
        return "created" if cur.rowcount else "duplicate"

    def add_heartbeat(self, station: str, body: dict) -> None:
        with self.lock:
            self.conn.execute("INSERT INTO heartbeats (station, received_at, body) VALUES (?,?,?)",
                              [station, now_iso(), json.dumps(body, ensure_ascii=False)])

    def last_heartbeats(self) -> list[sqlite3.Row]:
        return self.q("SELECT h.* FROM heartbeats h JOIN (SELECT station, max(id) AS id FROM heartbeats "
                      "GROUP BY station) m ON m.id = h.id ORDER BY h.station")

    # -- station config ---------------------------------------------------------------

    def set_config(self, station: str, body: str) -> str:
        """Serve *body* (not validated: the kiosk must validate) to *station* ("*" = all)."""
        etag = etag_of(body)
        with self.lock:
            self.conn.execute("INSERT OR REPLACE INTO configs (station, body, etag) VALUES (?,?,?)",
                              [station, body, etag])
        return etag

    # -- representatives' photos (served at /api/v1/photos/<name>) ---------------------

    def save_photo(self, name: str, body: bytes) -> Path:
        """Store a photo under *name* (already checked by the caller: PHOTO_NAME)."""
        d = self.data_dir / "photos"
        d.mkdir(exist_ok=True)
        tmp = self.tmp / f"photo-{name}"
        tmp.write_bytes(body)
        os.replace(tmp, d / name)
        return d / name

    def photo_path(self, name: str) -> Path:
        return self.data_dir / "photos" / name

    def config_for(self, station: str) -> tuple[str, str] | None:
        rows = self.q("SELECT body, etag FROM configs WHERE station IN (?, '*') "
                      "ORDER BY station = '*' LIMIT 1", [station])
        return (rows[0]["body"], rows[0]["etag"]) if rows else None
