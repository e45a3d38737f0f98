"""Out of service: the disk is full; the station's hotline instead of a broken app.

Shown by the app (``KioskApp.check_disk``) while the disk guard reports ``critical``
(kiosk/core/diskguard.py, docs/store.md), or while a disk full since start-up keeps the store
from opening at all: nothing can be stored, so nothing is offered. The app leaves this
screen by itself once space is freed.
"""

from __future__ import annotations

from kiosk.app.screens.base import KioskScreen


class UnavailableScreen(KioskScreen):
    """No buttons but the speaker (its spoken prompt, for residents who cannot read):
    a resident can only be told where else to go."""

    def on_pre_enter(self, *_):
        self.refresh()

    def on_language(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        app = self.app
        hotline = app.cfg.receipt.hotline.strip()
        self.ids.body.text = (app.t("unavailable.body_hotline", hotline=hotline) if hotline
                              else app.t("unavailable.body"))
        self.ids.station.text = app.cfg.station.name
