"""What an item is, as one hash: its canonical digest, and the station's hash chain.

Both are defined here once, for the kiosk's store, its receipts, the wire and the
centre (docs/protocol.md, "The item chain" and "Signed receipts"):

* **digest** (version :data:`DIGEST_VERSION`): SHA-256 of the item's canonical JSON -
  an object with exactly the keys ``v`` (1), ``id``, ``station``, ``seq``, ``code`` (the
  compact digits), ``created_at``, ``clock_trusted``, ``text``, ``category``,
  ``anonymous``, ``source``, ``lang`` and ``attachments`` (each ``idx``, ``name``,
  ``kind``, ``media_type``, ``size``, ``sha256``, by ``idx``), keys sorted, no spaces,
  UTF-8 (``json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)``).
  An item that addresses a representative has one key more, ``representative_id``;
  without one the key is absent, so every item stored before representatives existed
  keeps the digest (and the link and receipt seal) it was given.
  The name and phone are left out on purpose: they are stored encrypted and purged
  after retention, and the digest must stay computable for as long as the item's row
  exists; the attachments are covered by their SHA-256 and size, which purging keeps.
* **link**: ``SHA-256("minyi-chain/1\\n" + station + "\\n" + seq as 8 bytes big-endian
  + previous link's hash (32 bytes) + digest (32 bytes))``, hex. The first item of a
  station links to :data:`GENESIS`. Each link names the one before it, so removing or
  rewriting an item breaks the chain at that item and every later link still says what
  was there.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Iterable, Mapping

DIGEST_VERSION = 1
#: The "previous hash" of a station's first link.
GENESIS = "0" * 64
_LINK_TAG = b"minyi-chain/1\n"
_HEX64 = re.compile(r"[0-9a-f]{64}")
ATTACHMENT_KEYS = ("idx", "name", "kind", "media_type", "size", "sha256")


def is_hash(value) -> bool:
    """True for a 64-digit lower-case hex string (a digest or a link hash)."""
    return isinstance(value, str) and bool(_HEX64.fullmatch(value))


def digest_of(*, id: str, station: str, seq: int, code: str, created_at: str, clock_trusted: bool,
              text: str | None, category: str | None, anonymous: bool, source: str | None,
              lang: str | None, attachments: Iterable[Mapping], representative_id: str | None = None) -> str:
    """The item's digest (hex) from its fields; *code* in any printed form (its digits count)."""
    doc = {
        "v": DIGEST_VERSION, "id": id, "station": station, "seq": seq,
        "code": re.sub(r"\D", "", str(code or "")), "created_at": created_at,
        "clock_trusted": bool(clock_trusted), "text": text or "", "category": category,
        "anonymous": bool(anonymous), "source": source, "lang": lang,
        "attachments": sorted(({k: a.get(k) for k in ATTACHMENT_KEYS} for a in attachments),
                              key=lambda a: (a["idx"] if isinstance(a["idx"], int) else -1)),
    }
    if representative_id is not None:
        doc["representative_id"] = representative_id
    raw = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(raw).hexdigest()


def item_digest(item) -> str:
    """The digest of a stored :class:`~kiosk.core.records.Item` (read with its attachments)."""
    return digest_of(id=item.id, station=item.station, seq=item.seq, code=item.code.compact,
                     created_at=item.created_at, clock_trusted=item.clock_trusted, text=item.text,
                     category=item.category, anonymous=item.anonymous, source=item.source,
                     lang=item.lang, attachments=[
                         {"idx": a.idx, "name": a.name, "kind": a.kind, "media_type": a.media_type,
                          "size": a.size, "sha256": a.sha256} for a in item.attachments],
                     representative_id=item.representative_id)


def meta_digest(meta: Mapping) -> str:
    """The digest of an item as the wire carries it (docs/protocol.md, the push metadata),
    or of any mapping with those keys: the store's items row with its attachments rows
    (kiosk/core/store/items.py) has them too."""
    atts = meta.get("attachments") if isinstance(meta.get("attachments"), list) else []
    return digest_of(id=meta.get("id"), station=meta.get("station"), seq=meta.get("seq"),
                     code=meta.get("code"), created_at=meta.get("created_at"),
                     clock_trusted=meta.get("clock_trusted"), text=meta.get("text"),
                     category=meta.get("category"), anonymous=meta.get("anonymous"),
                     source=meta.get("source"), lang=meta.get("lang"),
                     attachments=[a for a in atts if isinstance(a, Mapping)],
                     representative_id=meta.get("representative_id"))


def link_hash(station: str, seq: int, prev: str, digest: str) -> str:
    """The hash of the link for item *seq* of *station* (hex); see the module docstring."""
    h = hashlib.sha256(_LINK_TAG)
    h.update(station.encode("ascii") + b"\n" + int(seq).to_bytes(8, "big"))
    h.update(bytes.fromhex(prev) + bytes.fromhex(digest))
    return h.hexdigest()


@dataclass(frozen=True)
class Link:
    """One item's place in its station's chain."""

    seq: int
    prev: str
    hash: str

    def as_wire(self) -> dict:
        """The ``chain`` object of the item metadata (docs/protocol.md)."""
        return {"v": DIGEST_VERSION, "prev": self.prev, "hash": self.hash}


def next_link(station: str, seq: int, prev: str | None, digest: str) -> Link:
    """The link of item *seq* after the head *prev* (None: the station's first link)."""
    prev = prev or GENESIS
    return Link(seq, prev, link_hash(station, seq, prev, digest))


@dataclass(frozen=True)
class ChainBreak:
    """The first place a station's chain does not hold. ``kind``: ``missing`` (no item
    with this seq: a row deleted), ``unlinked`` (an item without its link), ``rewritten``
    (the item's content no longer gives its link's hash), ``broken`` (its previous hash is
    not the hash of the item before it) or ``head`` (the station's recorded head is not
    its newest link)."""

    station: str
    seq: int
    kind: str
    detail: str

    def __str__(self) -> str:
        return f"station {self.station} seq {self.seq}: {self.detail}"


def find_break(station: str, items: Iterable, head: tuple[int, str | None]) -> ChainBreak | None:
    """The first :class:`ChainBreak` of *station*'s chain, or None when it is whole.

    *items* are the station's stored items, by seq, each with ``seq``, ``chain_prev``,
    ``chain_hash`` and its attachments (:func:`item_digest`); *head* is the store's
    ``(last seq, its hash)``. Reads nothing itself.
    """
    expected_seq, prev = 1, GENESIS
    for item in items:
        if item.seq != expected_seq:
            return ChainBreak(station, expected_seq, "missing",
                              f"no item with seq {_span(expected_seq, item.seq - 1)} (its row was removed); "
                              f"the chain goes on at {item.seq}")
        if not (is_hash(item.chain_prev) and is_hash(item.chain_hash)):
            return ChainBreak(station, item.seq, "unlinked", f"item {item.code} has no chain link")
        if item.chain_prev != prev:
            return ChainBreak(station, item.seq, "broken",
                              f"item {item.code} links to {item.chain_prev[:12]}…, but seq {item.seq - 1} "
                              f"hashes to {prev[:12]}…")
        if link_hash(station, item.seq, prev, item_digest(item)) != item.chain_hash:
            return ChainBreak(station, item.seq, "rewritten",
                              f"item {item.code} no longer matches its link (its text, category, time or "
                              "files were changed after it was stored)")
        expected_seq, prev = item.seq + 1, item.chain_hash
    last_seq, last_hash = head
    if last_seq >= expected_seq:
        return ChainBreak(station, expected_seq, "missing",
                          f"no item with seq {_span(expected_seq, last_seq)} (removed at the end of the chain)")
    if last_seq and last_hash != prev:
        return ChainBreak(station, last_seq, "head", "the station's recorded chain head is not its newest link")
    return None


def _span(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}-{last}"
