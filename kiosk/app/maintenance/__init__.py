"""The touchscreen service menu for maintenance staff (docs/service.md).

Entry: a long press on the home screen's top-left corner opens the PIN pad; the pages
(one .kv each in kiosk/app/kv/service_*.kv) share one navigation bar. The menu leaves by
itself after ``service.idle_timeout_s`` without a touch. Everything it does goes through
:class:`kiosk.app.maintenance.actions.ServiceActions`.
"""

from __future__ import annotations

from pathlib import Path

#: Screen name -> kv file stem, in the navigation bar's order (the PIN pad first).
PAGES = {
    "service-pin": "service_pin",
    "service-status": "service_status",
    "service-selftests": "service_selftests",
    "service-queue": "service_queue",
    "service-logs": "service_logs",
    "service-export": "service_export",
    "service-config": "service_config",
    "service-system": "service_system",
}


def is_service_page(name: str | None) -> bool:
    """Is *name* one of the service menu's screens?"""
    return bool(name) and name in PAGES


def load_kv(kv_dir: Path) -> None:
    """Register the pages' classes and load their kv rules (once, from ``kiosk.app.kioskapp.load_kv``)."""
    from kivy.lang import Builder

    from kiosk.app.maintenance import pages  # noqa: F401  (registers the classes with the Factory)
    for stem in ("service_widgets", *PAGES.values()):
        Builder.load_file(str(kv_dir / f"{stem}.kv"))


def add_pages(sm) -> None:
    """Add every service page to the app's ScreenManager (a LazyScreenManager: each page is
    made when first shown, kiosk/app/lazyscreens.py)."""
    from functools import partial

    from kiosk.app.maintenance import pages
    for name, cls in pages.PAGE_CLASSES.items():
        sm.defer(name, partial(cls, name=name))
