"""Encryption at rest for personal data (the resident's name, phone and ID number).

Fernet (AES-128-CBC with HMAC-SHA256, from the ``cryptography`` package) with a key in
a separate file, mode 0600, kept outside the database so that a copied database alone
does not reveal who complained. Plaintext never goes to logs or events.

Key rules (kiosk/core/keyfile.py; docs/store.md, "The personal-data key"): the key file is created only while
no encrypted data exists. Once names or phones are stored, a missing, empty, unreadable
or corrupt key file is never replaced — a new key could not open them and would
silently split the data in two. Such a key is a :class:`Cipher` whose :attr:`problem`
is set: everything that needs no personal data goes on, and each encrypt or decrypt
raises that :class:`PIIKeyError`, which names the file and the items it locks.
"""

from __future__ import annotations

import re
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

# The ID number's rules live with the card's record (GB 11643, docs/idcard.md); re-exported
# so that the core's masking of personal data is in this one module.
from drivers.idcard_record import IdNumberInvalid, mask_id_number, validate_id_number  # noqa: F401
from kiosk.core import keyfile
from kiosk.core.keyfile import Fault


class PIIKeyError(Exception):
    """Personal data cannot be encrypted or decrypted: the key file is missing, empty,
    unreadable, not a key, or not the key the data was encrypted with. ``str()`` names
    the file, how many items it locks and what to do. ``fault`` says what is wrong with
    the file (kiosk/core/keyfile.py); None for a key that opens but is not the data's."""

    def __init__(self, message: str, *, path: Path | None = None, locked_items: int = 0,
                 fault: Fault | None = None):
        self.path = path
        self.locked_items = locked_items
        self.fault = fault
        super().__init__(message)


class Cipher:
    """Encrypts and decrypts short strings with the kiosk's PII key.

    Built with a key, or (from :meth:`from_key_file`) with the :class:`PIIKeyError` that
    keeps the key file from being used; then every encrypt/decrypt raises it.
    """

    def __init__(self, key: bytes | None, *, path: Path | None = None, locked_items: int = 0,
                 problem: PIIKeyError | None = None):
        if key is None and problem is None:
            raise ValueError("a Cipher needs a key or the problem that stops it having one")
        self._fernet = Fernet(key) if key is not None else None
        self.path = path
        self.locked_items = locked_items
        self.problem = problem

    @classmethod
    def from_key_file(cls, path: Path, *, locked_items: int, create: bool = True) -> "Cipher":
        """The cipher of the key at *path* (the rules: kiosk/core/keyfile.py).

        *locked_items* is how many stored items carry encrypted personal data. Only when
        it is 0 is a missing key file created (0600, durably); otherwise, and for a key
        file that is empty, unreadable or not a key, the Cipher carries the problem.
        With *create* false (a read-only look, ``kiosk doctor``) a missing key is never
        created: the Cipher carries a problem saying it is not created yet.
        """
        path = Path(path)
        try:
            key = keyfile.load(path, _fernet_key, in_use=lambda: locked_items > 0,
                               new_key=Fernet.generate_key, create=create)
        except keyfile.KeyFileFault as e:
            return cls(None, path=path, locked_items=locked_items, problem=PIIKeyError(
                _explain(e, locked_items), path=path, locked_items=locked_items, fault=e.fault))
        return cls(key, path=path, locked_items=locked_items)

    def _usable(self) -> Fernet:
        if self._fernet is None:
            p = self.problem
            raise PIIKeyError(str(p), path=p.path, locked_items=p.locked_items, fault=p.fault)
        return self._fernet

    def encrypt(self, text: str | None) -> str | None:
        """Token for *text*; None stays None. Raises PIIKeyError when the key is unusable."""
        if text is None:
            return None
        return self._usable().encrypt(text.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str | None) -> str | None:
        """Plaintext for a token; raises PIIKeyError if the key is unusable or does not match."""
        if token is None:
            return None
        fernet = self._usable()
        try:
            return fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            where = f" {self.path}" if self.path else ""
            raise PIIKeyError(f"personal data cannot be decrypted with the key file{where}: it is not the key "
                              f"the data was encrypted with ({self.locked_items} items carry personal data). "
                              "Restore the right key file from its backup",
                              path=self.path, locked_items=self.locked_items) from None


def _fernet_key(raw: bytes) -> bytes:
    """The key in a key file's bytes; ValueError when it is not a Fernet key."""
    key = raw.strip()
    Fernet(key)
    return key


def _explain(e: keyfile.KeyFileFault, locked_items: int) -> str:
    """What is wrong with the key file, how many items it locks, and what to do."""
    what = f"personal-data key {e.path}"
    if e.fault is Fault.NOT_CREATED:
        return f"{what} not created yet; the kiosk creates it when it opens the store (real-name items need it)"
    if e.fault is Fault.CANNOT_CREATE:
        return f"{what} cannot be created ({e.detail}); real-name items cannot be stored until it can"
    locks = f"it locks the names and phone numbers of {locked_items} stored items" if locked_items else \
        "no personal data is stored yet"
    return {
        Fault.MISSING: f"{what} is missing; {locks}. Restore the key file from its backup: a new key cannot "
                       "open them, so none is created",
        Fault.NOT_REGULAR: f"{what} is {e.detail}; {locks}. Restore the key file (a plain file, mode 0600) "
                           "from its backup",
        Fault.UNREADABLE: f"{what} cannot be read ({e.detail}); {locks}. Fix its owner or mode (0600)",
        Fault.EMPTY: f"{what} is empty; {locks}. Restore the key file from its backup",
        Fault.CORRUPT: f"{what} is not a Fernet key (corrupt?); {locks}. Restore the key file from its backup",
    }[e.fault]


def mask_phone(phone: str | None) -> str:
    """``13812341234`` → ``138****1234``; landlines keep area code and last 4 digits.

    What a receipt prints of a phone number (kiosk/receipt/layout.py). A number masked
    already (it has a ``*``: kiosk.core.submission masks it for the ``Submitted`` record)
    is returned as it is, so masking twice never un-masks anything."""
    if phone and "*" in phone:
        return phone
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) < 7:
        return "*" * len(digits)
    if len(digits) == 11 and digits.startswith("1"):
        return digits[:3] + "****" + digits[-4:]
    # Area codes 010 and 02x have 3 digits, the other 0xxx have 4 (the national numbering plan).
    head = 4 if digits.startswith("0") and digits[1] not in "12" else 3
    return digits[:head] + "*" * (len(digits) - head - 4) + digits[-4:]
