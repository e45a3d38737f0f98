"""The station's signing key: Ed25519 (RFC 8032), one per station, never replaced silently.

It signs the receipts (kiosk/core/receiptsig.py) and the USB export bundles
(kiosk/sync/export.py); the centre pins its public key (docs/security.md, "Station
keys"). The private key is a PEM (PKCS#8) file, mode 0600 whatever the umask, beside
the personal-data key by default (``storage.signing_key_file``), never inside the data dir.

Key rules, the personal-data key's (kiosk/core/keyfile.py): the first time the station
needs it, the key is created and its public half recorded in the store (meta
:data:`PUBLIC_META`). From then on a missing, unreadable or corrupt key file, or one whose
public key is not the recorded one, is a :class:`StationKeyError` naming the file -
never a new key: a new key would make every receipt and bundle of the station look
forged to the centre, which pinned the old one. Such a key is a :class:`StationKey`
whose :attr:`~StationKey.problem` is set; signing raises it.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from kiosk.core import keyfile
from kiosk.core.keyfile import Fault

#: Store meta key holding the station's public key (base64 of the 32 raw bytes).
PUBLIC_META = "station_key.public"
ALGORITHM = "ed25519"


class StationKeyError(Exception):
    """The station cannot sign: its key file is missing, unreadable, corrupt, or not the
    key it signed with before. ``str()`` names the file and what to do; ``fault`` says
    what is wrong with the file (kiosk/core/keyfile.py), None for another key or no file
    configured."""

    def __init__(self, message: str, *, path: Path | None = None, fault: Fault | None = None):
        self.path = path
        self.fault = fault
        super().__init__(message)


def encode_public(key: Ed25519PublicKey) -> str:
    """A public key as the wire and the station config carry it: base64 of its 32 raw bytes."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def decode_public(text: str) -> Ed25519PublicKey:
    """The key :func:`encode_public` wrote; ValueError for anything else."""
    try:
        raw = base64.b64decode(str(text), validate=True)
    except (ValueError, TypeError):
        raise ValueError("a station public key is base64 of 32 bytes") from None
    if len(raw) != 32:
        raise ValueError(f"a station public key is 32 bytes, got {len(raw)}")
    return Ed25519PublicKey.from_public_bytes(raw)


def fingerprint(public_b64: str) -> str:
    """A short name for a public key, for people: the first 16 hex digits of its SHA-256."""
    try:
        raw = base64.b64decode(str(public_b64), validate=True)
    except (ValueError, TypeError):
        raw = str(public_b64).encode("utf-8", "replace")
    return hashlib.sha256(raw).hexdigest()[:16]


def verify(public_b64: str, message: bytes, signature: bytes) -> bool:
    """Whether *signature* is *public_b64*'s Ed25519 signature of *message*."""
    try:
        decode_public(public_b64).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


class StationKey:
    """The station's key pair, or the :class:`StationKeyError` that keeps it from signing."""

    def __init__(self, private: Ed25519PrivateKey | None, *, path: Path | None = None,
                 problem: StationKeyError | None = None):
        if private is None and problem is None:
            raise ValueError("a StationKey needs a key or the problem that stops it having one")
        self._private = private
        self.path = path
        self.problem = problem
        self.public = encode_public(private.public_key()) if private is not None else None

    @property
    def fingerprint(self) -> str | None:
        """:func:`fingerprint` of the public key (None without a usable key)."""
        return fingerprint(self.public) if self.public else None

    def sign(self, message: bytes) -> bytes:
        """The 64-byte Ed25519 signature of *message*; raises the key's problem."""
        if self._private is None:
            raise StationKeyError(str(self.problem), path=self.problem.path, fault=self.problem.fault)
        return self._private.sign(message)

    @classmethod
    def broken(cls, path: Path | None, message: str, fault: Fault | None = None) -> "StationKey":
        """A key that cannot sign, for *message*'s reason (*fault*: what is wrong with its file)."""
        return cls(None, path=path, problem=StationKeyError(message, path=path, fault=fault))


def _decode(raw: bytes) -> Ed25519PrivateKey:
    """The private key in a PEM (PKCS#8) key file; ValueError for anything else."""
    key = serialization.load_pem_private_key(raw, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"a {type(key).__name__}, not an Ed25519 key")
    return key


def _new_key() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def _explain(e: keyfile.KeyFileFault, recorded: str | None) -> str:
    """What is wrong with the key file and what to do, after "station signing key <path> "."""
    corrupt = "is not an Ed25519 private key (corrupt?); restore it from its backup"
    return {
        Fault.MISSING: f"is missing, but this station signed with key {fingerprint(recorded or '')} before; "
                       "restore the key file from its backup (a new key would make the centre refuse this "
                       "station)",
        Fault.NOT_CREATED: "does not exist yet (it is created when the station first starts)",
        Fault.CANNOT_CREATE: f"cannot be created ({e.detail}); receipts are printed unsigned until it can",
        Fault.NOT_REGULAR: f"is {e.detail}",
        Fault.UNREADABLE: f"cannot be read ({e.detail}); fix its owner or mode (0600)",
        Fault.EMPTY: corrupt,
        Fault.CORRUPT: corrupt,
    }[e.fault]


def load(path: Path | None, recorded: str | None, *, may_create: bool) -> StationKey:
    """The station's key from *path* (the rules: kiosk/core/keyfile.py). *recorded* is
    the public key the store holds (None before the station ever had one); *may_create*
    allows writing a new key when the file is missing and nothing is recorded. Never
    raises: a key that cannot sign carries its :class:`StationKeyError`."""
    if path is None:
        return StationKey.broken(None, "no station signing key file is configured (storage.signing_key_file)")
    path = Path(path)
    try:
        private = keyfile.load(path, _decode, in_use=lambda: recorded is not None, new_key=_new_key,
                               create=may_create)
    except keyfile.KeyFileFault as e:
        return StationKey.broken(path, f"station signing key {path} {_explain(e, recorded)}", e.fault)
    key = StationKey(private, path=path)
    if recorded is not None and key.public != recorded:
        return StationKey.broken(path, f"station signing key {path} is key {key.fingerprint}, not the key "
                                       f"{fingerprint(recorded)} this station signed with; restore the right "
                                       "key file from its backup")
    return key


def ensure(store) -> StationKey:
    """At a process's start: create the station's key if it has none yet (first start),
    else check it; a broken key is logged, never replaced (receipts then print unsigned
    and ``kiosk doctor`` fails ``station_key``)."""
    key = store.station_key
    if key.problem is not None:
        logging.getLogger("kiosk.stationkey").error("%s", key.problem)
    return key
