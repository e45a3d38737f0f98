"""Storing the resident's item (kiosk.core.submission) and the categories they may choose."""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass

from kiosk.core import submission
from kiosk.core.categories import Categories, current_categories
from kiosk.core.diskguard import DiskState
from kiosk.core.records import Submitted

log = logging.getLogger(__name__)


class Outage(str, enum.Enum):
    """Why the kiosk is out of service (the app logs each change of cause once)."""

    STORE_CLOSED = "store_closed"    # a disk full since start-up keeps the store from opening
    DISK_CRITICAL = "disk_critical"  # below storage.hard_floor_mb: every write is refused
    STORE_BROKEN = "store_broken"    # the store failed to open for another reason


@dataclass(frozen=True)
class OutOfService:
    """The kiosk cannot store anything now: the cause and a line for the log."""

    cause: Outage
    detail: str


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
        """The disk guard's look at the data dir (kiosk/core/diskguard.py); one statvfs."""
        return self.store.guard.read()

    def out_of_service(self) -> OutOfService | None:
        """Why nothing can be stored now; None while the kiosk is in service.

        Out of service while the disk guard says critical, and while a disk full since
        start-up still keeps the store from opening: each call tries to open it again
        (``Store.try_open``, kiosk/core/store/connection.py), so the app recovers by itself once space is freed.
        """
        try:
            if not self.store.try_open():
                return OutOfService(Outage.STORE_CLOSED, "disk full: the store cannot be opened yet "
                                                         f"({self.disk_reading().describe()})")
        except Exception as e:  # e.g. a damaged database found once there is room: stay out of service
            return OutOfService(Outage.STORE_BROKEN, f"the store cannot be opened: {type(e).__name__}: {e}")
        reading = self.disk_reading()
        if reading.state is DiskState.CRITICAL:
            return OutOfService(Outage.DISK_CRITICAL, f"disk almost full: nothing is stored ({reading.describe()})")
        return None

    def submit(self, **fields) -> Submitted:
        """Validate and commit one item (kiosk.core.submission.submit); the result carries
        what its receipt prints. Blocking; raises
        SubmissionError / StoreError / DiskFullError / MediaRefusedError / OutOfServiceError."""
        return submission.submit(self.store, self.cfg, **fields)
