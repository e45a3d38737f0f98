"""What a receipt printer can tell the driver, and what can go wrong: the typed results.

The printer's state comes from the real-time command ``DLE EOT n`` (Epson "ESC/POS
Application Programming Guide", DLE EOT: n=1 printer status, n=2 offline cause, n=4 roll
paper sensor); :func:`decode_status` turns the reply bytes into a :class:`PrinterStatus`.
The fake printer (``drivers.printer_fake``) answers with the same bits. Every failure is a
:class:`PrinterError`. This module never imports ``kiosk``.
"""

from __future__ import annotations

from dataclasses import dataclass

DLE_EOT = b"\x10\x04"
STATUS_PRINTER, STATUS_OFFLINE_CAUSE, STATUS_PAPER = 1, 2, 4

# Bits of the DLE EOT replies (Epson ESC/POS reference, "DLE EOT n"). Every reply has
# bit 1 and bit 4 set and bits 0 and 7 clear, which is how a status byte is told apart
# from noise on the line.
REPLY_FIXED_MASK, REPLY_FIXED_VALUE = 0x93, 0x12
BIT_OFFLINE = 0x08         # n=1 bit 3: offline
BIT_COVER_OPEN = 0x04      # n=2 bit 2: cover is open
BIT_PAPER_STOP = 0x20      # n=2 bit 5: printing stopped by paper end
BIT_ERROR = 0x40           # n=2 bit 6: an error occurred
BIT_NEAR_END = 0x0C        # n=4 bits 2,3: roll paper near-end sensor
BIT_PAPER_END = 0x60       # n=4 bits 5,6: roll paper end sensor


class PrinterError(Exception):
    """Base of every printer failure; ``str()`` says what went wrong in plain words."""


class PrinterConfigError(PrinterError, ValueError):
    """Options that cannot describe a printer (unknown kind, bad baud rate …)."""


class PrinterNotFound(PrinterError):
    """The printer is absent: not plugged in, wrong device path, host not reachable."""


class PrinterWriteError(PrinterError):
    """The connection failed while sending the job (cable pulled, socket reset …)."""


@dataclass(frozen=True)
class PrinterStatus:
    """What the printer said about itself.

    ``reported`` is False when the connection cannot read or the printer did not answer;
    every other field is then None and nothing may be concluded about the paper.
    ``paper`` is ``"ok"``, ``"near_end"`` or ``"out"``.
    """

    reported: bool
    online: bool | None = None
    paper: str | None = None
    cover_open: bool | None = None
    error: bool | None = None
    detail: str = ""

    @property
    def ready(self) -> bool:
        """True only when the printer reported itself online with paper."""
        return bool(self.reported and self.online and self.paper in ("ok", "near_end"))


UNREPORTED = PrinterStatus(reported=False, detail="this connection cannot report the printer's status")


def _status_byte_ok(b: int) -> bool:
    return b & REPLY_FIXED_MASK == REPLY_FIXED_VALUE


def decode_status(printer: int | None, paper: int | None, cause: int | None = None) -> PrinterStatus:
    """Turn the DLE EOT 1 / 4 / 2 reply bytes into a :class:`PrinterStatus`."""
    if printer is None or paper is None:
        return PrinterStatus(reported=False, detail="the printer did not answer the status query")
    if not (_status_byte_ok(printer) and _status_byte_ok(paper)):
        return PrinterStatus(reported=False,
                             detail=f"unexpected status reply {printer:#04x} {paper:#04x}")
    online = not printer & BIT_OFFLINE
    if paper & BIT_PAPER_END:
        paper_state = "out"
    elif paper & BIT_NEAR_END:
        paper_state = "near_end"
    else:
        paper_state = "ok"
    cover = error = None
    if cause is not None and _status_byte_ok(cause):
        cover = bool(cause & BIT_COVER_OPEN)
        error = bool(cause & BIT_ERROR)
        if cause & BIT_PAPER_STOP:
            paper_state = "out"
    bits = ["online" if online else "offline", f"paper {paper_state}"]
    if cover:
        bits.append("cover open")
    if error:
        bits.append("error")
    return PrinterStatus(True, online, paper_state, cover, error, ", ".join(bits))


__all__ = [
    "DLE_EOT", "STATUS_PRINTER", "STATUS_OFFLINE_CAUSE", "STATUS_PAPER",
    "REPLY_FIXED_MASK", "REPLY_FIXED_VALUE", "BIT_OFFLINE", "BIT_COVER_OPEN", "BIT_PAPER_STOP",
    "BIT_ERROR", "BIT_NEAR_END", "BIT_PAPER_END",
    "PrinterError", "PrinterConfigError", "PrinterNotFound", "PrinterWriteError",
    "PrinterStatus", "UNREPORTED", "decode_status",
]
