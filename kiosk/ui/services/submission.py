"""Storing the resident's item (kiosk.submission) and the categories they may choose."""

from __future__ import annotations

import logging

from kiosk import submission
from kiosk.categories import Categories, current_categories
from kiosk.diskguard import DiskState
from kiosk.records import Item

log = logging.getLogger(__name__)


class SubmissionService:
    """Validation and the durable commit, and the categories valid now."""

    def __init__(self, cfg, store):
        self.cfg = cfg
        self.store = store

    def categories(self) -> Categories:
        """The categories valid now (the centre's station config, else the local config)."""
        cats = current_categories(self.store, self.cfg)
        if cats.problem:
            log.warning("categories: %s", cats.problem)
        return cats

    def category_name(self, category_id: str, lang: str) -> str | None:
        """The category's name in *lang*, or None when it is not valid now."""
        return self.categories().name(category_id, lang)

    def checked_identity(self, name: str, phone: str) -> tuple[str, str]:
        """The cleaned name and normalised phone of a real-name item; raises
        SubmissionError whose ``field`` is "name" or "phone"."""
        return submission.check_name(name), submission.normalise_phone(phone)

    def disk_reading(self):
        """The disk guard's look at the data dir (kiosk/diskguard.py); one statvfs."""
        return self.store.guard.read()

    def disk_is_critical(self) -> bool:
        """True while the disk guard refuses every new item (the kiosk is out of service)."""
        return self.disk_reading().state is DiskState.CRITICAL

    def submit(self, **fields) -> Item:
        """Validate and commit one item (kiosk.submission.submit). Blocking; raises
        SubmissionError / StoreError / DiskFullError / MediaRefusedError / OutOfServiceError."""
        return submission.submit(self.store, self.cfg, **fields)
