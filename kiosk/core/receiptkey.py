"""The station's receipt-secret key: what turns a receipt secret into its stored check.

A 32-byte random key, base64 in one line of a file ``receipt-secret.key`` beside the
personal-data key (``storage.key_file``'s directory, outside the data dir: a copy of the
data dir never carries it), mode 0600. kiosk/core/itemsecret.py keys an HMAC-SHA256 with
it (docs/security.md, "Receipt secret").

Key rules, the personal-data key's (kiosk/core/keyfile.py, docs/store.md "The receipt-secret key"):
the file is created only while no stored item's secret was checked with a key. Once
such items exist, a missing, empty, unreadable or corrupt key file is never replaced: a
new key would silently turn every one of those receipts into a wrong secret. Such a key
is a :class:`ReceiptKey` whose :attr:`problem` is set; using it raises that
:class:`ReceiptKeyError`, which names the file and the items whose secrets it checks.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
from pathlib import Path
from typing import Callable

from kiosk.core import keyfile
from kiosk.core.keyfile import Fault

#: The key file's name, in the directory of ``storage.key_file``.
FILE_NAME = "receipt-secret.key"
KEY_BYTES = 32


class ReceiptKeyError(Exception):
    """The receipt-secret key cannot be used: its file is missing, empty, unreadable or
    not a key. ``str()`` names the file, the items whose secrets it checks, and what to do;
    ``fault`` says what is wrong with the file (kiosk/core/keyfile.py)."""

    def __init__(self, message: str, *, path: Path | None = None, locked_items: int = 0,
                 fault: Fault | None = None):
        self.path = path
        self.locked_items = locked_items
        self.fault = fault
        super().__init__(message)


def path_for(pii_key_file: str | Path) -> Path:
    """Where the receipt-secret key of a kiosk whose personal-data key is *pii_key_file* lives."""
    return Path(pii_key_file).parent / FILE_NAME


class ReceiptKey:
    """The key (:meth:`mac`), or the :class:`ReceiptKeyError` that keeps it from being used."""

    def __init__(self, key: bytes | None, *, path: Path | None = None,
                 problem: ReceiptKeyError | None = None):
        if (key is None) == (problem is None):
            raise ValueError("a ReceiptKey needs a key or the problem that stops it having one")
        self._key = key
        self.path = path
        self.problem = problem
        # Set once the fallback to scrypt was logged (kiosk/core/itemsecret.py): once per key.
        self.warned = False

    @property
    def usable(self) -> bool:
        """False when :attr:`problem` is set."""
        return self._key is not None

    def mac(self, data: bytes) -> bytes:
        """HMAC-SHA256 of *data* under the key; raises :attr:`problem` when unusable."""
        if self._key is None:
            p = self.problem
            raise ReceiptKeyError(str(p), path=p.path, locked_items=p.locked_items, fault=p.fault)
        return hmac.new(self._key, data, hashlib.sha256).digest()

    @classmethod
    def from_key_file(cls, path: Path, *, locked_items: Callable[[], int], create: bool = True) -> "ReceiptKey":
        """The key in *path* (the rules: kiosk/core/keyfile.py).

        *locked_items()* counts the stored items whose secret was checked with a key; it
        is only called (once) when the file is not usable. Only when it is 0 is a missing
        file created (0600, durably; two processes racing use one key). With *create*
        false (a read-only look, ``kiosk doctor``) nothing is ever created.
        """
        path = Path(path)
        counted = functools.cache(locked_items)
        try:
            key = keyfile.load(path, _decode, in_use=lambda: counted() > 0, create=create, limit=1024,
                               new_key=lambda: base64.b64encode(secrets.token_bytes(KEY_BYTES)) + b"\n")
        except keyfile.KeyFileFault as e:
            return cls._broken(path, counted(), f"receipt-secret key {path} {_FAULTS[e.fault].format(e.detail)}",
                               e.fault)
        return cls(key, path=path)

    @classmethod
    def _broken(cls, path: Path, locked: int, what: str, fault: Fault) -> "ReceiptKey":
        if locked:
            what += (f"; it checks the receipt secrets of {locked} stored items. Restore the key file from "
                     "its backup: a new key would refuse every one of those receipts, so none is created")
        else:
            what += "; new receipt secrets are checked with scrypt until it is usable"
        return cls(None, path=path, problem=ReceiptKeyError(what, path=path, locked_items=locked, fault=fault))


#: What each :class:`~kiosk.core.keyfile.Fault` says after "receipt-secret key <path> ".
_FAULTS = {
    Fault.MISSING: "is missing",
    Fault.NOT_CREATED: "not created yet; the kiosk creates it when it opens the store",
    Fault.CANNOT_CREATE: "cannot be created ({})",
    Fault.NOT_REGULAR: "is {}",
    Fault.UNREADABLE: "cannot be read ({}); fix its owner or mode (0600)",
    Fault.EMPTY: "is empty",
    Fault.CORRUPT: "is not a key (corrupt?)",
}


def _decode(raw: bytes) -> bytes:
    """The key bytes in a key file's base64 line; ValueError when it is not a key."""
    key = base64.b64decode(raw.strip(), validate=True)  # binascii.Error is a ValueError
    if len(key) != KEY_BYTES:
        raise ValueError(f"{len(key)} bytes, not {KEY_BYTES}")
    return key
