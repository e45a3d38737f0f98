"""Plain records the store takes and hands out. No I/O here."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.core.trackcode import TrackingCode


class ItemState(str, enum.Enum):
    """An item's life: kiosk-driven until delivered, then centre-driven."""

    STORED = "stored"
    DELIVERED = "delivered"
    ACCEPTED = "accepted"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    REPLIED = "replied"
    CLOSED = "closed"


CENTRE_STATES = tuple(s.value for s in ItemState if s not in (ItemState.STORED, ItemState.DELIVERED))


class Stage(str, enum.Enum):
    """The loop's stages an update from the centre carries (docs/protocol.md, protocol 4):
    受理 分流 处置 跟踪 督办 反馈 评价, a new round of 不满意再办, 办结."""

    ACCEPTED = "accepted"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    FOLLOWED_UP = "followed_up"   # a staff note: no change of stage
    ESCALATED = "escalated"
    REPLIED = "replied"
    RATED = "rated"
    REOPENED = "reopened"         # its update carries the NEW round
    CLOSED = "closed"


STAGES = tuple(s.value for s in Stage)
#: The longest staff note, department name or resident's reason on the wire (docs/openapi.yaml).
MAX_NOTE_CHARS = 1_000


class Delivery(str, enum.Enum):
    """Where an item (or rating) is in the forwarding queue."""

    PENDING = "pending"
    DELIVERED = "delivered"
    QUARANTINED = "quarantined"
    # Ratings only: the centre answered 409/422 (the round is rated already, has no reply,
    # the matter is closed). Final: never sent again, not delivered; ``last_error`` keeps
    # the centre's words.
    REFUSED = "refused"


class Rating(str, enum.Enum):
    """满意 / 基本满意 / 不满意."""

    SATISFIED = "satisfied"
    BASICALLY_SATISFIED = "basically_satisfied"
    UNSATISFIED = "unsatisfied"


#: The rating words, as the protocol and the store spell them.
RATINGS = tuple(r.value for r in Rating)


@dataclass(frozen=True)
class Attachment:
    """One stored file of an item."""

    id: int
    item_id: str
    idx: int
    kind: str
    name: str
    media_type: str
    size: int
    sha256: str
    integrity: str
    purged: bool
    path: Path  # absolute path on this kiosk


@dataclass(frozen=True)
class Item:
    """A committed item. Personal data is decrypted only on request (see Store)."""

    id: str
    code: TrackingCode
    seq: int
    station: str
    created_at: str
    clock_trusted: bool
    text: str
    category: str | None
    anonymous: bool
    source: str
    lang: str
    state: str
    delivery: str
    delivered_at: str | None
    delivered_via: str | None
    attempts: int
    last_error: str | None
    quarantine_reason: str | None
    integrity: str
    centre_status: str | None
    centre_reply: str | None
    centre_updated_at: str | None
    purged_at: str | None
    attachments: tuple[Attachment, ...] = ()
    # A receipt secret was issued. Only its hash is stored; the plaintext lives only on the
    # Submitted / Reissued record that prints it (below).
    has_secret: bool = False
    # The item's link in its station's hash chain (kiosk/core/chain.py); None only for a
    # row that lost it (``kiosk doctor`` names it).
    chain_prev: str | None = None
    chain_hash: str | None = None
    # The representative the item addresses (the centre's id) and their name as the station
    # config gave it at submission (the receipt prints it); None: nobody in particular.
    representative_id: str | None = None
    representative_name: str | None = None
    # Kept out of repr() so that an item printed into a log never carries them.
    name: str | None = field(default=None, repr=False)
    phone: str | None = field(default=None, repr=False)
    # From the resident's ID card (docs/idcard.md); None when typed. Show only
    # kiosk.core.pii.mask_id_number of it.
    id_number: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class NewAttachment:
    """An attachment about to be committed: a file to copy, or bytes."""

    name: str          # plain file name (validated by kiosk.core.submission)
    media_type: str
    kind: str          # audio / photo / scan / file
    source: Path | bytes


@dataclass(frozen=True)
class Draft:
    """A validated submission (see kiosk.core.submission), still in plaintext: the
    submission layer turns it into a :class:`NewItem` before anything reaches the store."""

    text: str
    category: str | None
    anonymous: bool
    name: str | None
    phone: str | None
    source: str
    lang: str
    attachments: tuple[NewAttachment, ...]
    max_attachment_bytes: int
    representative_id: str | None = None     # checked against the applied station config
    representative_name: str | None = None
    id_number: str | None = field(default=None, repr=False)   # from the ID card; None when typed


@dataclass(frozen=True)
class NewItem:
    """The complete row of an item about to be committed, built by kiosk.core.submission:
    the personal data is already encrypted and the receipt secret already hashed, so
    ``Store.commit_item`` only writes it (and allocates id, sequence number and code)."""

    text: str
    category: str | None
    anonymous: bool
    name_enc: str | None = field(repr=False)   # Cipher.encrypt(name); None when anonymous
    phone_enc: str | None = field(repr=False)
    source: str
    lang: str
    secret_hash: str = field(repr=False)       # kiosk.core.itemsecret.hash_secret
    attachments: tuple[NewAttachment, ...]
    max_attachment_bytes: int
    representative_id: str | None = None
    representative_name: str | None = None
    id_number_enc: str | None = field(default=None, repr=False)   # Cipher.encrypt(ID number)


@dataclass(frozen=True)
class ReceiptContent:
    """Everything an item's receipt prints, resolved before printing: the print step
    (kiosk.receipt.printing) reads neither the store nor the categories. Personal data
    and the secret are kept out of repr() so that a record printed into a log never
    carries them."""

    item: Item
    secret: str | None = field(repr=False)          # plaintext receipt secret (only here)
    category_name: str | None                       # in the item's language; None: not sure
    name: str | None = field(repr=False)            # real name; None when anonymous
    masked_phone: str | None = field(repr=False)    # kiosk.core.pii.mask_phone
    # kiosk.core.pii.mask_id_number: the last 4 characters only; None when not read from a card.
    masked_id_number: str | None = field(default=None, repr=False, kw_only=True)
    # The station's signature for the QR code (kiosk/core/receiptsig.py); None when the
    # station could not sign (its key is missing or broken: the receipt prints unsigned).
    seal: str | None = field(default=None, kw_only=True)


@dataclass(frozen=True)
class Submitted(ReceiptContent):
    """What kiosk.core.submission.submit returns: the committed item and its receipt."""


@dataclass(frozen=True)
class Reissued(ReceiptContent):
    """A staff reprint's receipt with a NEW secret (kiosk.core.reprint.reissue): the store
    still holds the old hash until :func:`kiosk.core.reprint.keep_reissued` stores
    ``secret_hash``, once the new receipt has left the kiosk."""

    secret_hash: str = field(repr=False)


@dataclass(frozen=True)
class RatingToSend:
    """A pending rating of a delivered item, with what the centre needs to file it."""

    id: str            # UUID, the rating's idempotency key
    item_id: str
    rating: str
    created_at: str
    clock_trusted: bool
    code: str          # the item's compact tracking code
    station: str
    round: int = 1     # the round of 不满意再办 it rates
    reason: str | None = None   # the resident's words with an unsatisfied rating


@dataclass(frozen=True)
class CentreUpdate:
    """One update from the centre, checked (kiosk/sync/backchannel.py), as the store keeps
    it in ``status_history``. ``status`` is what an older kiosk understands; ``stage`` the
    loop's word (= status from a centre before protocol 4)."""

    status: str
    stage: str
    at: str
    round: int = 1
    reply: str | None = None
    department: str | None = None
    note: str | None = None
    rating: str | None = None       # only with stage "rated"
    escalated: bool = False


@dataclass(frozen=True)
class StageRecord:
    """One kept update of an item, oldest first from ``Store.loop_history``."""

    id: int
    status: str
    stage: str
    round: int
    at: str
    received_at: str | None
    reply: str | None
    department: str | None
    note: str | None
    rating: str | None
    escalated: bool


@dataclass(frozen=True)
class RatingRecord:
    """A resident's rating given at this kiosk, from ``Store.ratings_of``."""

    id: str
    rating: str
    round: int
    reason: str | None
    created_at: str
    delivery: str          # a Delivery value; "refused": the centre said no (``refusal``)
    refusal: str | None    # the centre's words when refused, else None
