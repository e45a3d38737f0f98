"""Forwarding bookkeeping: which items and ratings the centre has, which wait."""

from __future__ import annotations

from kiosk.core import clock
from kiosk.core.records import Delivery, RatingToSend


class DeliveryMixin:
    """Mark delivered, count attempts, quarantine and requeue items and ratings. Part of :class:`kiosk.core.store.Store`."""

    def count_ratings(self, delivery: Delivery | str) -> int:
        """How many ratings are in delivery state *delivery*."""
        with self._lock:
            return self.db["ratings"].count_where("delivery = ?", [Delivery(delivery).value])

    def mark_delivered(self, item_id: str, via: str) -> bool:
        """Record that the centre has the item (acknowledged by push or pull).

        Idempotent; returns True if this call changed the item. Not fsynced: a mark a
        power cut undoes only sends the item again, and the centre answers it as a
        duplicate of the UUID it has (exactly once stands, docs/sync.md "Performance");
        the next durable commit of any process puts it on disk.
        """
        with self.write(durable=False) as db:
            cur = db.execute(
                "UPDATE items SET delivery = ?, delivered_at = ?, delivered_via = ?, last_error = NULL, "
                "state = CASE WHEN state = 'stored' THEN 'delivered' ELSE state END "
                "WHERE id = ? AND delivery != ?",
                [Delivery.DELIVERED.value, clock.now_iso(), via, item_id, Delivery.DELIVERED.value])
            # No event: delivered_at and delivered_via on the row say it (docs/sync.md, "Performance").
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

    def ratings_to_send(self, limit: int) -> list[RatingToSend]:
        """Pending ratings of items the centre already has, oldest first.

        A rating of an undelivered item waits: the centre cannot attach it to anything.
        """
        with self._lock:
            rows = self.db.execute(
                "SELECT r.id, r.item_id, r.rating, r.created_at, r.clock_trusted, i.code, i.station, "
                "r.round, r.reason "
                "FROM ratings r JOIN items i ON i.id = r.item_id "
                "WHERE r.delivery = 'pending' AND i.delivery = 'delivered' "
                "ORDER BY r.created_at, r.id LIMIT ?", [limit]).fetchall()
        return [RatingToSend(id=r[0], item_id=r[1], rating=r[2], created_at=r[3],
                             clock_trusted=bool(r[4]), code=r[5], station=r[6], round=r[7] or 1,
                             reason=r[8]) for r in rows]

    def mark_rating_delivered(self, rating_id: str) -> None:
        """Record that the centre has the rating."""
        self._set_rating(rating_id, Delivery.DELIVERED, None, attempt=False)

    def record_rating_attempt(self, rating_id: str, error: str) -> None:
        """Count a failed delivery attempt of a rating; it stays pending."""
        self._set_rating(rating_id, Delivery.PENDING, error, attempt=True)

    def quarantine_rating(self, rating_id: str, reason: str) -> None:
        """Stop sending a rating the centre rejected; kept and counted for staff."""
        self._set_rating(rating_id, Delivery.QUARANTINED, reason, attempt=False)

    def refuse_rating(self, rating_id: str, reason: str) -> None:
        """The centre refused the rating for good (409: the round is rated already; 422:
        no such round, no reply yet, or the matter closed): it is never sent again and not
        delivered; *reason* (the centre's words) is kept on it and in an event."""
        with self.write() as db:
            self._set_rating_in(db, rating_id, Delivery.REFUSED, reason, attempt=False)
            row = db.execute("SELECT item_id, round FROM ratings WHERE id = ?", [rating_id]).fetchone()
            if row:
                self._log(db, "warning", "rating_refused",
                          f"the centre refused the rating of round {row[1] or 1}: {reason}", row[0])

    def _set_rating(self, rid: str, delivery: Delivery, error: str | None, *, attempt: bool) -> None:
        with self.write() as db:
            self._set_rating_in(db, rid, delivery, error, attempt=attempt)

    @staticmethod
    def _set_rating_in(db, rid: str, delivery: Delivery, error: str | None, *, attempt: bool) -> None:
        db.execute("UPDATE ratings SET delivery = ?, last_error = ?, attempts = attempts + ?, "
                   "delivered_at = CASE WHEN ? = 'delivered' THEN ? ELSE delivered_at END WHERE id = ?",
                   [delivery.value, error, int(attempt), delivery.value, clock.now_iso(), rid])
