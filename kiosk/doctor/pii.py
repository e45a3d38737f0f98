"""Doctor check for the personal-data key (kiosk/core/pii.py, docs/store.md).

Fails when the key file is missing, empty, unreadable or corrupt while personal data
is stored, and when it does not open the stored data (one stored name or phone is
test-decrypted). A key not created yet while no personal data is stored (a fresh
install) is a WARN: the kiosk creates it when it first opens the store; the check never
creates it. A key file readable beyond its owner is the ``permissions`` check's
(kiosk/doctor/permissions.py).
"""

from __future__ import annotations

from pathlib import Path

from kiosk.core.keyfile import Fault
from kiosk.core.pii import Cipher, PIIKeyError
from kiosk.doctor import FAIL, OK, WARN, Check, Unavailable, config_and_store


def checks(ctx) -> list[Check]:
    """The ``pii_key`` line of `kiosk doctor`."""
    try:
        cfg, store = config_and_store(ctx, "pii_key")
    except Unavailable as e:
        return [e.check]
    key = Path(cfg.storage.key_file)
    if store is None:
        return [_check_key_alone(key)]
    cipher = store.cipher
    locked = store.count_encrypted_items()
    if cipher.problem is not None:
        return [_problem(cipher.problem)]
    sample = store.sample_encrypted_value()
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


def _check_key_alone(key: Path) -> Check:
    """No database yet, so no personal data: the key is fine absent, and must be a key if present."""
    cipher = Cipher.from_key_file(key, locked_items=0, create=False)
    if cipher.problem is None:
        return Check("pii_key", OK, f"{key} present; no database yet, so no personal data stored")
    return _problem(cipher.problem)


def _problem(problem: PIIKeyError) -> Check:
    """WARN for a key not created yet (a fresh install: nothing stored needs it), else FAIL."""
    return Check("pii_key", WARN if problem.fault is Fault.NOT_CREATED else FAIL, str(problem))
