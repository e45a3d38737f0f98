"""Submission rules: turn what a resident gave us into a validated Draft and commit it.

The CLI (`kiosk submit`) and the touchscreen app both go through :func:`submit`, so the
rules below hold for every path into the store.
"""

from __future__ import annotations

import mimetypes
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from kiosk.core.categories import Categories, current_categories, local_categories
from kiosk.core.records import Item
from kiosk.config.tree import Config
from kiosk.core.store import Draft, NewAttachment, Store

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


class SubmissionError(ValueError):
    """The submission breaks a rule. ``field`` names what is wrong, ``str()`` says how."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


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


def check_attachments(atts: list[AttachmentInput], cfg: Config) -> tuple[NewAttachment, ...]:
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


def build_draft(cfg: Config, *, text: str = "", category: str | None = None, anonymous: bool = True,
                name: str | None = None, phone: str | None = None,
                attachments: list[AttachmentInput] | None = None, source: str = "cli",
                lang: str = "zh-CN", categories: Categories | None = None) -> Draft:
    """Apply every submission rule; raise :class:`SubmissionError` naming the problem.

    *categories* are the ones valid now (:func:`kiosk.core.categories.current_categories`);
    without them, the local config's.
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
        if name or phone:
            raise SubmissionError("identity", "an anonymous item cannot carry a name or phone number")
        name = phone = None
    else:
        name = check_name(name or "")
        phone = normalise_phone(phone or "")
    return Draft(text=text, category=category or None, anonymous=anonymous, name=name, phone=phone,
                 source=source, lang=lang, attachments=atts,
                 max_attachment_bytes=cfg.submission.max_attachment_bytes)


def submit(store: Store, cfg: Config, **fields) -> Item:
    """Validate and durably commit one item; returns it with its tracking code.

    The category must be one valid now: the centre's (applied station config), else the
    local config's (:func:`kiosk.core.categories.current_categories`).
    """
    return store.commit_item(build_draft(cfg, categories=current_categories(store, cfg), **fields))
