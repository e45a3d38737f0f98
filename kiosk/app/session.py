"""What one resident has given so far — UI-free, wiped as a whole.

A session lives from the first tap on the home screen until the item is stored or the
idle timer fires. Everything it holds is in memory except the files in its own temp
directory (the recording written for replay); :meth:`Session.wipe` removes both, and a
wiped session is never submitted.

Work that outlives a tap (encoding a photo, processing a page, a recording, a lookup)
captures a :class:`WorkToken` when it starts; its result is delivered only while the
token is current, so a late result never lands in the next resident's session
(kiosk/app/feeds/mainthread.py drops it).
"""

from __future__ import annotations

import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.app.services.idcard import CardIdentity


@dataclass
class Page:
    """One processed letter page: JPEG bytes plus whether the page edges were found."""

    jpeg: bytes
    found_page: bool = True


@dataclass
class Session:
    """A resident's unfinished item."""

    tmp_root: Path
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    source: str | None = None          # voice / text / photo / letter
    text: str = ""
    audio: bytes | None = None         # WAV bytes of the recording
    audio_seconds: float = 0.0
    asr_available: bool = True
    photos: list[bytes] = field(default_factory=list)
    pages: list[Page] = field(default_factory=list)
    category: str | None = None        # None = "not sure"
    anonymous: bool = True
    name: str = ""
    phone: str = ""
    representative_id: str | None = None     # the representative addressed (None: nobody in particular)
    representative_name: str = ""            # as the board showed them, for the screens
    # Read from the resident's ID card on the identity screen (name and number only);
    # None when the name was typed. Stored encrypted with the item, shown only masked.
    id_card: "CardIdentity | None" = field(default=None, repr=False)
    wiped: bool = False

    @property
    def tmp_dir(self) -> Path:
        """This session's private temp dir (created on first use)."""
        d = self.tmp_root / self.id
        d.mkdir(parents=True, exist_ok=True, mode=0o700)
        return d

    def is_empty(self) -> bool:
        """True when the resident has not given anything yet."""
        return not (self.text or self.audio or self.photos or self.pages
                    or self.name or self.phone or self.category or self.representative_id)

    def attachments(self):
        """The AttachmentInput list for kiosk.core.submission.submit."""
        from kiosk.core.submission import AttachmentInput
        out = []
        if self.audio:
            out.append(AttachmentInput("recording.wav", self.audio, kind="audio", media_type="audio/wav"))
        for i, jpg in enumerate(self.photos, 1):
            out.append(AttachmentInput(f"photo-{i}.jpg", jpg, kind="photo", media_type="image/jpeg"))
        for i, page in enumerate(self.pages, 1):
            out.append(AttachmentInput(f"letter-page-{i}.jpg", page.jpeg, kind="scan", media_type="image/jpeg"))
        return out

    def drop_media(self) -> None:
        """Forget the recording, photos and letter pages; keep the text (a disk too low
        for media still stores text, docs/store.md)."""
        self.audio = None
        self.audio_seconds = 0.0
        self.photos.clear()
        self.pages.clear()

    def address(self, rep_id: str | None, name: str = "") -> None:
        """Address the item to representative *rep_id* (None: nobody in particular)."""
        self.representative_id, self.representative_name = rep_id, name if rep_id else ""

    def clear_audio(self) -> None:
        """Forget the recording (re-record)."""
        self.audio = None
        self.audio_seconds = 0.0
        self.text = ""

    def wipe(self) -> None:
        """Drop everything: memory, the recording file, the temp dir. Never submitted after."""
        shutil.rmtree(self.tmp_root / self.id, ignore_errors=True)
        self.text = self.name = self.phone = ""
        self.id_card = None
        self.audio = None
        self.photos.clear()
        self.pages.clear()
        self.category = None
        self.anonymous = True
        self.source = None
        self.representative_id, self.representative_name = None, ""
        self.wiped = True


    def token(self) -> "WorkToken":
        """A token for work starting now on behalf of this session."""
        return WorkToken(self)


class WorkToken:
    """Captured when a piece of work starts; stale once its session is wiped (cancel,
    idle, submitted) or the work is cancelled (the screen was left, re-record)."""

    __slots__ = ("_session", "_cancelled")

    def __init__(self, session: Session):
        self._session = session
        self._cancelled = False

    def cancel(self) -> None:
        """Make the token stale: whatever the work still delivers is dropped."""
        self._cancelled = True

    @property
    def current(self) -> bool:
        """True while results of the work may still be shown and kept."""
        return not self._cancelled and not self._session.wiped


def clean_tmp_root(tmp_root: Path) -> None:
    """Remove leftovers of sessions from an earlier run (power cut, crash)."""
    if tmp_root.is_dir():
        for child in tmp_root.iterdir():
            shutil.rmtree(child, ignore_errors=True)
