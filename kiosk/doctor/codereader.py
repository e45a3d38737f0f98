"""`kiosk doctor`: can the receipt code reader (the QR scanner) be opened.

The reader is opened and closed again in a worker thread with a time limit (a wedged
USB-serial adapter can block ``open()``). A reader that another program holds — normally
the running kiosk app — is there and working, so that is not a failure.
"""

from __future__ import annotations

import threading

from kiosk.config import ConfigError
from kiosk.doctor import FAIL, OK, SKIP, WARN, Check

NAME = "code_reader"
TIMEOUT_S = 5.0
_OFF = "scanning receipts is off; residents type the code instead"


def probe(settings, timeout: float = TIMEOUT_S) -> Check:
    """Open the reader *settings* describe and close it again; never raises."""
    if settings.kind == "none":
        return Check(NAME, SKIP, "no code reader configured (code_reader.kind = \"none\"): " + _OFF)
    result: dict = {}

    def work():
        from drivers.codereader import CodeReaderBusy, CodeReaderError
        try:
            reader = settings.build()
            result["what"] = reader.describe()
            reader.open()
            reader.close()
        except CodeReaderBusy as e:
            result["busy"] = str(e)
        except CodeReaderError as e:
            result["error"] = str(e)
        except Exception as e:  # a doctor reports, it does not crash
            result["error"] = f"{type(e).__name__}: {e}"

    t = threading.Thread(target=work, name="doctor-code-reader", daemon=True)
    t.start()
    t.join(timeout)
    what = result.get("what", f"{settings.kind} code reader {settings.device}".rstrip())
    if t.is_alive():
        return Check(NAME, FAIL, f"{what}: no answer within {timeout:.0f} s; {_OFF}")
    if "error" in result:
        return Check(NAME, FAIL, f"{result['error']}; {_OFF}")
    if "busy" in result:
        return Check(NAME, OK, f"{result['busy']}: the device is present")
    if settings.kind == "fake":
        return Check(NAME, WARN, f"{what}: a fake code reader is configured; no hardware is used "
                                 "(set code_reader.kind = \"serial\" for a real reader)")
    # A serial port opens whether or not a scanner is behind it (and at any baud rate),
    # so this proves the device node, the permissions and the adapter, not the scanner.
    return Check(NAME, OK, f"{what}: port opened and closed (the scanner itself shows only "
                           "when a receipt is scanned)")


def checks(ctx) -> list[Check]:
    """The code reader line of `kiosk doctor`."""
    try:
        cfg = ctx.config
    except ConfigError:
        return [Check(NAME, SKIP, "config invalid")]
    return [probe(cfg.code_reader)]
