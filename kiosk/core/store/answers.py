"""What comes back: the centre's statuses, residents' ratings, receipt secrets."""

from __future__ import annotations

import uuid as uuidlib
from pathlib import Path

from kiosk.core import clock, itemsecret, receiptkey
from kiosk.core.pii import Cipher
from kiosk.core.records import (CENTRE_STATES, STAGES, CentreUpdate, Delivery, Rating, RatingRecord, Stage,
                                StageRecord)
from kiosk.core.store.errors import AlreadyRated, StoreError


class AnswersMixin:
    """Status history, ratings, and matching or replacing the receipt secret hash. Part of :class:`kiosk.core.store.Store`."""

    def record_status(self, item_id: str, status: str, reply: str | None, at: str) -> None:
        """Apply a status change / reply as an older centre sends it (stage = status,
        round 1): :meth:`record_update` of that update."""
        self.record_update(item_id, CentreUpdate(status=status, stage=status, at=at, reply=reply))

    def record_update(self, item_id: str, u: CentreUpdate) -> None:
        """Keep one update from the centre in the history and apply it to the item: its
        status, and the reply shown. A ``reopened`` update starts a new round, which has
        no reply yet (the earlier round's stays in the history). Raises StoreError for a
        status or stage the store does not know, or a round below 1."""
        if u.status not in CENTRE_STATES:
            raise StoreError(f"unknown status {u.status!r} from the centre")
        if u.stage not in STAGES:
            raise StoreError(f"unknown stage {u.stage!r} from the centre")
        if u.round < 1:
            raise StoreError(f"round {u.round} from the centre: rounds start at 1")
        reopened = u.stage == Stage.REOPENED.value
        with self.write() as db:
            db["status_history"].insert({"item_id": item_id, "status": u.status, "reply": u.reply, "at": u.at,
                                         "received_at": clock.now_iso(), "stage": u.stage, "round": u.round,
                                         "department": u.department, "note": u.note, "rating": u.rating,
                                         "escalated": int(u.escalated)})
            db.execute("UPDATE items SET state = ?, centre_status = ?, "
                       "centre_reply = CASE WHEN ? THEN NULL ELSE COALESCE(?, centre_reply) END, "
                       "centre_updated_at = ? WHERE id = ?",
                       [u.status, u.status, int(reopened), u.reply, u.at, item_id])

    def loop_history(self, item_id: str) -> list[StageRecord]:
        """Every update the centre sent for the item, oldest first, typed (the rows
        from before migration m006 are round 1 with stage = status)."""
        with self._lock:
            rows = self.db.execute(
                "SELECT id, status, stage, round, at, received_at, reply, department, note, rating, escalated "
                "FROM status_history WHERE item_id = ? ORDER BY id", [item_id]).fetchall()
        return [StageRecord(id=r[0], status=r[1], stage=r[2] or r[1], round=r[3] or 1, at=r[4], received_at=r[5],
                            reply=r[6], department=r[7], note=r[8], rating=r[9], escalated=bool(r[10]))
                for r in rows]

    def ratings_of(self, item_id: str) -> list[RatingRecord]:
        """The residents' ratings of the item given at this kiosk, by round."""
        with self._lock:
            rows = self.db.execute(
                "SELECT id, rating, round, reason, created_at, delivery, last_error FROM ratings "
                "WHERE item_id = ? ORDER BY round, created_at, id", [item_id]).fetchall()
        return [RatingRecord(id=r[0], rating=r[1], round=r[2] or 1, reason=r[3], created_at=r[4], delivery=r[5],
                             refusal=r[6] if r[5] == Delivery.REFUSED.value else None) for r in rows]

    def rating_of(self, item_id: str) -> str | None:
        """The resident's (first) rating of the item, or None."""
        with self._lock:
            row = self.db.execute("SELECT rating FROM ratings WHERE item_id = ? ORDER BY created_at, id LIMIT 1",
                                  [item_id]).fetchone()
        return row[0] if row else None

    @property
    def receipt_key(self) -> receiptkey.ReceiptKey:
        """The receipt-secret key (kiosk/core/receiptkey.py), loaded when the database opened."""
        if self._receipt_key is None:
            raise self._unopenable()
        return self._receipt_key

    def _load_receipt_key(self, *, create: bool) -> receiptkey.ReceiptKey:
        # Beside the personal-data key file (outside the data dir): receiptkey.path_for.
        pii = self._key.path if isinstance(self._key, Cipher) else Path(self._key)
        path = receiptkey.path_for(pii) if pii else self.data_dir.parent / receiptkey.FILE_NAME
        return receiptkey.ReceiptKey.from_key_file(path, locked_items=self.count_keyed_secrets, create=create)

    def count_keyed_secrets(self) -> int:
        """How many items' receipt secrets are checked with the receipt-secret key."""
        n = len(itemsecret.KEYED_PREFIX)
        with self._lock:
            return self.db.execute("SELECT count(*) FROM items WHERE substr(secret_hash, 1, ?) = ?",
                                   [n, itemsecret.KEYED_PREFIX]).fetchone()[0]

    def get_secret_hash(self, item_id: str) -> str | None:
        """The stored hash of the item's receipt secret; None for an unknown item or one
        committed before receipts carried a secret. Matching it is kiosk.core.itemsecret's
        (``secret_matches``): the store never sees a plaintext secret."""
        with self._lock:
            row = self.db.execute("SELECT secret_hash FROM items WHERE id = ?", [item_id]).fetchone()
        return row[0] if row else None

    def replace_secret(self, item_id: str, secret_hash: str) -> None:
        """Store *secret_hash* (``itemsecret.hash_secret`` of a new secret, drawn by
        kiosk.core.reprint) as the item's receipt secret for a staff reprint.

        Only hashes are kept, so a reprint cannot print the old secret: the old receipt
        stops opening the reply from this moment (docs/receipts.md). Raises
        ``itemsecret.SecretHashError`` for anything that is not such a hash (a plaintext
        secret must never be written to the database).
        """
        itemsecret.check_hash(secret_hash)
        with self.write() as db:
            cur = db.execute("UPDATE items SET secret_hash = ? WHERE id = ?", [secret_hash, item_id])
            if not cur.rowcount:
                raise StoreError(f"no item {item_id}")
            self._log(db, "info", "secret_reissued", "a new receipt secret was issued (reprint)", item_id)

    def status_history(self, item_id: str) -> list[dict]:
        """Every update the centre sent for the item, oldest first, as the rows are (``kiosk status --json``'s ``history``)."""
        with self._lock:
            return list(self.db["status_history"].rows_where("item_id = ?", [item_id], order_by="id"))

    def add_rating(self, item_id: str, rating: str, *, round: int = 1, reason: str | None = None) -> str:
        """Record a resident's rating of round *round* (with their *reason*, for an
        unsatisfied one); returns the rating's UUID (its idempotency key).

        A round is rated once: raises :class:`AlreadyRated` when the item has a rating of
        that round already (the check and the insert are one transaction, so two taps,
        or the touchscreen and ``kiosk rate`` together, cannot make two). ValueError for
        a rating that is not a :class:`Rating` or a round below 1.
        """
        Rating(rating)  # raises ValueError for an unknown rating
        if round < 1:
            raise ValueError(f"round {round}: rounds start at 1")
        rid = str(uuidlib.uuid4())
        with self.write() as db:
            if db.execute("SELECT 1 FROM ratings WHERE item_id = ? AND round = ?", [item_id, round]).fetchone():
                raise AlreadyRated(f"round {round} of this item has been rated already")
            db["ratings"].insert({"id": rid, "item_id": item_id, "rating": rating, "round": round, "reason": reason,
                                  "created_at": clock.now_iso(),
                                  "clock_trusted": int(clock.clock_trusted())})
            self._log(db, "info", "item_rated", f"round {round}: {rating}", item_id)
        return rid
