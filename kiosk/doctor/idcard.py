"""`kiosk doctor`: does the ID-card reader answer.

Unlike the code reader, the ID-card reader answers a command without a card (the SAM
status check, docs/idcard.md), so an OK here proves the reader and its baud rate, not only
the port. Open, check and close run in a worker thread with a time limit (a wedged
USB-serial bridge can block ``open()``; kiosk/doctor/_probe.py). A reader another
program holds (normally the running app) is present and working. Nothing is written.
"""

from __future__ import annotations

from kiosk.config import ConfigError
from kiosk.doctor import SKIP, Check
from kiosk.doctor._probe import BUSY, FAILED, probe_reader

NAME = "id_card_reader"
TIMEOUT_S = 8.0
_OFF = "reading ID cards is off; residents type their name instead"


def _ask_status(reader, what: str) -> str:
    reader.open()
    try:
        return reader.check()
    finally:
        reader.close()


def _explain(e: Exception) -> tuple[str, str] | None:
    from drivers.idcard import IdCardBusy, IdCardError, IdCardStatusError, IdCardTimeout
    if isinstance(e, IdCardBusy):
        return BUSY, str(e)
    if isinstance(e, IdCardTimeout):
        return FAILED, f"{e}: no answer from the reader (powered? id_card_reader.baudrate right?)"
    if isinstance(e, IdCardStatusError):
        return FAILED, f"the reader reports a fault: {e}"
    if isinstance(e, IdCardError):
        return FAILED, str(e)
    return None


def probe(settings, timeout: float = TIMEOUT_S) -> Check:
    """Open the reader *settings* describe, ask its status, close it; never raises."""
    return probe_reader(settings, name=NAME, noun="ID-card reader", off=_OFF, timeout=timeout,
                        use=_ask_status, explain=_explain)


def checks(ctx) -> list[Check]:
    """The ID-card reader line of `kiosk doctor`."""
    try:
        cfg = ctx.config
    except ConfigError:
        return [Check(NAME, SKIP, "config invalid")]
    return [probe(cfg.id_card_reader)]
