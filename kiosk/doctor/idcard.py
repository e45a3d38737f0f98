"""`kiosk doctor`: does the ID-card reader answer.

Unlike the code reader, the ID-card reader answers a command without a card (the SAM
status check, docs/idcard.md), so an OK here proves the reader and its baud rate, not only
the port. Open, check and close run in a worker thread with a time limit (a wedged
USB-serial bridge can block ``open()``). A reader another program holds (normally the
running app) is present and working. Nothing is written.
"""

from __future__ import annotations

import threading

from kiosk.config import ConfigError
from kiosk.doctor import FAIL, OK, SKIP, WARN, Check

NAME = "id_card_reader"
TIMEOUT_S = 8.0
_OFF = "reading ID cards is off; residents type their name instead"


def _probe_in_thread(settings, result: dict) -> None:
    from drivers.idcard import IdCardBusy, IdCardError, IdCardStatusError, IdCardTimeout
    try:
        reader = settings.build()
        result["what"] = reader.describe()
        reader.open()
        try:
            result["ok"] = reader.check()
        finally:
            reader.close()
    except IdCardBusy as e:
        result["busy"] = str(e)
    except IdCardTimeout as e:
        result["error"] = f"{e}: no answer from the reader (powered? id_card_reader.baudrate right?)"
    except IdCardStatusError as e:
        result["error"] = f"the reader reports a fault: {e}"
    except IdCardError as e:
        result["error"] = str(e)
    except Exception as e:  # a doctor reports, it does not crash
        result["error"] = f"{type(e).__name__}: {e}"


def probe(settings, timeout: float = TIMEOUT_S) -> Check:
    """Open the reader *settings* describe, ask its status, close it; never raises."""
    if settings.kind == "none":
        return Check(NAME, SKIP, "no ID-card reader configured (id_card_reader.kind = \"none\"): " + _OFF)
    result: dict = {}
    t = threading.Thread(target=_probe_in_thread, args=(settings, result), name="doctor-id-card", daemon=True)
    t.start()
    t.join(timeout)
    what = result.get("what", f"{settings.kind} ID-card reader {settings.device}".rstrip())
    if t.is_alive():
        return Check(NAME, FAIL, f"{what}: no answer within {timeout:.0f} s; {_OFF}")
    if "error" in result:
        return Check(NAME, FAIL, f"{result['error']}; {_OFF}")
    if "busy" in result:
        return Check(NAME, OK, f"{result['busy']}: the device is present")
    if settings.kind == "fake":
        return Check(NAME, WARN, f"{what}: a fake ID-card reader is configured; no hardware is used "
                                 "(set id_card_reader.kind = \"serial\" for a real reader)")
    return Check(NAME, OK, result["ok"])


def checks(ctx) -> list[Check]:
    """The ID-card reader line of `kiosk doctor`."""
    try:
        cfg = ctx.config
    except ConfigError:
        return [Check(NAME, SKIP, "config invalid")]
    return [probe(cfg.id_card_reader)]
