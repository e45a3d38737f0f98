"""The receipt secret: a short number printed on an item's receipt that opens its reply.

Tracking codes are sequential and their check digit is computable, so a code alone
proves nothing: anyone can type a neighbour's. The submission layer therefore draws,
for every item, a random 6-digit secret (``secrets.randbelow``, kiosk/core/submission.py;
a reprint draws a new one, kiosk/core/reprint.py); the store keeps only a salted scrypt
hash of it, and the plaintext travels once, on the ``Submitted`` record, to be printed
on the receipt (as digits and inside the QR code). Reading the reply or rating the item needs it
(``kiosk.lookup.answers``); without it a code shows only the item's state (docs/security.md,
"Receipt secret").

10^6 possible secrets are few against a stolen database: the hash is no defence there
(and such a thief can read the replies in the same file anyway). The hash keeps the
number itself off the disk and off every backup or support dump; guessing at the kiosk,
the only place the secret is accepted, is stopped by the failed-lookup limit in
``kiosk.lookup.answers``. The scrypt cost is modest on purpose (N = 2^11, r = 8: 2 MiB and a
few milliseconds; ``tests/bench/bench_itemsecret.py`` prints the figures for a machine):
it is paid inside every submission's commit latency (docs/store.md) and every lookup
with a secret, and no cost makes 10^6 candidates slow to try offline. The parameters
are stored with each hash, so raising them later keeps old hashes valid.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

DIGITS = 6

# scrypt cost: N = 2**LOG2_N, r, p (RFC 7914). See the module docstring for why modest.
LOG2_N, R, P = 11, 8, 1
_SALT_BYTES, _KEY_BYTES = 16, 32
_PREFIX = "scrypt"

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


def hash_secret(secret: str) -> str:
    """The stored form of *secret*: ``scrypt$<log2 N>$<r>$<p>$<salt>$<key>`` (base64)."""
    secret = normalise(secret)
    salt = secrets.token_bytes(_SALT_BYTES)
    key = _derive(secret, salt, LOG2_N, R, P)
    return "$".join((_PREFIX, str(LOG2_N), str(R), str(P), _b64(salt), _b64(key)))


def _parse(stored: str) -> tuple[int, int, int, bytes, bytes]:
    parts = str(stored or "").split("$")
    try:
        prefix, log2_n, r, p, salt, key = parts
        log2_n, r, p = int(log2_n), int(r), int(p)
        salt, key = base64.b64decode(salt, validate=True), base64.b64decode(key, validate=True)
        if prefix != _PREFIX or not (1 <= log2_n <= 20 and 1 <= r <= 32 and 1 <= p <= 4) or not salt or not key:
            raise ValueError(prefix)
    except ValueError:
        raise SecretHashError("the stored receipt-secret hash is malformed") from None
    return log2_n, r, p, salt, key


def check_hash(stored: str) -> None:
    """Raise :class:`SecretHashError` unless *stored* is a hash :func:`hash_secret` makes
    (the store refuses to write anything else, a plaintext secret above all)."""
    _parse(stored)


def matches(secret: str, stored: str) -> bool:
    """Whether *secret* is the one *stored* was made from (constant-time compare).

    A *secret* that is not 6 digits simply does not match; a malformed *stored* raises
    :class:`SecretHashError` (a damaged database must not look like a wrong guess).
    """
    log2_n, r, p, salt, key = _parse(stored)
    try:
        secret = normalise(secret)
    except SecretFormatError:
        return False
    return hmac.compare_digest(_derive(secret, salt, log2_n, r, p)[:len(key)], key)


def secret_matches(store, item_id: str, secret: str) -> bool | None:
    """Whether *secret* is the receipt secret of the item *item_id* in *store*; None
    when the item has none (committed before receipts carried one, or unknown). Raises
    :class:`SecretHashError` for a damaged hash."""
    stored = store.get_secret_hash(item_id)
    return None if stored is None else matches(secret, stored)


#: Where the secret travels in a receipt's QR payload: ``<code or lookup URL>#k=<digits>``
#: (docs/receipts.md). A URL fragment is never sent to a server by a browser (RFC 3986,
#: section 3.5), so a centre page behind ``receipt.lookup_url`` never learns the secret.
QR_MARK = "#k="


def with_qr_secret(payload: str, secret: str | None) -> str:
    """*payload* (the code or lookup URL) with the secret appended for the QR code."""
    return payload if secret is None else payload + QR_MARK + normalise(secret)
