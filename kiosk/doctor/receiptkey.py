"""Doctor check for the receipt-secret key (kiosk/core/receiptkey.py, docs/store.md).

FAIL when the key file is missing while stored items' receipt secrets are checked with
it (their receipts then show the state only), and when it is empty, unreadable or not a
key (new secrets fall back to scrypt: slower commits). WARN "not created yet" on a fresh
install: the kiosk creates it when it opens the store; the check never creates it. A key
file readable beyond its owner is the ``permissions`` check's (kiosk/doctor/permissions.py).
"""

from __future__ import annotations

from kiosk.core import receiptkey
from kiosk.core.keyfile import Fault
from kiosk.doctor import FAIL, OK, WARN, Check, Unavailable, config_and_store

NAME = "receipt_key"


def checks(ctx) -> list[Check]:
    """The ``receipt_key`` line of `kiosk doctor`."""
    try:
        cfg, store = config_and_store(ctx, NAME)
    except Unavailable as e:
        return [e.check]
    path = receiptkey.path_for(cfg.storage.key_file)
    key = store.receipt_key if store is not None else \
        receiptkey.ReceiptKey.from_key_file(path, locked_items=lambda: 0, create=False)
    if key.problem is not None:  # a key not created yet: a fresh install, nothing stored needs it
        return [Check(NAME, WARN if key.problem.fault is Fault.NOT_CREATED else FAIL, str(key.problem))]
    if store is None:
        return [Check(NAME, OK, f"{path} present; no database yet")]
    keyed = store.count_keyed_secrets()
    return [Check(NAME, OK, f"{path} checks the receipt secrets of {keyed} stored items")]
