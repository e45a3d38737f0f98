"""Submission rules: turn what a resident gave us into a validated item and commit it.

The CLI (`kiosk submit`) and the touchscreen app both go through :func:`submit`, so the
rules below hold for every path into the store. The trip (docs/architecture.md): the
categories valid now are read once; :func:`build_draft` validates (plaintext);
:func:`seal` encrypts the name, phone and ID number with the store's cipher and draws the receipt
secret and its keyed check (kiosk/core/itemsecret.py), giving the complete :class:`NewItem`;
``Store.commit_item`` only writes it. The :class:`Submitted` result carries what the
receipt prints (the secret, the category's name, the name and the masked phone), so
the print step reads neither the store nor the categories. Plaintext personal data goes
no further than this module.
"""

from __future__ import annotations

import mimetypes
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, Sequence

from kiosk.core import itemsecret, receiptsig
from kiosk.core.categories import Categories, current_categories, local_categories
from kiosk.core.pii import Cipher, IdNumberInvalid, PIIKeyError, mask_id_number, mask_phone, validate_id_number
from kiosk.core.receiptkey import ReceiptKey
from kiosk.core.records import Draft, NewAttachment, NewItem, Submitted
from kiosk.core.station_config import Representative, UnknownRepresentative, load_current
from kiosk.core.store import Store, StoreError

SOURCES = ("voice", "text", "photo", "letter", "cli")
KINDS = ("audio", "photo", "scan", "file")

# Mainland mobile: 1[3-9] + 9 digits. Landline: area code 0 + 2-3 digits, then 7-8
# digits (GB/T 13434 numbering), optionally with an extension.
MOBILE = re.compile(r"1[3-9]\d{9}")
LANDLINE = re.compile(r"0\d{2,3}\d{7,8}")
_PHONE_SEPARATORS = re.compile(r"[\s\-()（）]")

# File signatures (magic numbers) for the media types we accept, so a renamed file is
# caught before it reaches the centre.
_MAGIC = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "application/pdf": (b"%PDF-",),
    "audio/wav": (b"RIFF",),
    "audio/x-wav": (b"RIFF",),
    "audio/ogg": (b"OggS",),
    "audio/flac": (b"fLaC",),
}
_EXTRA_TYPES = {".wav": "audio/wav", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
                ".png": "image/png", ".pdf": "application/pdf", ".txt": "text/plain",
                ".ogg": "audio/ogg", ".flac": "audio/flac"}


class SubmissionRules(Protocol):
    """The ``[submission]`` limits these rules read (the config's section record fits;
    the core does not import kiosk.config, a layer above it)."""

    max_text_chars: int
    max_attachments: int
    max_attachment_bytes: int
    allowed_media_types: Sequence[str]
    categories: Sequence  # the local categories (kiosk.core.categories.local_categories)


class HasSubmissionRules(Protocol):
    """A config with a ``submission`` section (``kiosk.config.tree.Config``)."""

    submission: SubmissionRules


class SubmissionError(ValueError):
    """The submission breaks a rule. ``field`` names what is wrong, ``str()`` says how."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


class RepresentativeRefused(SubmissionError):
    """The item names a representative the applied station config does not have (or no
    station config has arrived yet); ``known`` lists the ids there are."""

    def __init__(self, message: str, known: tuple[str, ...]):
        self.known = known
        super().__init__("representative", message)


def find_representative(store: Store, rep_id: str) -> Representative:
    """The representative *rep_id* of the station config applied in *store*; raises
    :class:`RepresentativeRefused` naming the id and the known ones."""
    cfg = load_current(store)
    if cfg is None:
        raise RepresentativeRefused(f"unknown representative {rep_id!r:.60}: the centre has not sent a "
                                    "station config yet, so no representative is known", ())
    try:
        return cfg.representative(rep_id)
    except UnknownRepresentative as e:
        known = ", ".join(e.known) if e.known else "none"
        raise RepresentativeRefused(f"{e} (the station config's representatives: {known})", e.known) from None


@dataclass(frozen=True)
class AttachmentInput:
    """An attachment as offered: a file on disk or bytes, with its plain name."""

    name: str
    source: Path | bytes
    kind: str = "file"
    media_type: str | None = None  # guessed from the name when None


def clean_text(text: str) -> str:
    """NFC-normalise and strip control characters, keeping newlines and tabs."""
    text = unicodedata.normalize("NFC", text or "")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text
                   if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co")).strip()


def normalise_phone(phone: str) -> str:
    """Digits of a mainland mobile or landline number; raises SubmissionError otherwise."""
    raw = _PHONE_SEPARATORS.sub("", unicodedata.normalize("NFKC", phone or ""))
    if raw.startswith("+86"):
        raw = raw[3:]
    elif raw.startswith("0086"):
        raw = raw[4:]
    if MOBILE.fullmatch(raw) or LANDLINE.fullmatch(raw):
        return raw
    raise SubmissionError("phone", "phone number must be a mainland mobile (11 digits starting "
                                   "13-19) or a landline with area code (e.g. 0371-12345678)")


def check_name(name: str) -> str:
    """A real name: 1-50 characters after cleaning, no digits."""
    name = clean_text(name).replace("\n", " ")
    if not name:
        raise SubmissionError("name", "real-name items need the resident's name")
    if len(name) > 50:
        raise SubmissionError("name", "name is longer than 50 characters")
    if any(ch.isdigit() for ch in name):
        raise SubmissionError("name", "name must not contain digits")
    return name


def check_id_number(number: str) -> str:
    """An 18-character ID number (GB 11643 check character) in canonical form; raises
    SubmissionError("id_number") whose message never holds the number."""
    try:
        return validate_id_number(number)
    except IdNumberInvalid as e:
        raise SubmissionError("id_number", str(e)) from None


def check_attachment_name(name: str) -> str:
    """A plain file name: no directories, no '..', no control characters."""
    cleaned = unicodedata.normalize("NFC", name or "")
    if (not cleaned or cleaned in (".", "..") or "/" in cleaned or "\\" in cleaned
            or cleaned.startswith(".") or any(unicodedata.category(c) == "Cc" for c in cleaned)):
        raise SubmissionError("attachments", f"attachment name {name!r} must be a plain file name "
                                             "(no directories, no leading dot)")
    if len(cleaned.encode("utf-8")) > 200:
        raise SubmissionError("attachments", f"attachment name {name[:20]!r}… is too long")
    return cleaned


def _media_type(att: AttachmentInput, name: str) -> str:
    if att.media_type:
        return att.media_type
    ext = Path(name).suffix.lower()
    return _EXTRA_TYPES.get(ext) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def _head(source: Path | bytes, n: int = 16) -> bytes:
    if isinstance(source, (bytes, bytearray)):
        return bytes(source[:n])
    with open(source, "rb") as f:
        return f.read(n)


def check_attachments(atts: list[AttachmentInput], cfg: HasSubmissionRules) -> tuple[NewAttachment, ...]:
    """Validate names, types, sizes and count; return what the store commits."""
    sub = cfg.submission
    if len(atts) > sub.max_attachments:
        raise SubmissionError("attachments", f"too many attachments: {len(atts)} (at most {sub.max_attachments})")
    out = []
    for att in atts:
        name = check_attachment_name(att.name)
        if att.kind not in KINDS:
            raise SubmissionError("attachments", f"attachment kind {att.kind!r} is not one of {', '.join(KINDS)}")
        mt = _media_type(att, name)
        if mt not in sub.allowed_media_types:
            raise SubmissionError("attachments", f"attachment {name!r} has type {mt}, which is not allowed "
                                                 f"(allowed: {', '.join(sub.allowed_media_types)})")
        if isinstance(att.source, (bytes, bytearray)):
            size = len(att.source)
        else:
            try:
                size = Path(att.source).stat().st_size
            except OSError as e:
                raise SubmissionError("attachments", f"cannot read attachment {str(att.source)!r}: {e.strerror}") from None
            if not Path(att.source).is_file():
                raise SubmissionError("attachments", f"attachment {str(att.source)!r} is not a regular file")
        if size == 0:
            raise SubmissionError("attachments", f"attachment {name!r} is empty")
        if size > sub.max_attachment_bytes:
            raise SubmissionError("attachments", f"attachment {name!r} is {size} bytes, more than the "
                                                 f"limit of {sub.max_attachment_bytes}")
        magic = _MAGIC.get(mt)
        if magic and not any(_head(att.source).startswith(m) for m in magic):
            raise SubmissionError("attachments", f"attachment {name!r} does not contain {mt} data")
        out.append(NewAttachment(name=name, media_type=mt, kind=att.kind, source=att.source))
    return tuple(out)


def build_draft(cfg: HasSubmissionRules, *, text: str = "", category: str | None = None, anonymous: bool = True,
                name: str | None = None, phone: str | None = None,
                attachments: list[AttachmentInput] | None = None, source: str = "cli",
                lang: str = "zh-CN", categories: Categories | None = None,
                representative: Representative | None = None, id_number: str | None = None) -> Draft:
    """Apply every submission rule; raise :class:`SubmissionError` naming the problem.

    *categories* are the ones valid now (:func:`kiosk.core.categories.current_categories`);
    without them, the local config's. *representative* is the one the item addresses,
    already found in the station config (:func:`find_representative`).
    """
    text = clean_text(text)
    limit = cfg.submission.max_text_chars
    if len(text) > limit:
        raise SubmissionError("text", f"text is {len(text)} characters, more than the limit of {limit}")
    atts = check_attachments(list(attachments or []), cfg)
    if not text and not atts:
        raise SubmissionError("text", "an item needs text or at least one attachment")
    valid = categories if categories is not None else local_categories(cfg)
    if category is not None and category != "" and valid.get(category) is None:
        raise SubmissionError("category", f"unknown category {category!r} ({valid.describe()})")
    if source not in SOURCES:
        raise SubmissionError("source", f"source must be one of {', '.join(SOURCES)}")
    if anonymous:
        if name or phone or id_number:
            raise SubmissionError("identity", "an anonymous item cannot carry a name, phone or ID number")
        name = phone = id_number = None
    else:
        name = check_name(name or "")
        phone = normalise_phone(phone or "")
        id_number = check_id_number(id_number) if id_number else None
    return Draft(text=text, category=category or None, anonymous=anonymous, name=name, phone=phone,
                 source=source, lang=lang, attachments=atts,
                 max_attachment_bytes=cfg.submission.max_attachment_bytes,
                 representative_id=representative.id if representative else None,
                 representative_name=representative.name if representative else None, id_number=id_number)


def seal(draft: Draft, cipher: Cipher, receipt_key: ReceiptKey) -> tuple[NewItem, str]:
    """The complete row to commit for *draft* and the plaintext receipt secret.

    The name, phone and ID number are encrypted with *cipher* (the store's, kiosk/core/pii.py) and
    a new secret is drawn and checked with *receipt_key* (the store's,
    kiosk/core/itemsecret.py: microseconds; scrypt while that key is unusable) here,
    before the store's write lock is taken. Raises :class:`~kiosk.core.store.StoreError`
    when the personal-data key is unusable: with it nothing of a real-name item is stored.
    """
    try:
        name_enc, phone_enc = cipher.encrypt(draft.name), cipher.encrypt(draft.phone)
        id_number_enc = cipher.encrypt(draft.id_number)
    except PIIKeyError as e:
        raise StoreError(f"real-name item not stored: {e}") from None
    secret = itemsecret.issue()
    new = NewItem(text=draft.text, category=draft.category, anonymous=draft.anonymous,
                  name_enc=name_enc, phone_enc=phone_enc, source=draft.source, lang=draft.lang,
                  secret_hash=itemsecret.hash_secret(secret, receipt_key), attachments=draft.attachments,
                  max_attachment_bytes=draft.max_attachment_bytes,
                  representative_id=draft.representative_id, representative_name=draft.representative_name,
                  id_number_enc=id_number_enc)
    return new, secret


def submit(store: Store, cfg: HasSubmissionRules, *, representative_id: str | None = None,
           **fields) -> Submitted:
    """Validate and durably commit one item; returns it with what its receipt prints.

    *fields* are :func:`build_draft`'s. The category must be one valid now: the centre's
    (applied station config), else the local config's
    (:func:`kiosk.core.categories.current_categories`, read once here: the receipt is
    named from the same list). *representative_id* must be a representative of the
    applied station config. Raises :class:`SubmissionError` (:class:`RepresentativeRefused`
    for the representative), or what ``Store.commit_item`` raises.
    """
    categories = current_categories(store, cfg)
    rep = find_representative(store, representative_id) if representative_id else None
    draft = build_draft(cfg, categories=categories, representative=rep, **fields)
    new, secret = seal(draft, store.cipher, store.receipt_key)
    item = store.commit_item(new)
    return Submitted(item=item, secret=secret,
                     category_name=categories.name(item.category, item.lang) if item.category else None,
                     name=draft.name, masked_phone=mask_phone(draft.phone) if draft.phone else None,
                     masked_id_number=mask_id_number(draft.id_number) if draft.id_number else None,
                     seal=receiptsig.try_seal(store, item))  # after the commit: ~50 µs, no write
