"""Submit → store commit → print, on a worker thread; the result hops back to the UI.

The order is the design's: the item is committed (files fsynced, one transaction)
before anything is printed or shown; printing problems never lose the item, they only
change the done screen's message. The submission layer hands the print step the
receipt it prints (kiosk.core.records.Submitted); nothing is read back from the store.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from kiosk.app.services import PrintOutcome
from kiosk.app.services.printing import print_failure

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Snapshot:
    """What is being submitted: the session's fields for kiosk.core.submission.submit,
    copied on the UI thread before the worker starts (one copy, no parallel fields)."""

    fields: dict = field(repr=False)  # holds the resident's name, phone and ID number


@dataclass(frozen=True)
class SubmitOutcome:
    """A stored item's tracking code and what became of its receipt."""

    code: str
    printing: PrintOutcome
    # The receipt secret (kiosk/core/itemsecret.py), shown with the code: when the receipt
    # does not print, the screen is the only place the resident can note it.
    secret: str | None = field(default=None, repr=False)


def snapshot(session, lang: str) -> Snapshot:
    """Copy what submit() needs out of the session (UI thread)."""
    return Snapshot(dict(text=session.text, category=session.category, anonymous=session.anonymous,
                         name=None if session.anonymous else session.name,
                         phone=None if session.anonymous else session.phone,
                         id_number=None if session.anonymous or session.id_card is None
                         else session.id_card.id_number,
                         attachments=session.attachments(), source=session.source or "text", lang=lang,
                         representative_id=session.representative_id))


def submit_and_print(services, snap: Snapshot) -> SubmitOutcome:
    """Worker body: commit, then print. Raises SubmissionError / StoreError from submit;
    once the item is stored nothing raises (the code must reach the screen)."""
    submitted = services.submission.submit(**snap.fields)
    try:
        printing = services.printing.print_receipt(submitted)
    except Exception as e:  # the receipt layer promises not to raise; a bug must not hide the item
        log.exception("printing raised after the commit")
        printing = print_failure(e)
    return SubmitOutcome(code=str(submitted.item.code), printing=printing, secret=submitted.secret)
