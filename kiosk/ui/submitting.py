"""Submit → store commit → print, on a worker thread; the result hops back to the UI.

The order is the design's: the item is committed (files fsynced, one transaction)
before anything is printed or shown; printing problems never lose the item, they only
change the done screen's message.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from kiosk.ui.services import PrintResult

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Snapshot:
    """The session's fields, copied on the UI thread before the worker starts."""

    fields: dict
    name: str | None
    phone: str | None


@dataclass(frozen=True)
class Outcome:
    """What the done screen shows."""

    code: str
    item_id: str
    printed: bool
    print_reason: str | None
    # The receipt secret (kiosk/itemsecret.py), shown with the code: when the receipt
    # does not print, the screen is the only place the resident can note it.
    secret: str | None = field(default=None, repr=False)


def snapshot(session, lang: str) -> Snapshot:
    """Copy what submit() needs out of the session (UI thread)."""
    fields = dict(text=session.text, category=session.category, anonymous=session.anonymous,
                  name=None if session.anonymous else session.name,
                  phone=None if session.anonymous else session.phone,
                  attachments=session.attachments(), source=session.source or "text", lang=lang)
    return Snapshot(fields, fields["name"], fields["phone"])


def submit_and_print(services, snap: Snapshot) -> Outcome:
    """Worker body: commit, then print. Raises SubmissionError / StoreError from submit."""
    item = services.submit(**snap.fields)
    try:
        printed = services.print_receipt(item, name=snap.name, phone=snap.phone)
    except Exception as e:  # printing must never undo or hide a stored item
        log.exception("printing failed after commit")
        printed = PrintResult(False, str(e))
    return Outcome(code=str(item.code), item_id=item.id, printed=printed.printed,
                   print_reason=printed.reason, secret=item.secret)
