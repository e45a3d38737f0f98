"""Forward queued items and ratings to the centre, exactly once.

Exactly once is the product of three things:

1. the item's UUID is the idempotency key: the push is ``PUT /items/{uuid}``, and the
   centre stores an item at most once per UUID and answers a repeat with the receipt
   of the first;
2. the kiosk marks an item delivered only after a valid receipt naming that UUID; a
   lost receipt (timeout, reset, a dropped connection after the centre stored it) is a
   transient failure and the item is simply sent again;
3. an item acknowledged by pull (``POST /pull/v1/items/{id}/ack``) is delivered too; the
   forwarder re-reads ``delivery`` before each push.

Personal data (name, phone of real-name items) is decrypted just for the request body
and never logged: errors name items by tracking code only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from kiosk.records import Delivery
from kiosk.sync.client import AUTH, REJECTED, CentreClient, CentreError
from kiosk.sync.link import Link
from kiosk.sync.wire import item_meta

log = logging.getLogger("kiosk.sync")


@dataclass
class DrainResult:
    """What one pass over the queue did."""

    delivered: int = 0
    quarantined: int = 0
    ratings: int = 0
    stopped: str | None = None  # why the pass stopped early (the error), None = queue empty


class Forwarder:
    """Pushes pending items (oldest first) and then pending ratings."""

    def __init__(self, store, client: CentreClient, link: Link, batch_size: int = 50, tick=None):
        self.store = store
        # Called after each item: the daemon pets the systemd watchdog from here, so a
        # long but healthy drain is not mistaken for a hang.
        self.tick = tick or (lambda: None)
        self.client = client
        self.link = link
        self.batch_size = batch_size

    def pending(self, limit: int) -> list[str]:
        """UUIDs of the oldest pending items."""
        with self.store._lock:  # read-only; the store's own lock keeps the connection consistent
            return [r[0] for r in self.store.db.execute(
                "SELECT id FROM items WHERE delivery = ? ORDER BY seq LIMIT ?",
                [Delivery.PENDING.value, limit]).fetchall()]

    def drain(self, max_items: int | None = None) -> DrainResult:
        """Push until the queue is empty, *max_items* are done, or the link fails."""
        res = DrainResult()
        done = 0
        while self.link.ready():
            ids = self.pending(self.batch_size)
            if not ids:
                break
            for item_id in ids:
                if max_items is not None and done >= max_items:
                    return res
                ok = self._push_one(item_id, res)
                self.tick()
                if not ok:
                    return res
                done += 1
        if self.link.ready() and res.stopped is None:
            self.push_ratings(res)
        return res

    def _push_one(self, item_id: str, res: DrainResult) -> bool:
        """One item; returns False when the pass must stop (link down or paused)."""
        item = self.store.get_item(item_id, with_pii=True)
        if item is None or item.delivery != Delivery.PENDING.value:
            return True  # acknowledged by pull meanwhile, or requeued/quarantined by staff
        missing = [a.name for a in item.attachments if a.purged or not a.path.is_file()]
        if missing:
            self.store.quarantine(item.id, f"attachment file missing on this kiosk: {', '.join(missing)}")
            res.quarantined += 1
            return True
        meta = item_meta(item, with_pii=True)
        try:
            self.client.push_item(meta, item.attachments)
        except CentreError as e:
            return self._failed(item.id, str(item.code), e, res)
        except OSError as e:
            # The file vanished or became unreadable between the check and the read.
            self.store.quarantine(item.id, f"cannot read attachment: {e.strerror or e}")
            res.quarantined += 1
            return True
        finally:
            del meta, item  # drop decrypted personal data promptly
        self.link.success()
        if self.store.mark_delivered(item_id, "push"):
            res.delivered += 1
        return True

    def _failed(self, item_id: str, code: str, e: CentreError, res: DrainResult) -> bool:
        if e.kind == REJECTED:
            self.store.quarantine(item_id, f"centre rejected the item: {e}")
            log.error("item %s quarantined: centre rejected it: %s", code, e)
            res.quarantined += 1
            self.link.success()  # the centre answered: it is reachable
            return True
        self.store.record_attempt(item_id, str(e))
        res.stopped = str(e)
        if e.kind == AUTH:
            self.link.auth_failure(str(e))
        else:
            self.link.failure(str(e))
        return False

    # -- ratings ----------------------------------------------------------------------

    def push_ratings(self, res: DrainResult) -> None:
        """Ratings of delivered items, oldest first, with the same rules as items."""
        while self.link.ready():
            with self.store._lock:
                rows = self.store.db.execute(
                    "SELECT r.id, r.item_id, r.rating, r.created_at, r.clock_trusted, i.code, i.station "
                    "FROM ratings r JOIN items i ON i.id = r.item_id "
                    "WHERE r.delivery = 'pending' AND i.delivery = 'delivered' "
                    "ORDER BY r.created_at, r.id LIMIT ?", [self.batch_size]).fetchall()
            if not rows:
                return
            for rid, item_id, rating, created, trusted, code, station in rows:
                body = {"id": rid, "item_id": item_id, "station": station, "rating": rating,
                        "created_at": created, "clock_trusted": bool(trusted)}
                try:
                    self.client.push_rating(body)
                except CentreError as e:
                    if e.kind == REJECTED:
                        self._set_rating(rid, "quarantined", str(e))
                        self.link.success()
                        continue
                    self._set_rating(rid, "pending", str(e), attempt=True)
                    res.stopped = str(e)
                    (self.link.auth_failure if e.kind == AUTH else self.link.failure)(str(e))
                    return
                self.link.success()
                self._set_rating(rid, "delivered", None)
                res.ratings += 1

    def _set_rating(self, rid: str, delivery: str, error: str | None, attempt: bool = False) -> None:
        from kiosk import clock
        with self.store.write() as db:
            db.execute("UPDATE ratings SET delivery = ?, last_error = ?, attempts = attempts + ?, "
                       "delivered_at = CASE WHEN ? = 'delivered' THEN ? ELSE delivered_at END WHERE id = ?",
                       [delivery, error, int(attempt), delivery, clock.now_iso(), rid])
