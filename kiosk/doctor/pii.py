"""Doctor check for the personal-data key (kiosk/core/pii.py, docs/store.md).

Fails when the key file is missing, empty, unreadable or corrupt while personal data
is stored, and when it does not open the stored data (one stored name or phone is
test-decrypted). A key file readable beyond its owner is the ``permissions`` check's
(kiosk/doctor/permissions.py).
"""

from __future__ import annotations

from pathlib import Path

from kiosk.doctor import FAIL, OK, SKIP, Check
from kiosk.core.pii import PIIKeyError


def checks(ctx) -> list[Check]:
    try:
        cfg = ctx.config
        store = ctx.store
    except Exception as e:  # the core checks report a bad config or database themselves
        return [Check("pii_key", SKIP, f"config or database unavailable: {e}")]
    key = Path(cfg.storage.key_file)
    cipher = store.cipher
    if cipher.problem is not None:
        return [Check("pii_key", FAIL, str(cipher.problem))]
    sample = store.sample_encrypted_value()
    locked = store.count_encrypted_items()
    if sample is not None:
        try:
            cipher.decrypt(sample)
        except PIIKeyError as e:
            return [Check("pii_key", FAIL, str(e))]
    try:
        key.stat()
    except OSError as e:
        return [Check("pii_key", FAIL, f"personal-data key {key} cannot be examined: {e.strerror or e}")]
    detail = f"{key} opens the personal data of {locked} stored items" if locked else \
        f"{key} present; no personal data stored yet"
    return [Check("pii_key", OK, detail)]
