"""Printing a stored item's receipt (kiosk.receipt.printing) on the configured printer."""

from __future__ import annotations

from kiosk.receipt.printing import (ERROR, PAPER_OUT, PRINTED, SENT_UNCONFIRMED, PrintOutcome,
                                    print_item_receipt)

__all__ = ["PrintOutcome", "PrintingService", "print_failure", "PRINTED", "SENT_UNCONFIRMED", "PAPER_OUT",
           "ERROR"]


def print_failure(e: BaseException) -> PrintOutcome:
    """The outcome of a print job that raised (a bug below): not printed, status error."""
    return PrintOutcome(False, f"printing failed: {type(e).__name__}: {e}", ERROR)


class PrintingService:
    """Prints receipts; the outcome is the receipt layer's :class:`PrintOutcome` as is."""

    def __init__(self, cfg, store, devices):
        self.cfg = cfg
        self.store = store
        self.devices = devices

    def print_receipt(self, receipt, *, reprint: bool = False) -> PrintOutcome:
        """Print a receipt (*receipt*: the ``Submitted`` of a submission or the
        ``Reissued`` of a reprint, kiosk/core/records.py). Blocking; never raises for
        printer problems (the receipt layer logs ``print_failed`` for staff and says why
        in the outcome)."""
        return print_item_receipt(receipt, self.cfg, self.devices.printer(), store=self.store,
                                  reprint=reprint)
