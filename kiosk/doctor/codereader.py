"""`kiosk doctor`: can the receipt code reader (the QR scanner) be opened.

The reader is opened and closed again in a worker thread with a time limit (a wedged
USB-serial adapter can block ``open()``; kiosk/doctor/_probe.py). A reader that another
program holds — normally the running kiosk app — is there and working, so that is not a
failure.
"""

from __future__ import annotations

from kiosk.config import ConfigError
from kiosk.doctor import SKIP, Check
from kiosk.doctor._probe import BUSY, FAILED, probe_reader

NAME = "code_reader"
TIMEOUT_S = 5.0
_OFF = "scanning receipts is off; residents type the code instead"


def _open_and_close(reader, what: str) -> str:
    reader.open()
    reader.close()
    # A serial port opens whether or not a scanner is behind it (and at any baud rate),
    # so this proves the device node, the permissions and the adapter, not the scanner.
    return f"{what}: port opened and closed (the scanner itself shows only when a receipt is scanned)"


def _explain(e: Exception) -> tuple[str, str] | None:
    from drivers.codereader import CodeReaderBusy, CodeReaderError
    if isinstance(e, CodeReaderBusy):
        return BUSY, str(e)
    if isinstance(e, CodeReaderError):
        return FAILED, str(e)
    return None


def probe(settings, timeout: float = TIMEOUT_S) -> Check:
    """Open the reader *settings* describe and close it again; never raises."""
    return probe_reader(settings, name=NAME, noun="code reader", off=_OFF, timeout=timeout,
                        use=_open_and_close, explain=_explain)


def checks(ctx) -> list[Check]:
    """The code reader line of `kiosk doctor`."""
    try:
        cfg = ctx.config
    except ConfigError:
        return [Check(NAME, SKIP, "config invalid")]
    return [probe(cfg.code_reader)]
