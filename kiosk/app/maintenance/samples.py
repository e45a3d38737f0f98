"""Sample content for the service pages in `kiosk screens` and the accessibility audit."""

from __future__ import annotations

import time

from kiosk.maintenance.status import LogTail, QueueEntry, QueueListing

SAMPLE_QUEUE = QueueListing(
    pending=[QueueEntry("0371-000047-9", "2026-12-01T08:12:00+00:00", "traffic", 412_000, 1, "pending", 0, None)],
    held=[QueueEntry("0371-000046-5", "2026-12-01T07:55:00+00:00", "urban", 1_240_000, 2, "held", 4,
                     "HTTP 500: internal error")],
    quarantined=[QueueEntry("0371-000045-4", "2026-11-30T21:03:00+00:00", None, 96_000, 1, "quarantined", 1,
                            "centre rejected the item: HTTP 422: attachment 0 does not match its manifest")])


def _settle(h, page) -> None:
    """Let the page's own refresh (a worker) finish before sample content goes in."""
    end = time.monotonic() + 5
    while page.busy and time.monotonic() < end:
        h.pump(1)
        time.sleep(0.01)
    h.pump(2)


def show_service_sample(h, sample: str) -> None:
    """Put the app on the service page *sample* with plausible content (nothing is opened)."""
    app = h.app
    page = h.screen(sample)
    if sample == "service-pin":
        page.clear()
    app.go(sample)
    _settle(h, page)
    if sample == "service-pin":
        page.entered = "1234"
        page.message = app.t("service.pin_wrong", tries=3)
    elif sample == "service-selftests":
        page._show_row("printer", {"passed": True, "at": "2026-12-01T01:30:00+00:00", "detail": "test page printed",
                                   "reason": "printer_printed"})
        page._show_row("microphone", {"passed": False, "at": "2026-12-01T01:31:00+00:00",
                                      "detail": "the microphone delivered only digital silence",
                                      "reason": "mic_silent"})
    elif sample == "service-queue":
        page._show(SAMPLE_QUEUE)
    elif sample == "service-logs":
        page._show(([LogTail("journal: minyi-kiosk-ui, minyi-kiosk-sync",
                             ["2026-12-01T09:00:01 kiosk.sync WARNING centre unreachable, will retry with backoff"])],
                    [{"at": "2026-12-01T09:30:00", "level": "info", "kind": "service_pin_ok",
                      "message": "service PIN accepted (pad)"}]))
    elif sample == "service-export":
        page.targets = ["/media/kiosk/USB"]
        page.progress = 0.4
    elif sample == "service-system":
        page.code_text = "0371000045"
    h.pump(3)
