"""The USB export bundle's file format: encrypted to the centre, authenticated, streamed.

A bundle is ``MAGIC``, a 4-byte big-endian header length, a JSON header, then the
payload (a tar stream) encrypted in chunks:

* key agreement: X25519 between a fresh ephemeral key and the centre's public key
  (RFC 7748); the kiosk holds only the public key, so only the centre can open a bundle;
* key derivation: HKDF-SHA256 (RFC 5869) over the shared secret with a random salt and
  both public keys in ``info``;
* encryption: AES-256-GCM per chunk, in the STREAM construction of Hoang, Reyhanitabar,
  Rogaway and Vizár, "Online Authenticated-Encryption and its Nonce-Reuse Misuse-
  Resistance" (CRYPTO 2015), the same layout age (age-encryption.org/v1) uses: the nonce
  is the chunk counter plus a last-chunk flag, and every chunk's associated data is the
  SHA-256 of magic + header. A changed byte anywhere, reordered or dropped chunks, and a
  bundle cut short at a chunk boundary all fail authentication.

The payload itself (kiosk/sync/export.py) hashes every file and carries an HMAC of
its manifest keyed with the kiosk's sync token and the station's Ed25519 signature of it,
so the centre also knows which station made it (the header names the station and its
signing key; the centre checks both against the manifest and its pinned key). :func:`open_bundle` decrypts to a file and only returns once every chunk verified:
a bundle is accepted whole or refused whole.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import struct
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from kiosk.core import fsutil

MAGIC = b"MINYI-KIOSK-BUNDLE/1\n"
CIPHER = "X25519-HKDF-SHA256-AES-256-GCM-STREAM"
CHUNK = 1024 * 1024
TAG = 16
MAX_HEADER = 64 * 1024
SUFFIX = ".minyi-bundle"


class BundleError(Exception):
    """A bundle or key cannot be used; ``str()`` names what failed."""


class KeyFileError(BundleError):
    """A bundle key file is missing, unreadable or not an X25519 key."""


# -- keys -----------------------------------------------------------------------------


def generate_keypair(directory: Path) -> tuple[Path, Path]:
    """Write ``bundle.pub`` (for kiosks) and ``bundle.key`` (mode 0600, the centre's only)
    into *directory*; refuses to overwrite an existing key."""
    directory = fsutil.make_private_dir(directory)
    pub, key = directory / "bundle.pub", directory / "bundle.key"
    for p in (pub, key):
        if p.exists():
            raise KeyFileError(f"{p} exists already; move it away first (bundles made for it "
                               "can only be opened with it)")
    private = X25519PrivateKey.generate()
    key_pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    pub_pem = private.public_key().public_bytes(serialization.Encoding.PEM,
                                                serialization.PublicFormat.SubjectPublicKeyInfo)
    with fsutil.create_private_file(key) as f:
        f.write(key_pem)
        f.flush()
        os.fsync(f.fileno())
    pub.write_bytes(pub_pem)
    return pub, key


def load_public_key(path: Path, what: str = "service.bundle_public_key_file") -> X25519PublicKey:
    """The centre's public key from a PEM file; :class:`KeyFileError` naming *what*."""
    try:
        key = serialization.load_pem_public_key(fsutil.read_regular_file(path))
    except OSError as e:
        raise KeyFileError(f"{what}: cannot read {path}: {e.strerror or e}") from None
    except ValueError as e:
        raise KeyFileError(f"{what}: {path} is not a PEM public key ({e})") from None
    if not isinstance(key, X25519PublicKey):
        raise KeyFileError(f"{what}: {path} is not an X25519 key (use `kiosk central-dev keygen`)")
    return key


def load_private_key(path: Path, what: str = "central_dev.bundle_private_key_file") -> X25519PrivateKey:
    """The centre's private key from a PEM file; :class:`KeyFileError` naming *what*."""
    try:
        key = serialization.load_pem_private_key(fsutil.read_regular_file(path), password=None)
    except OSError as e:
        raise KeyFileError(f"{what}: cannot read {path}: {e.strerror or e}") from None
    except (ValueError, TypeError) as e:
        raise KeyFileError(f"{what}: {path} is not an unencrypted PEM private key ({e})") from None
    if not isinstance(key, X25519PrivateKey):
        raise KeyFileError(f"{what}: {path} is not an X25519 key (use `kiosk central-dev keygen`)")
    return key


def _raw(pub: X25519PublicKey) -> bytes:
    return pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _derive(shared: bytes, salt: bytes, eph: bytes, recipient: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt,
                info=b"minyi-kiosk bundle v1" + eph + recipient).derive(shared)


def _nonce(counter: int, last: bool) -> bytes:
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


# -- writing --------------------------------------------------------------------------


class BundleWriter:
    """A write-only file object: what is written is encrypted to *recipient* into *out*.

    Call :meth:`finish` to write the last chunk; a bundle without it does not open.
    """

    def __init__(self, out: BinaryIO, recipient: X25519PublicKey, header: dict):
        eph = X25519PrivateKey.generate()
        salt = secrets.token_bytes(16)
        eph_raw, rec_raw = _raw(eph.public_key()), _raw(recipient)
        self._aead = AESGCM(_derive(eph.exchange(recipient), salt, eph_raw, rec_raw))
        head = json.dumps({**header, "format": 1, "cipher": CIPHER, "chunk": CHUNK,
                           "ephemeral_public": base64.b64encode(eph_raw).decode(),
                           "salt": base64.b64encode(salt).decode()}, ensure_ascii=False).encode("utf-8")
        self._aad = hashlib.sha256(MAGIC + head).digest()
        self._out = out
        self._buf = bytearray()
        self._counter = 0
        self.plain_bytes = 0
        out.write(MAGIC + struct.pack(">I", len(head)) + head)

    def write(self, data) -> int:
        self._buf += data
        self.plain_bytes += len(data)
        # Keep at least one byte back: the last chunk must carry the last-chunk flag.
        while len(self._buf) > CHUNK:
            self._seal(bytes(self._buf[:CHUNK]), last=False)
            del self._buf[:CHUNK]
        return len(data)

    def _seal(self, chunk: bytes, last: bool) -> None:
        self._out.write(self._aead.encrypt(_nonce(self._counter, last), chunk, self._aad))
        self._counter += 1

    def finish(self) -> None:
        """Seal the last chunk (possibly empty)."""
        self._seal(bytes(self._buf), last=True)
        self._buf.clear()

    def flush(self) -> None:
        self._out.flush()


# -- reading --------------------------------------------------------------------------


def read_header(f: BinaryIO) -> tuple[dict, bytes]:
    """The header of an open bundle, and the associated data its chunks are bound to."""
    magic = f.read(len(MAGIC))
    if magic != MAGIC:
        raise BundleError("not a minyi-kiosk bundle (wrong magic bytes at the start)")
    raw_len = f.read(4)
    if len(raw_len) != 4:
        raise BundleError("bundle truncated inside its header")
    (n,) = struct.unpack(">I", raw_len)
    if not 0 < n <= MAX_HEADER:
        raise BundleError(f"bundle header length {n} out of range")
    head = f.read(n)
    if len(head) != n:
        raise BundleError("bundle truncated inside its header")
    try:
        header = json.loads(head)
        if not isinstance(header, dict) or header.get("format") != 1 or header.get("cipher") != CIPHER:
            raise ValueError("unknown format or cipher")
        if header.get("chunk") != CHUNK:
            raise ValueError(f"unexpected chunk size {header.get('chunk')!r}")
        header["_eph"] = base64.b64decode(header["ephemeral_public"], validate=True)
        header["_salt"] = base64.b64decode(header["salt"], validate=True)
        if len(header["_eph"]) != 32 or len(header["_salt"]) != 16:
            raise ValueError("bad key or salt length")
    except (ValueError, KeyError, TypeError) as e:
        raise BundleError(f"bundle header unreadable: {e}") from None
    return header, hashlib.sha256(MAGIC + head).digest()


def open_bundle(path: Path, private: X25519PrivateKey, out: BinaryIO) -> dict:
    """Decrypt *path* into *out*; returns the header once EVERY chunk authenticated.

    Raises :class:`BundleError` naming the first chunk that failed; *out* then holds
    unauthenticated bytes and must be discarded.
    """
    try:
        f = open(path, "rb")
    except OSError as e:
        raise BundleError(f"cannot read {path}: {e.strerror or e}") from None
    with f:
        header, aad = read_header(f)
        eph = X25519PublicKey.from_public_bytes(header["_eph"])
        try:
            shared = private.exchange(eph)
        except ValueError:
            raise BundleError("bundle header holds an invalid ephemeral key") from None
        aead = AESGCM(_derive(shared, header["_salt"], header["_eph"], _raw(private.public_key())))
        counter = 0
        block = f.read(CHUNK + TAG)
        while True:
            nxt = f.read(CHUNK + TAG)
            last = not nxt
            if len(block) < TAG:
                raise BundleError(f"bundle truncated at chunk {counter}")
            try:
                out.write(aead.decrypt(_nonce(counter, last), block, aad))
            except InvalidTag:
                where = f"chunk {counter}" + (" (the last one, or the bundle was cut short)" if last else "")
                raise BundleError(f"bundle refused: {where} failed authentication - the bundle was "
                                  "changed or damaged, or it was made for another centre's key") from None
            if last:
                break
            block, counter = nxt, counter + 1
    return {k: v for k, v in header.items() if not k.startswith("_")}
