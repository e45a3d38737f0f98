"""What comes back: the centre's statuses, residents' ratings, receipt secrets."""

from __future__ import annotations

import uuid as uuidlib
from pathlib import Path

from kiosk.core import clock, itemsecret, receiptkey
from kiosk.core.pii import Cipher
from kiosk.core.records import ItemState, Rating
from kiosk.core.store.errors import AlreadyRated, StoreError


class AnswersMixin:
    """Status history, ratings, and matching or replacing the receipt secret hash. Part of :class:`kiosk.core.store.Store`."""

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
        """Every status the centre sent for the item, oldest first."""
        with self._lock:
            return list(self.db["status_history"].rows_where("item_id = ?", [item_id], order_by="id"))

    def add_rating(self, item_id: str, rating: str, *, once: bool = False) -> str:
        """Record a resident's rating; returns the rating's UUID (its idempotency key).

        With *once*, raises :class:`AlreadyRated` when the item has a rating already (the
        check and the insert are one transaction, so two taps cannot make two).
        """
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
