"""The configuration tree: one frozen dataclass per TOML section.

Sections owned by later capabilities live next to their code (``kiosk/config/sync.py``
and so on) and are only assembled here, so that each capability can grow its keys
without touching the others. Every key is documented in ``docs/config.md``; a test
fails when one is not.

Rules for a section class: frozen dataclass, defaults that run on a developer PC with
no hardware, a ``validate()`` that raises ``ValueError("key: what is expected")`` for
bad values, and an optional ``resolve_paths(base)`` returning a copy with paths made
absolute.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

# Each capability contributes its section from its own settings module. Those modules are
# config records only: they import no driver, no UI and no Kivy at import time (a test
# checks this), so the sync daemon loading the config pulls in none of them.
from kiosk.config.codereader import CodeReaderSettings
from kiosk.config.idcard import IdCardReaderSettings
from kiosk.core import trackcode
from kiosk.core.categories import DEFAULT_CATEGORIES, Category
from kiosk.config.media import CameraSettings, ScannerSettings
from kiosk.config.receipt import PrinterSettings, ReceiptSettings
from kiosk.config.service import ServiceSettings
from kiosk.config.sync import CentralDevSettings, SyncSettings
from kiosk.config.ui import UISettings
from kiosk.config.voice import ASRSettings, MicrophoneSettings


@dataclass(frozen=True)
class StationSettings:
    """Who this kiosk is: printed on receipts, part of every tracking code."""

    number: str = "0001"
    name: str = "24小时民意工作站"

    def validate(self) -> None:
        if not trackcode.is_station(self.number):
            raise ValueError(f"number: expected exactly 4 digits as a string, e.g. \"0371\", got {self.number!r}")
        if not self.name.strip():
            raise ValueError("name: expected a non-empty station name")


DEFAULT_MEDIA_TYPES = ("audio/wav", "image/jpeg", "image/png", "application/pdf", "text/plain")


@dataclass(frozen=True)
class SubmissionSettings:
    """What a resident may submit."""

    max_text_chars: int = 5000
    categories: list[Category] = DEFAULT_CATEGORIES
    max_attachments: int = 12
    max_attachment_bytes: int = 25 * 1024 * 1024
    allowed_media_types: list[str] = DEFAULT_MEDIA_TYPES

    def validate(self) -> None:
        if not 1 <= self.max_text_chars <= 100_000:
            raise ValueError(f"max_text_chars: expected 1 to 100000, got {self.max_text_chars}")
        if not self.categories:
            raise ValueError("categories: expected at least one category")
        ids = [c.id for c in self.categories]
        dup = {i for i in ids if ids.count(i) > 1}
        if dup:
            raise ValueError(f"categories: duplicate id {sorted(dup)[0]!r}")
        if not 0 <= self.max_attachments <= 100:
            raise ValueError(f"max_attachments: expected 0 to 100, got {self.max_attachments}")
        if not 1 <= self.max_attachment_bytes <= 2 * 1024**3:
            raise ValueError(f"max_attachment_bytes: expected 1 to 2147483648, got {self.max_attachment_bytes}")
        for t in self.allowed_media_types:
            if not re.fullmatch(r"[a-z]+/[a-z0-9.+-]+", t):
                raise ValueError(f"allowed_media_types: expected media types like \"image/jpeg\", got {t!r}")

    def category(self, id: str) -> Category | None:
        """The category with this id, or None."""
        return next((c for c in self.categories if c.id == id), None)


@dataclass(frozen=True)
class StorageSettings:
    """Where items live on disk."""

    data_dir: str = ""
    key_file: str = ""
    # The station's Ed25519 signing key (receipts, USB bundles: kiosk/core/stationkey.py);
    # "" = station-signing.key beside key_file, outside the data dir like it.
    signing_key_file: str = ""
    min_free_mb: int = 200
    hard_floor_mb: int = 50

    def validate(self) -> None:
        if self.min_free_mb < 0:
            raise ValueError(f"min_free_mb: expected 0 or more, got {self.min_free_mb}")
        if not 0 <= self.hard_floor_mb <= self.min_free_mb:
            raise ValueError(f"hard_floor_mb: expected 0 to min_free_mb ({self.min_free_mb}), "
                             f"got {self.hard_floor_mb}")

    def resolve_paths(self, base: Path) -> "StorageSettings":
        data = Path(self.data_dir).expanduser() if self.data_dir else Path(
            platformdirs.user_data_dir("minyi-kiosk", appauthor=False))
        if not data.is_absolute():
            data = base / data
        # The PII key lives beside, not inside, the data dir by default so that a copy of
        # the data dir (a USB export, a backup) does not carry the key that opens it.
        key = Path(self.key_file).expanduser() if self.key_file else data.parent / (data.name + "-keys") / "pii.key"
        if not key.is_absolute():
            key = base / key
        signing = Path(self.signing_key_file).expanduser() if self.signing_key_file else \
            key.parent / "station-signing.key"
        if not signing.is_absolute():
            signing = base / signing
        return dataclasses.replace(self, data_dir=str(data), key_file=str(key), signing_key_file=str(signing))

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir)

    @property
    def db_path(self) -> Path:
        return self.data_path / "kiosk.db"


@dataclass(frozen=True)
class Config:
    """The whole configuration file."""

    station: StationSettings = field(default_factory=StationSettings)
    submission: SubmissionSettings = field(default_factory=SubmissionSettings)
    storage: StorageSettings = field(default_factory=StorageSettings)
    sync: SyncSettings = field(default_factory=SyncSettings)
    central_dev: CentralDevSettings = field(default_factory=CentralDevSettings)
    microphone: MicrophoneSettings = field(default_factory=MicrophoneSettings)
    asr: ASRSettings = field(default_factory=ASRSettings)
    printer: PrinterSettings = field(default_factory=PrinterSettings)
    receipt: ReceiptSettings = field(default_factory=ReceiptSettings)
    camera: CameraSettings = field(default_factory=CameraSettings)
    scanner: ScannerSettings = field(default_factory=ScannerSettings)
    code_reader: CodeReaderSettings = field(default_factory=CodeReaderSettings)
    id_card_reader: IdCardReaderSettings = field(default_factory=IdCardReaderSettings)
    ui: UISettings = field(default_factory=UISettings)
    service: ServiceSettings = field(default_factory=ServiceSettings)

    def device_kinds(self) -> dict[str, str]:
        """Every device this config enables, with its driver kind (named as in
        ``kiosk.core.devicehealth.DEVICES``: the heartbeat and the self-tests ask this)."""
        out = {}
        if self.printer.kind != "none":
            out["printer"] = self.printer.kind
        if self.microphone.kind != "none":
            out["microphone"] = self.microphone.kind
        if self.camera.enabled:
            out["camera"] = self.camera.kind
        if self.scanner.enabled:
            out["scanner"] = self.scanner.kind
        if self.code_reader.kind != "none":
            out["code_reader"] = self.code_reader.kind
        if self.id_card_reader.kind != "none":
            out["id_card_reader"] = self.id_card_reader.kind
        return out

    def central_data_dir(self) -> Path:
        """Where ``kiosk central-dev`` keeps its own data: ``central_dev.data_dir``, else
        ``<storage.data_dir>-central`` beside the kiosk's data (docs/sync.md)."""
        if self.central_dev.data_dir:
            return Path(self.central_dev.data_dir)
        d = self.storage.data_path
        return d.with_name(d.name + "-central")
