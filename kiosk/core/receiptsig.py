"""Signed receipts: what a receipt's QR code carries so anyone can check it offline.

The QR payload (docs/protocol.md, "Signed receipts"; docs/receipts.md) is the code or
lookup URL, then a fragment of ``&``-separated fields:

    <code or receipt.lookup_url>#k=<receipt secret>&r=<seal>

``k`` is the receipt secret (kiosk/core/itemsecret.py). ``r`` is the **seal**, format
:data:`SEAL_VERSION`: ``1.<time>.<digest>.<signature>`` - the item's ``created_at`` in
Unix seconds, its digest (kiosk/core/chain.py; 32 bytes) and the station's Ed25519
signature (64 bytes), both base64url without padding: 143 characters. The signature
covers :func:`message`: ``"minyi-receipt/1\\n" + station + "\\n" + code digits + "\\n" +
time + "\\n" + digest``; the station is the code's first four digits. Receipts printed
before seals have no ``r`` (and the oldest no ``k``): their answers still open, and
:func:`check` calls them ``unsigned``.

What a seal proves: the station holding that key issued a receipt for this code, at
this time, for an item with this digest. It does not prove the item reached the centre
(the chain and the centre's continuity check do that), and a station whose key was
stolen can be impersonated until the centre pins a new one.
"""

from __future__ import annotations

import base64
import enum
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Mapping

from kiosk.core import chain, clock, stationkey, trackcode
from kiosk.core.trackcode import TrackingCode

SEAL_VERSION = 1
_TAG = b"minyi-receipt/1\n"
_SEAL = re.compile(r"1\.([0-9]{1,12})\.([A-Za-z0-9_-]{43})\.([A-Za-z0-9_-]{86})")


class ReceiptPayloadError(ValueError):
    """A scanned payload is not one of our receipts (``str()`` says what is wrong)."""


class Verdict(str, enum.Enum):
    """What checking a receipt found."""

    AUTHENTIC = "authentic"              # signed by the pinned key of the code's station
    FORGED = "forged"                    # that station's key did not sign this (or the seal is malformed)
    UNKNOWN_STATION = "unknown_station"  # no key known for the code's station
    UNSIGNED = "unsigned"                # printed before receipts carried a seal


@dataclass(frozen=True)
class Seal:
    """The signed part of a receipt."""

    created: int        # the item's created_at, Unix seconds
    digest: str         # hex, kiosk.core.chain
    signature: bytes

    def text(self) -> str:
        """The ``r=`` value of the QR fragment."""
        return f"{SEAL_VERSION}.{self.created}.{_b64(bytes.fromhex(self.digest))}.{_b64(self.signature)}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def unix_seconds(iso: str) -> int:
    """An ISO 8601 time (UTC when it has no offset) as whole Unix seconds."""
    return int(clock.parse_utc(iso).timestamp())


def message(code: TrackingCode, created: int, digest: str) -> bytes:
    """The bytes a seal's signature covers."""
    return (_TAG + f"{code.station}\n{code.compact}\n{created}\n".encode("ascii")
            + bytes.fromhex(digest))


def seal_item(key: stationkey.StationKey, item) -> Seal:
    """The seal of a stored item (read with its attachments); raises
    :class:`~kiosk.core.stationkey.StationKeyError` when the key cannot sign."""
    created, digest = unix_seconds(item.created_at), chain.item_digest(item)
    return Seal(created, digest, key.sign(message(item.code, created, digest)))


def try_seal(store, item) -> str | None:
    """The seal text for *item*'s receipt, or None when the station cannot sign: then a
    ``receipt_unsigned`` error event names why (the receipt still prints and opens the
    answer; ``kiosk doctor`` fails ``station_key``)."""
    try:
        return seal_item(store.station_key, item).text()
    except stationkey.StationKeyError as e:
        try:
            store.log_event("receipt_unsigned", f"receipt of {item.code} printed without a seal: {e}",
                            level="error", item_id=item.id)
        except Exception:  # the event log is best effort; the receipt matters more
            pass
        return None


def parse_seal(text: str) -> Seal:
    """The :class:`Seal` in an ``r=`` value; :class:`ReceiptPayloadError` when malformed."""
    m = _SEAL.fullmatch(str(text or ""))
    if not m:
        raise ReceiptPayloadError(f"the receipt's seal is not a version-{SEAL_VERSION} seal")
    return Seal(int(m[1]), _unb64(m[2]).hex(), _unb64(m[3]))


def with_seal(payload: str, seal: str | None) -> str:
    """*payload* (code or URL, maybe with ``#k=…``) with the seal field added."""
    if seal is None:
        return payload
    return payload + ("&r=" if "#" in payload else "#r=") + seal


def split_fragment(payload: str) -> tuple[str, dict[str, str]]:
    """``(code or URL, {"k": …, "r": …})`` of a QR payload. Raises
    :class:`ReceiptPayloadError` for a fragment field that is not ours, or twice."""
    base, mark, fragment = str(payload or "").partition("#")
    fields: dict[str, str] = {}
    if mark:
        for part in fragment.split("&"):
            key, eq, value = part.partition("=")
            if not eq or key not in ("k", "r") or key in fields:
                raise ReceiptPayloadError(f"the scanned code's part {part[:20]!r} is not a receipt field")
            fields[key] = value
    return base, fields


@dataclass(frozen=True)
class ReceiptCheck:
    """The verdict on one receipt, and what it claims."""

    verdict: Verdict
    code: TrackingCode
    reason: str
    created_at: str | None = None     # the seal's time, UTC ISO 8601
    digest: str | None = None
    key_fingerprint: str | None = None  # the key that was checked against
    content: str | None = None        # "matches" / "differs" the item held here; None: not held

    @property
    def station(self) -> str:
        return self.code.station

    def as_dict(self) -> dict:
        return {"verdict": self.verdict.value, "code": str(self.code), "station": self.station,
                "created_at": self.created_at, "digest": self.digest,
                "key_fingerprint": self.key_fingerprint, "content": self.content, "reason": self.reason}


def check(code: TrackingCode | str, seal: str | None, keys: Mapping[str, str]) -> ReceiptCheck:
    """Check a receipt's *seal* for *code* against *keys* (station -> public key: the
    district's keys from the station config, and this station's own). No I/O."""
    if not isinstance(code, TrackingCode):
        code = trackcode.parse(code)
    if seal is None:
        return ReceiptCheck(Verdict.UNSIGNED, code, "the receipt carries no seal (printed before receipts "
                                                    "were signed): it cannot be proved either way")
    key = keys.get(code.station)
    try:
        parsed = parse_seal(seal)
    except ReceiptPayloadError as e:
        return ReceiptCheck(Verdict.FORGED if key else Verdict.UNKNOWN_STATION, code, str(e))
    when = datetime.fromtimestamp(parsed.created, timezone.utc).isoformat()
    claim = dict(created_at=when, digest=parsed.digest)
    if key is None:
        return ReceiptCheck(Verdict.UNKNOWN_STATION, code, f"no key is known for station {code.station}", **claim)
    fp = stationkey.fingerprint(key)
    if not stationkey.verify(key, message(code, parsed.created, parsed.digest), parsed.signature):
        return ReceiptCheck(Verdict.FORGED, code, f"the signature is not station {code.station}'s (key {fp}) "
                                                  "over this code, time and digest", key_fingerprint=fp, **claim)
    return ReceiptCheck(Verdict.AUTHENTIC, code, f"signed by station {code.station} (key {fp})",
                        key_fingerprint=fp, **claim)
