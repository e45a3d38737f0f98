"""The receipt secret: a short number printed on an item's receipt that opens its reply.

Tracking codes are sequential and their check digit is computable, so a code alone
proves nothing: anyone can type a neighbour's. The submission layer therefore draws,
for every item, a random 6-digit secret (``secrets.randbelow``, kiosk/core/submission.py;
a reprint draws a new one, kiosk/core/reprint.py); the store keeps only a keyed check of
it, and the plaintext travels once, on the ``Submitted`` record, to be printed on the
receipt (as digits and inside the QR code). Reading the reply or rating the item needs it
(``kiosk.lookup.answers``); without it a code shows only the item's state (docs/security.md,
"Receipt secret").

The stored check is ``hmac1$<salt>$<mac>``: HMAC-SHA256 under the station's receipt-secret
key (kiosk/core/receiptkey.py, a 0600 file beside the personal-data key, outside the data
dir) of a 16-byte random salt and the secret. The salt makes two items with the same
secret look different; the item's UUID would do the same, but it is allocated by the
store and the secret is sealed before the store is reached. It costs microseconds.

Items committed before (and any committed while the key file is unusable) carry
``scrypt$<log2 N>$<r>$<p>$<salt>$<key>`` (N = 2^11, r = 8: ~5-8 ms each on the build
machine, paid inside every commit): those keep verifying exactly as before, so every
old receipt still opens its reply.

The trade-off. 10^6 secrets are few: no hash makes them slow to try offline, and the
defence against guessing is the failed-lookup limit at the kiosk, the only place a secret
is accepted (``kiosk.lookup.answers``), which is unchanged. Against a stolen database
alone the keyed check is stronger than scrypt was: without the key file nothing can be
tried at all (scrypt fell in hours). Against a thief with both the database and the key
file it is weaker (all 10^6 in about a second instead of hours), and that thief reads the
replies in the same file anyway. Both keep the number itself off the disk and off every
backup or support dump. The new cost is a file to keep: with the key lost, receipts
checked with it show the state only until staff reprint them (a reprint draws a new
secret, checked with scrypt while the key is unusable); the kiosk never silently makes a
new key while such items exist (kiosk/core/receiptkey.py).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import secrets

from kiosk.core.receiptkey import ReceiptKey, ReceiptKeyError

log = logging.getLogger("kiosk.itemsecret")

DIGITS = 6

# scrypt cost: N = 2**LOG2_N, r, p (RFC 7914), for the checks made before the keyed one
# (and while the key file is unusable). Parameters are stored with each such hash.
LOG2_N, R, P = 11, 8, 1
_SALT_BYTES, _KEY_BYTES = 16, 32
_PREFIX = "scrypt"
_HMAC_PREFIX = "hmac1"
#: How every keyed check starts (the store counts them: kiosk/core/receiptkey.py's rules).
KEYED_PREFIX = _HMAC_PREFIX + "$"
# Domain separation: this key signs nothing else, but a MAC input says what it is for.
_HMAC_LABEL = b"minyi-kiosk receipt secret v1\x00"

_SEPARATORS = re.compile(r"[\s\-－—_./·]+")


class SecretFormatError(ValueError):
    """What was typed or scanned as a receipt secret cannot be one (``str()`` says why)."""


class SecretHashError(ValueError):
    """A stored secret hash is malformed: the database was damaged or edited."""


def issue() -> str:
    """A new random secret: :data:`DIGITS` decimal digits from the OS's CSPRNG."""
    return f"{secrets.randbelow(10 ** DIGITS):0{DIGITS}d}"


def normalise(text: str) -> str:
    """The secret's digits from what a resident typed (separators and full-width digits
    allowed); raises :class:`SecretFormatError` for anything that is not 6 digits."""
    raw = _SEPARATORS.sub("", str(text or ""))
    raw = raw.translate({0xFF10 + i: 0x30 + i for i in range(10)})
    if not raw:
        raise SecretFormatError("the receipt secret is empty")
    if not (raw.isascii() and raw.isdigit()):
        raise SecretFormatError("the receipt secret may contain only digits")
    if len(raw) != DIGITS:
        raise SecretFormatError(f"the receipt secret has {DIGITS} digits, got {len(raw)}")
    return raw


def _derive(secret: str, salt: bytes, log2_n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(secret.encode("ascii"), salt=salt, n=2 ** log2_n, r=r, p=p,
                          maxmem=256 * r * 2 ** log2_n, dklen=_KEY_BYTES)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_secret(secret: str, key: ReceiptKey) -> str:
    """The stored form of *secret*: ``hmac1$<salt>$<mac>`` (base64) under *key*, or,
    while *key* is unusable, ``scrypt$<log2 N>$<r>$<p>$<salt>$<key>`` (logged once per
    key: the receipt still works, the commit is slower)."""
    secret = normalise(secret)
    salt = secrets.token_bytes(_SALT_BYTES)
    if key.usable:
        return "$".join((_HMAC_PREFIX, _b64(salt), _b64(_mac(key, salt, secret))))
    if not key.warned:
        key.warned = True
        log.warning("%s", key.problem)
    derived = _derive(secret, salt, LOG2_N, R, P)
    return "$".join((_PREFIX, str(LOG2_N), str(R), str(P), _b64(salt), _b64(derived)))


def _mac(key: ReceiptKey, salt: bytes, secret: str) -> bytes:
    return key.mac(_HMAC_LABEL + salt + secret.encode("ascii"))


def _parse(stored: str) -> tuple:
    """("hmac1", salt, mac) or ("scrypt", log2_n, r, p, salt, key)."""
    parts = str(stored or "").split("$")
    try:
        if parts[0] == _HMAC_PREFIX and len(parts) == 3:
            salt, mac = (base64.b64decode(x, validate=True) for x in parts[1:])
            if len(salt) != _SALT_BYTES or len(mac) != _KEY_BYTES:
                raise ValueError(parts[0])
            return _HMAC_PREFIX, salt, mac
        prefix, log2_n, r, p, salt, key = parts
        log2_n, r, p = int(log2_n), int(r), int(p)
        salt, key = base64.b64decode(salt, validate=True), base64.b64decode(key, validate=True)
        if prefix != _PREFIX or not (1 <= log2_n <= 20 and 1 <= r <= 32 and 1 <= p <= 4) or not salt or not key:
            raise ValueError(prefix)
    except ValueError:
        raise SecretHashError("the stored receipt-secret hash is malformed") from None
    return _PREFIX, log2_n, r, p, salt, key


def check_hash(stored: str) -> None:
    """Raise :class:`SecretHashError` unless *stored* is a hash :func:`hash_secret` makes
    (the store refuses to write anything else, a plaintext secret above all)."""
    _parse(stored)


def matches(secret: str, stored: str, key: ReceiptKey | None = None) -> bool:
    """Whether *secret* is the one *stored* was made from (constant-time compare).

    A *secret* that is not 6 digits simply does not match; a malformed *stored* raises
    :class:`SecretHashError` (a damaged database must not look like a wrong guess), and a
    keyed one with *key* missing or unusable raises
    :class:`~kiosk.core.receiptkey.ReceiptKeyError` (a lost key must not either).
    """
    parsed = _parse(stored)
    try:
        secret = normalise(secret)
    except SecretFormatError:
        return False
    if parsed[0] == _HMAC_PREFIX:
        if key is None:
            raise ReceiptKeyError("this receipt secret is checked with the receipt-secret key, "
                                  "and none was given")
        _, salt, mac = parsed
        return hmac.compare_digest(_mac(key, salt, secret), mac)
    _, log2_n, r, p, salt, derived = parsed
    return hmac.compare_digest(_derive(secret, salt, log2_n, r, p)[:len(derived)], derived)


def secret_matches(store, item_id: str, secret: str) -> bool | None:
    """Whether *secret* is the receipt secret of the item *item_id* in *store*; None
    when the item has none (committed before receipts carried one, or unknown). Raises
    :class:`SecretHashError` for a damaged hash, and
    :class:`~kiosk.core.receiptkey.ReceiptKeyError` when the key its check needs is unusable."""
    stored = store.get_secret_hash(item_id)
    return None if stored is None else matches(secret, stored, store.receipt_key)


#: Where the secret travels in a receipt's QR payload: ``<code or lookup URL>#k=<digits>``
#: (docs/receipts.md). A URL fragment is never sent to a server by a browser (RFC 3986,
#: section 3.5), so a centre page behind ``receipt.lookup_url`` never learns the secret.
QR_MARK = "#k="


def with_qr_secret(payload: str, secret: str | None) -> str:
    """*payload* (the code or lookup URL) with the secret appended for the QR code."""
    return payload if secret is None else payload + QR_MARK + normalise(secret)
