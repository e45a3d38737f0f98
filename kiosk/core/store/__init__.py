"""The durable item store: SQLite (WAL, synchronous=FULL) plus attachment files.

Commit protocol (docs/design.md, "How nothing gets lost"): each attachment is written to a
temp file and fsynced, renamed into ``media/<item id>/`` and the directory fsynced; then
one ``BEGIN IMMEDIATE`` transaction allocates the sequence number and inserts the item
and its attachments. Only after that commit does the item have a tracking code. A crash
at any point leaves either no item (temp files and orphaned media are cleaned up at the
next open) or a whole item.

Two processes (the UI and the sync daemon) open the same database; writes take
``BEGIN IMMEDIATE`` so that a busy database waits (busy timeout) instead of failing on
a read-to-write upgrade.

One class, :class:`Store`, made of one part per job (docs/store.md, "Where the code is"):

- ``connection.py``: open/close, transactions, the cipher, the files lock;
- ``items.py``: committing items, reading items and attachments back, counts;
- ``delivery.py``: forwarding bookkeeping of items and ratings (the sync daemon);
- ``answers.py``: the centre's statuses, ratings, receipt-secret hashes;
- ``journal.py``: the event log and meta values;
- ``upkeep.py``: recovery, integrity checks, database size, retention purges.

Every SQL statement of the kiosk lives in this package or in kiosk/core/schema.py
(tests/foundation/test_foundation_layers.py).
"""

from __future__ import annotations

from kiosk.core.records import Draft, NewAttachment, NewItem
from kiosk.core.store.answers import AnswersMixin
from kiosk.core.store.connection import BUSY_TIMEOUT_MS, ConnectionMixin
from kiosk.core.store.delivery import DeliveryMixin
from kiosk.core.store.errors import AlreadyRated, DiskFullError, StoreError, StoreNotCreated
from kiosk.core.store.items import ItemsMixin
from kiosk.core.store.journal import JournalMixin
from kiosk.core.store.upkeep import UpkeepMixin

__all__ = ["AlreadyRated", "BUSY_TIMEOUT_MS", "DiskFullError", "Draft", "NewAttachment", "NewItem", "Store",
           "StoreError", "StoreNotCreated"]


class Store(ConnectionMixin, ItemsMixin, DeliveryMixin, AnswersMixin, JournalMixin, UpkeepMixin):
    """One open kiosk database with its media directory. Thread-safe (one lock).

    Opened with ``Store(data_dir, station, cipher)`` or :meth:`Store.open` (from a
    config), or for reading only with :meth:`Store.open_read_only` (``kiosk doctor``); see :class:`~kiosk.core.store.connection.ConnectionMixin` for the options.
    """
