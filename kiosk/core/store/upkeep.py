"""Recovery at start-up, integrity checks, size and retention (purge)."""

from __future__ import annotations

import contextlib
import fcntl
import shutil
from dataclasses import dataclass

from kiosk.core import clock, fsutil, trackcode
from kiosk.core.diskguard import DiskSpaceError
from kiosk.core.store.errors import DiskFullError


@dataclass(frozen=True)
class AttachmentProblem:
    """An attachment whose file changed (``mismatch``) or vanished (``missing``) on disk;
    ``recorded`` is the integrity the store has on record for it."""

    attachment_id: int
    item_id: str
    name: str
    code: trackcode.TrackingCode
    state: str
    recorded: str
    expected_sha256: str


class UpkeepMixin:
    """Recover after a crash, verify attachments and the database, purge delivered items. Part of :class:`kiosk.core.store.Store`."""

    def database_bytes(self) -> int:
        """Size of the database file and its write-ahead log."""
        return sum(p.stat().st_size for p in (self.db_path, self.db_path.with_name(self.db_path.name + "-wal"))
                   if p.exists())

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

    def attachment_problems(self, only_undelivered: bool = True) -> list[AttachmentProblem]:
        """Re-hash attachments; each that no longer matches what was stored, or is gone.
        Reads only (``kiosk doctor``): :meth:`verify_attachments` records them."""
        where = "a.purged = 0" + (" AND i.delivery != 'delivered'" if only_undelivered else "")
        with self._lock:
            rows = self.db.execute(
                f"SELECT a.id, a.item_id, a.name, a.sha256, a.size, a.integrity, i.code "
                f"FROM attachments a JOIN items i ON i.id = a.item_id WHERE {where}").fetchall()
        found = []
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
            if state != "ok":
                found.append(AttachmentProblem(att_id, item_id, name, trackcode.parse(code), state,
                                               integrity, digest))
        return found

    def verify_attachments(self, only_undelivered: bool = True) -> int:
        """Re-hash attachments; flag mismatches on the attachment and the item."""
        flagged = 0
        for p in self.attachment_problems(only_undelivered):
            if p.recorded == p.state:
                continue
            flagged += 1
            with self.write() as db:
                db.execute("UPDATE attachments SET integrity = ? WHERE id = ?", [p.state, p.attachment_id])
                db.execute("UPDATE items SET integrity = 'mismatch' WHERE id = ?", [p.item_id])
                self._log(db, "error", "attachment_integrity", f"attachment {p.name} of {p.code} is {p.state}",
                          p.item_id, {"expected_sha256": p.expected_sha256})
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
            cur = db.execute("UPDATE items SET name_enc = NULL, phone_enc = NULL, id_number_enc = NULL, "
                             "purged_at = ? "
                             "WHERE id = ? AND delivery = 'delivered' AND purged_at IS NULL",
                             [clock.now_iso(), item_id])
            if not cur.rowcount:
                return False
            db.execute("UPDATE attachments SET purged = 1 WHERE item_id = ?", [item_id])
            self._log(db, "info", "item_purged", "media and personal data removed (retention)", item_id)
        shutil.rmtree(self.media_dir / item_id, ignore_errors=True)
        return True
