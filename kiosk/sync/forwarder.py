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

Order: oldest ``seq`` first. One item must not hold up the queue, though: when the centre
answers an item with HTTP 500 the item is held back with its own backoff and the newer
items go ahead; if :data:`SUSPECT_LIMIT` different items fail like that in a row, the
centre is failing as a whole, the holds are released and the link's outage backoff
takes over (as for every other transient failure, which never blames an item).

Only the centre's 4xx rejection (or an attachment file gone from this kiosk) quarantines
an item. Nothing else is the item's fault: a transport error, a redirect or a setup
problem is a failure of the link (:meth:`Link.failed`), and an item this kiosk cannot
read right now (its personal data does not decrypt with the key file, or an attachment
cannot be opened) is *held* with its own backoff and reported once, while every other
item goes on.

Personal data (name, phone of real-name items) is decrypted just for the request body
and never logged: errors name items by tracking code only.
"""

from __future__ import annotations

import logging
import os
import stat
import time
from dataclasses import dataclass

import backoff

from kiosk.core.pii import PIIKeyError
from kiosk.core.records import Delivery
from kiosk.sync.client import REFUSED, REJECTED, TRANSIENT, AttachmentUnreadable, CentreClient, CentreError
from kiosk.sync.link import Link
from kiosk.sync.wire import item_meta

log = logging.getLogger("kiosk.sync")

#: Different items failed by an answering centre in a row that mean the centre, not the
#: items, is at fault.
SUSPECT_LIMIT = 3
#: Failures of one held item after which staff are told (log line and event).
HOLD_NOTE_AFTER = 3

_OK, _HELD, _STOP, _LOCAL = "ok", "held", "stop", "local"


@dataclass
class DrainResult:
    """What one pass over the queue did."""

    delivered: int = 0
    quarantined: int = 0
    ratings: int = 0
    unreadable: int = 0  # items held because this kiosk cannot read them now
    stopped: str | None = None  # why the pass stopped early (the error), None = queue empty


class Forwarder:
    """Pushes pending items (oldest first) and then pending ratings."""

    def __init__(self, store, client: CentreClient, link: Link, batch_size: int = 50, tick=None,
                 *, monotonic=time.monotonic):
        self.store = store
        # Called after each item: the daemon pets the systemd watchdog from here, so a
        # long but healthy drain is not mistaken for a hang.
        self.tick = tick or (lambda: None)
        self.client = client
        self.link = link
        self.batch_size = batch_size
        self._mono = monotonic
        # item id -> (failures in a row, monotonic time before which it is not retried).
        # In memory: after a restart every item gets a fresh first try.
        self._holds: dict[str, tuple[int, float]] = {}
        # Items this run already reported as unreadable here (one report per item and run).
        self._reported_local: set[str] = set()

    def held(self, item_id: str) -> bool:
        """Is *item_id* held back (the centre failed on it; its own backoff runs)?"""
        hold = self._holds.get(item_id)
        return hold is not None and self._mono() < hold[1]

    def pending(self, limit: int, after_seq: int = 0) -> list[tuple[str, int]]:
        """(UUID, seq) of the oldest pending items after *after_seq*, held ones left out."""
        out: list[tuple[str, int]] = []
        while len(out) < limit:
            rows = self.store.pending_item_ids(after_seq, limit)
            out += [(r[0], r[1]) for r in rows if not self.held(r[0])]
            if len(rows) < limit:
                break
            after_seq = rows[-1][1]
        return out[:limit]

    def drain(self, max_items: int | None = None) -> DrainResult:
        """Push until the queue is empty, *max_items* are done, or the link fails."""
        res = DrainResult()
        done = 0
        if self.link.failures:
            # The centre has been failing as a whole since the holds were made: they
            # blame no item any more; start again from the oldest.
            self._holds.clear()
        failed_in_a_row: list[str] = []
        after = 0
        while self.link.ready():
            batch = self.pending(self.batch_size, after)
            if not batch:
                break
            for item_id, seq in batch:
                if max_items is not None and done >= max_items:
                    return res
                after = seq
                outcome = self._push_one(item_id, res)
                self.tick()
                if outcome == _STOP:
                    return res
                if outcome == _LOCAL:
                    continue  # this kiosk cannot read the item: says nothing about the centre
                if outcome == _HELD:
                    failed_in_a_row.append(item_id)
                    if len(failed_in_a_row) >= SUSPECT_LIMIT:
                        return self._centre_failing(failed_in_a_row, res)
                    continue
                failed_in_a_row.clear()
                done += 1
        if self.link.ready() and res.stopped is None:
            self.push_ratings(res)
        return res

    def _centre_failing(self, item_ids: list[str], res: DrainResult) -> DrainResult:
        for item_id in item_ids:
            self._holds.pop(item_id, None)
        reason = self.store.get_item(item_ids[-1]).last_error or "the centre failed several items"
        res.stopped = reason
        self.link.failure(reason)
        return res

    def _push_one(self, item_id: str, res: DrainResult) -> str:
        """One item: ``_OK`` (done with it), ``_HELD`` (the centre failed on it; held back),
        ``_LOCAL`` (this kiosk cannot read it now; held back) or ``_STOP`` (link down or
        paused: this pass ends)."""
        try:
            item = self.store.get_item(item_id, with_pii=True)
        except PIIKeyError as e:
            return self._hold_local(item_id, f"its personal data cannot be decrypted: {e}", res)
        if item is None or item.delivery != Delivery.PENDING.value:
            self._holds.pop(item_id, None)
            return _OK  # acknowledged by pull meanwhile, or requeued/quarantined by staff
        missing = [a.name for a in item.attachments if a.purged or _is_gone(a.path)]
        if missing:
            self.store.quarantine(item.id, f"attachment file missing on this kiosk: {', '.join(missing)}")
            res.quarantined += 1
            return _OK
        meta = item_meta(item, with_pii=True)
        code = str(item.code)
        try:
            self.client.push_item(meta, item.attachments)
        except CentreError as e:
            return self._failed(item_id, code, e, res)
        except AttachmentUnreadable as e:
            # The file is there but cannot be opened (permissions, an I/O error): the
            # kiosk's problem, not the item's; it goes when the file can be read again.
            return self._hold_local(item_id, str(e), res)
        finally:
            del meta, item  # drop decrypted personal data promptly
        self._holds.pop(item_id, None)
        self._reported_local.discard(item_id)
        self.link.success()
        if self.store.mark_delivered(item_id, "push"):
            res.delivered += 1
        return _OK

    def _hold_local(self, item_id: str, reason: str, res: DrainResult) -> str:
        """Hold an item this kiosk cannot read now; report it once per run."""
        res.unreadable += 1
        self._extend_hold(item_id)
        self.store.record_attempt(item_id, reason)
        if item_id not in self._reported_local:
            self._reported_local.add(item_id)
            item = self.store.get_item(item_id)
            msg = (f"item {item.code if item else item_id} held on this kiosk, the other items go on: {reason}")
            log.error(msg)
            self.store.log_event("sync_item_unreadable", msg, level="error", item_id=item_id)
        return _LOCAL

    def _failed(self, item_id: str, code: str, e: CentreError, res: DrainResult) -> str:
        if e.kind == REJECTED:
            self.store.quarantine(item_id, f"centre rejected the item: {e}")
            log.error("item %s quarantined: centre rejected it: %s", code, e)
            res.quarantined += 1
            self.link.success()  # the centre answered: it is reachable
            self._holds.pop(item_id, None)
            return _OK
        self.store.record_attempt(item_id, str(e))
        if e.kind == TRANSIENT and e.status == 500:
            # The centre's application crashed on this request: maybe this item triggers
            # a bug there, maybe the centre is broken. Hold the item back with its own
            # backoff and let the newer ones go. (502/503/504/429, timeouts, resets and
            # garbage answers - a captive portal's page - say nothing about the item.)
            self._hold(item_id, code, e)
            return _HELD
        res.stopped = str(e)
        self.link.failed(e)
        return _STOP

    def _extend_hold(self, item_id: str) -> int:
        """Hold *item_id* back for its next backoff delay; returns its failures in a row."""
        failures = self._holds.get(item_id, (0, 0.0))[0] + 1
        delay = backoff.full_jitter(min(self.link.cap_s, self.link.base_s * 2 ** (failures - 1)))
        self._holds[item_id] = (failures, self._mono() + delay)
        return failures

    def _hold(self, item_id: str, code: str, e: CentreError) -> None:
        failures = self._extend_hold(item_id)
        # Holds are cleared whenever the centre fails as a whole, so reaching NOTE_AFTER
        # means it kept failing on this item while answering everything else: say so,
        # once (not once per retry, and not for each item of a general outage).
        if failures == HOLD_NOTE_AFTER:
            msg = (f"the centre failed on item {code} {failures} times in a row while answering "
                   f"other requests ({e}); newer items go first, it is retried with its own backoff")
            log.warning(msg)
            self.store.log_event("sync_item_held", msg, level="warning", item_id=item_id)
        else:
            log.debug("item %s held back after failure %d: %s", code, failures, e)

    # -- ratings ----------------------------------------------------------------------

    def push_ratings(self, res: DrainResult) -> None:
        """Ratings of delivered items, oldest first, with the same rules as items."""
        while self.link.ready():
            rows = self.store.ratings_to_send(self.batch_size)
            if not rows:
                return
            for r in rows:
                rid = r.id
                body = {"id": r.id, "item_id": r.item_id, "station": r.station, "rating": r.rating,
                        "created_at": r.created_at, "clock_trusted": r.clock_trusted, "round": r.round,
                        "reason": r.reason}
                try:
                    self.client.push_rating(body)
                except CentreError as e:
                    if e.kind == REFUSED:
                        self.store.refuse_rating(rid, str(e))
                        self.link.success()
                        continue
                    if e.kind == REJECTED:
                        self.store.quarantine_rating(rid, str(e))
                        self.link.success()
                        continue
                    self.store.record_rating_attempt(rid, str(e))
                    res.stopped = str(e)
                    self.link.failed(e)
                    return
                self.link.success()
                self.store.mark_rating_delivered(rid)
                res.ratings += 1


def _is_gone(path) -> bool:
    """Is the attachment file really not there? (Not: there but unreadable, e.g. a
    directory without permission, which is no fault of the item.)"""
    try:
        return not stat.S_ISREG(os.stat(path).st_mode)
    except FileNotFoundError:
        return True
    except OSError:
        return False  # cannot tell: opening it will fail, and the item is held
