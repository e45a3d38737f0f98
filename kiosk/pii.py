"""Encryption at rest for personal data (the resident's name and phone number).

Fernet (AES-128-CBC with HMAC-SHA256, from the ``cryptography`` package) with a key in
a separate file, mode 0600, kept outside the database so that a copied database alone
does not reveal who complained. Plaintext never goes to logs or events.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from kiosk.fsutil import fsync_dir


class PIIKeyError(Exception):
    """The key file is unreadable or not a Fernet key."""


class Cipher:
    """Encrypts and decrypts short strings with the kiosk's PII key."""

    def __init__(self, key: bytes):
        self._fernet = Fernet(key)

    @classmethod
    def from_key_file(cls, path: Path) -> "Cipher":
        """Load the key at *path*, creating it (0600, durably) on first use."""
        path = Path(path)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            key = Fernet.generate_key()
            # A per-process temp name: two processes may create the key at the same moment.
            tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                os.write(fd, key)
                os.fsync(fd)
            finally:
                os.close(fd)
            try:
                # link() fails if another process created the key meanwhile: use theirs.
                os.link(tmp, path)
            except FileExistsError:
                pass
            os.unlink(tmp)
            fsync_dir(path.parent)
        try:
            key = path.read_bytes().strip()
            return cls(key)
        except (OSError, ValueError) as e:
            raise PIIKeyError(f"PII key file {path} is unusable: {e}") from None

    def encrypt(self, text: str | None) -> str | None:
        """Token for *text*; None stays None."""
        if text is None:
            return None
        return self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str | None) -> str | None:
        """Plaintext for a token; raises PIIKeyError if the key does not match."""
        if token is None:
            return None
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise PIIKeyError("personal data cannot be decrypted with this key file") from None
