"""Committing items and reading them back (with their attachments)."""

from __future__ import annotations

import dataclasses
import fcntl
import os
import sqlite3
import uuid as uuidlib
from pathlib import Path

from kiosk.core import chain, clock, fsutil, trackcode
from kiosk.core.records import Attachment, Delivery, Item, ItemState, NewAttachment, NewItem
from kiosk.core.store.errors import DiskFullError, StoreError


# The columns a new item is inserted with, and the values of those the commit does not
# choose (the schema's defaults, kiosk/core/schema.py): the committed Item is built from them.
_NEW_ROW = {"state": ItemState.STORED.value, "delivery": Delivery.PENDING.value, "delivered_at": None,
            "delivered_via": None, "attempts": 0, "last_error": None, "quarantine_reason": None,
            "integrity": "ok", "centre_status": None, "centre_reply": None, "centre_updated_at": None,
            "purged_at": None}
_ITEM_COLUMNS = ("id", "seq", "station", "code", "created_at", "clock_trusted", "text", "category", "anonymous",
                 "name_enc", "phone_enc", "source", "lang", "state", "delivery", "secret_hash",
                 "chain_prev", "chain_hash", "representative_id", "representative_name", "id_number_enc")
_INSERT_ITEM = (f"INSERT INTO items ({', '.join(_ITEM_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(_ITEM_COLUMNS))})")


def _dicts(cur) -> list[dict]:
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


class ItemsMixin:
    """Commit an item; get, find, list and count items and attachments. Part of :class:`kiosk.core.store.Store`."""

    def commit_item(self, new: NewItem) -> Item:
        """Durably store *new* and return the committed item with its tracking code.

        *new* is the complete row, built by kiosk.core.submission: its personal data is
        already encrypted and its receipt secret already hashed. The store only writes
        it (and allocates the id, the sequence number and the code).

        Raises :class:`~kiosk.core.diskguard.MediaRefusedError` (attachments below
        ``storage.min_free_mb``) or :class:`~kiosk.core.diskguard.OutOfServiceError` (below
        the hard floor) before anything is written, :class:`DiskFullError` or
        :class:`StoreError`; on failure nothing of the item remains and the store is
        usable for the next one.
        """
        if not isinstance(new, NewItem):  # a plaintext Draft must never reach the store
            raise TypeError(f"Store.commit_item takes a NewItem, not {type(new).__name__}")
        self.guard.check_item(sum(fsutil.size_of(a.source) for a in new.attachments))
        # Shared: commits of several processes run side by side; start-up recovery in
        # another process waits for them (see _files_lock).
        with self._files_lock(fcntl.LOCK_SH):
            return self._commit_item(new)

    def _commit_item(self, new: NewItem) -> Item:
        item_id = str(uuidlib.uuid4())
        item_dir = self.media_dir / item_id
        temps: list[Path] = []
        placed: list[tuple[NewAttachment, str, str, int]] = []
        try:
            staged = []
            for i, att in enumerate(new.attachments):
                tmp = self.tmp_dir / f"{item_id}.{i}.part"
                temps.append(tmp)
                digest, size = fsutil.write_source(tmp, att.source, new.max_attachment_bytes)
                staged.append((att, tmp, digest, size))
            if staged:
                item_dir.mkdir(mode=fsutil.PRIVATE_DIR_MODE)
            for i, (att, tmp, digest, size) in enumerate(staged):
                stored_name = f"{i:02d}-{att.name}"
                os.rename(tmp, item_dir / stored_name)
                placed.append((att, stored_name, digest, size))
            if staged:
                # Both directories before the row: the renames, then the new directory's
                # entry. In this order ext4 commits both in the first fsync's journal
                # transaction and the second finds nothing left to write (one journal
                # commit per item instead of two: docs/store.md, "Performance").
                fsutil.fsync_dir(item_dir)
                fsutil.fsync_dir(self.media_dir)
            return self._insert_item(item_id, new, placed)
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

    def _insert_item(self, item_id: str, new: NewItem, placed) -> Item:
        # Plain statements (sqlite3 caches them prepared), and no read-back: the item
        # returned is built from what was inserted. No event either: the row says when it
        # was stored, and an event row with its index was two WAL pages of every commit
        # (docs/store.md, "Performance").
        row = {"id": item_id, "station": self.station, "created_at": clock.now_iso(),
               "clock_trusted": int(clock.clock_trusted()), "text": new.text, "category": new.category,
               "anonymous": int(new.anonymous), "name_enc": new.name_enc, "phone_enc": new.phone_enc,
               "source": new.source, "lang": new.lang, "secret_hash": new.secret_hash,
               "representative_id": new.representative_id, "representative_name": new.representative_name,
               "id_number_enc": new.id_number_enc, **_NEW_ROW}
        with self.write() as db:
            got = db.execute("SELECT next_seq, chain_hash FROM counters WHERE station = ?", [self.station]).fetchone()
            seq, head = (got[0], got[1]) if got else (1, None)
            code = trackcode.make(self.station, seq)
            row["seq"], row["code"] = seq, code.compact
            att_rows = [{"idx": i, "name": name, "kind": att.kind, "media_type": att.media_type, "size": size,
                         "sha256": digest} for i, (att, name, digest, size) in enumerate(placed)]
            # The chain's next link, in this same transaction (a hash of ~1 KB: microseconds).
            # The row has the digest's fields under the wire's names (kiosk/core/chain.py).
            link = chain.next_link(self.station, seq, head, chain.meta_digest({**row, "attachments": att_rows}))
            row["chain_prev"], row["chain_hash"] = link.prev, link.hash
            # UPDATE, not INSERT OR REPLACE: a replace deletes and re-inserts the row, which
            # writes the counters' key index too (one WAL page more in every commit).
            if got:
                db.execute("UPDATE counters SET next_seq = ?, chain_hash = ? WHERE station = ?",
                           [seq + 1, link.hash, self.station])
            else:
                db.execute("INSERT INTO counters (station, next_seq, chain_hash) VALUES (?, ?, ?)",
                           [self.station, seq + 1, link.hash])
            db.execute(_INSERT_ITEM, [row[c] for c in _ITEM_COLUMNS])
            atts = []
            for a in att_rows:
                cur = db.execute("INSERT INTO attachments (item_id, idx, kind, name, media_type, size, sha256) "
                                 "VALUES (?, ?, ?, ?, ?, ?, ?)",
                                 [item_id, a["idx"], a["kind"], a["name"], a["media_type"], a["size"], a["sha256"]])
                atts.append(Attachment(id=cur.lastrowid, item_id=item_id, integrity="ok", purged=False,
                                       path=self.media_dir / item_id / a["name"], **a))
        return dataclasses.replace(self._to_item(row, False, False), attachments=tuple(atts))

    def _item_rows(self, where: str, params, *, order: str = "", limit: int | None = None) -> list[dict]:
        """``SELECT * FROM items`` rows as dicts (plain SQL: no schema look-ups per call)."""
        sql = f"SELECT * FROM items WHERE {where}" + (f" ORDER BY {order}" if order else "")
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        with self._lock:
            return _dicts(self.db.execute(sql, list(params)))

    def get_item(self, item_id: str, *, with_pii: bool = False) -> Item | None:
        """The item with this UUID, or None."""
        with self._lock:
            rows = self._item_rows("id = ?", [item_id])
            return self._to_item(rows[0], with_pii) if rows else None

    def find_by_code(self, code: str | trackcode.TrackingCode, *, with_pii: bool = False) -> Item | None:
        """The item with this tracking code (parsed first: a typo raises CodeError)."""
        if not isinstance(code, trackcode.TrackingCode):
            code = trackcode.parse(code)
        with self._lock:
            rows = self._item_rows("code = ?", [code.compact])
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
            rows = self._item_rows(where, params, order="seq", limit=limit)
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
        where = f"delivery IN ({', '.join('?' * len(states))})" if states else "1"
        with self._lock:
            rows = self._item_rows(where, states, order="seq", limit=1)
            return self._to_item(rows[0], False, False) if rows else None

    def attachments(self, item_id: str) -> tuple[Attachment, ...]:
        """The attachments of one item, in order."""
        with self._lock:
            rows = self.db.execute("SELECT id, item_id, idx, kind, name, media_type, size, sha256, integrity, "
                                   "purged FROM attachments WHERE item_id = ? ORDER BY idx", [item_id]).fetchall()
        return tuple(Attachment(id=r[0], item_id=r[1], idx=r[2], kind=r[3], name=r[4], media_type=r[5],
                                size=r[6], sha256=r[7], integrity=r[8], purged=bool(r[9]),
                                path=self.media_dir / item_id / r[4]) for r in rows)

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
            chain_prev=r.get("chain_prev"), chain_hash=r.get("chain_hash"),
            representative_id=r.get("representative_id"), representative_name=r.get("representative_name"),
            name=self.cipher.decrypt(r["name_enc"]) if with_pii else None,
            phone=self.cipher.decrypt(r["phone_enc"]) if with_pii else None,
            id_number=self.cipher.decrypt(r.get("id_number_enc")) if with_pii else None,
        )

    def _pii_columns(self) -> list[str]:
        # The encrypted columns this database has: the read-only store of `kiosk doctor`
        # opens a database one release behind without migrating it (m005 added the ID
        # number), and its key check must still count what is there.
        have = {r[1] for r in self.db.execute("PRAGMA table_info(items)").fetchall()}
        return [c for c in ("name_enc", "phone_enc", "id_number_enc") if c in have]

    def count_encrypted_items(self) -> int:
        """How many items carry encrypted personal data (a name, phone or ID number not purged)."""
        with self._lock:
            cols = self._pii_columns()
            return self.db.execute("SELECT count(*) FROM items WHERE "
                                   + " OR ".join(f"{c} IS NOT NULL" for c in cols)).fetchone()[0]

    def sample_encrypted_value(self) -> str | None:
        """One stored encrypted name, phone or ID number (the newest), to test the key against."""
        with self._lock:
            cols = self._pii_columns()
            row = self.db.execute(f"SELECT coalesce({', '.join(cols)}) FROM items WHERE "
                                  + " OR ".join(f"{c} IS NOT NULL" for c in cols)
                                  + " ORDER BY seq DESC LIMIT 1").fetchone()
            return row[0] if row else None

    def count(self, delivery: Delivery | str | None = None) -> int:
        """How many items there are (in delivery state *delivery*, when given)."""
        with self._lock:
            if delivery is None:
                return self.db["items"].count
            return self.db["items"].count_where("delivery = ?", [Delivery(delivery).value])

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

    # -- the item chain (kiosk/core/chain.py) ------------------------------------------

    def chain_stations(self) -> list[str]:
        """Every station number this store has items or a sequence counter for."""
        with self._lock:
            return [r[0] for r in self.db.execute(
                "SELECT station FROM counters UNION SELECT station FROM items ORDER BY 1")]

    def chain_head(self, station: str | None = None) -> tuple[int, str | None]:
        """``(last seq, its link's hash)`` of *station*'s chain (this store's station by
        default), as the sequence counter records it; ``(0, None)`` before any item."""
        with self._lock:
            row = self.db.execute("SELECT next_seq, chain_hash FROM counters WHERE station = ?",
                                  [station or self.station]).fetchone()
        return (row[0] - 1, row[1]) if row else (0, None)

    def station_items(self, station: str, *, after_seq: int = 0, limit: int = 500) -> list[Item]:
        """*station*'s items with ``seq > after_seq``, by seq, with their attachments."""
        with self._lock:
            rows = self._item_rows("station = ? AND seq > ?", [station, int(after_seq)], order="seq", limit=limit)
            return [self._to_item(r, False) for r in rows]

    def undelivered_seqs(self, limit: int) -> list[int]:
        """Sequence numbers of this station's items not delivered yet (pending or
        quarantined), oldest first, at most *limit*."""
        with self._lock:
            return [r[0] for r in self.db.execute(
                "SELECT seq FROM items WHERE station = ? AND delivery != ? ORDER BY seq LIMIT ?",
                [self.station, Delivery.DELIVERED.value, int(limit)])]
