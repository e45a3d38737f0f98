"""Doctor check for the receipt-secret key (kiosk/core/receiptkey.py, docs/store.md).

FAIL when the key file is missing while stored items' receipt secrets are checked with
it (their receipts then show the state only), and when it is empty, unreadable or not a
key (new secrets fall back to scrypt: slower commits). WARN "not created yet" on a fresh
install: the kiosk creates it when it opens the store; the check never creates it. A key
file readable beyond its owner is the ``permissions`` check's (kiosk/doctor/permissions.py).
"""

from __future__ import annotations

from kiosk.core import receiptkey
from kiosk.core.store import StoreNotCreated
from kiosk.doctor import FAIL, OK, SKIP, WARN, Check

NAME = "receipt_key"


def checks(ctx) -> list[Check]:
    """The ``receipt_key`` line of `kiosk doctor`."""
    try:
        path = receiptkey.path_for(ctx.config.storage.key_file)
    except Exception as e:  # the core check reports a bad config itself
        return [Check(NAME, SKIP, f"config unavailable: {e}")]
    try:
        store = ctx.store
    except StoreNotCreated:
        key = receiptkey.ReceiptKey.from_key_file(path, locked_items=lambda: 0, create=False)
        if key.usable:
            return [Check(NAME, OK, f"{path} present; no database yet")]
        return [Check(NAME, WARN if not path.exists() else FAIL, str(key.problem))]
    except Exception as e:  # the core check reports the database itself
        return [Check(NAME, SKIP, f"database unavailable: {e}")]
    key = store.receipt_key
    if key.problem is not None:
        fresh = not key.problem.locked_items and not path.exists()
        return [Check(NAME, WARN if fresh else FAIL, str(key.problem))]
    keyed = store.count_keyed_secrets()
    return [Check(NAME, OK, f"{path} checks the receipt secrets of {keyed} stored items")]
