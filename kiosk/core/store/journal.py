"""The event log staff read and the small persistent values (meta)."""

from __future__ import annotations

import json
from typing import Callable

from sqlite_utils import Database

from kiosk.core import clock


class JournalMixin:
    """Events and meta values. Part of :class:`kiosk.core.store.Store`."""

    def events_after(self, after_id: int, kind_prefix: str, limit: int = 100) -> list[dict]:
        """Events with id above *after_id* whose kind starts with *kind_prefix*, oldest first."""
        with self._lock:
            return list(self.db["events"].rows_where("id > ? AND kind LIKE ?", [after_id, kind_prefix + "%"],
                                                     order_by="id", limit=limit))

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
        # A plain statement: sqlite-utils' insert looks the schema up on every call.
        db.execute("INSERT INTO events (at, level, kind, item_id, message, data) VALUES (?, ?, ?, ?, ?, ?)",
                   [clock.now_iso(), level, kind, item_id, message,
                    json.dumps(data, ensure_ascii=False) if data else None])

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

    def record_meta_once(self, key: str, value: str) -> str:
        """Set *key* to *value* unless it is set already; returns what is stored now (the
        first writer's value when two processes race)."""
        with self.write() as db:
            db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", [key, value])
            return db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()[0]

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
