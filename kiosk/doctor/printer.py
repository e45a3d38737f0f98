"""`kiosk doctor`: is the receipt printer there, online and with paper; is the font there."""

from __future__ import annotations

import os
from pathlib import Path

from kiosk.config import ConfigError
from kiosk.doctor import FAIL, OK, SKIP, WARN, Check


def printer_check(cfg, printer=None) -> Check:
    """Open the printer (configured, or *printer*), ask its status, close it. Never raises."""
    from drivers.printer import PrinterConfigError, PrinterError, PrinterNotFound

    ps = cfg.printer
    if printer is None:
        if ps.kind == "none":
            return Check("printer", SKIP, "no printer configured (printer.kind = \"none\"): receipts are not printed")
        if ps.kind == "file" and not Path(ps.path).is_char_device():
            return file_check(ps)
        try:
            printer = ps.build()
        except PrinterConfigError as e:
            return Check("printer", FAIL, f"printer configuration is wrong: {e}")
    where = f"{printer.kind} printer {printer.describe()}, {ps.paper_width_mm} mm"
    opened_here = not printer.is_open
    try:
        if opened_here:
            printer.open()
        st = printer.status()
    except PrinterNotFound as e:
        return Check("printer", FAIL, f"absent: {e}")
    except PrinterError as e:
        return Check("printer", FAIL, f"{where}: {e}")
    except Exception as e:  # a doctor reports, it does not crash
        return Check("printer", FAIL, f"{where}: {type(e).__name__}: {e}")
    finally:
        if opened_here:
            printer.close()
    if not st.reported:
        return Check("printer", WARN, f"{where}: connected, but it cannot report its status "
                                      f"({st.detail}); receipts are sent unconfirmed")
    if st.paper == "out":
        return Check("printer", FAIL, f"{where}: out of paper")
    if not st.online:
        return Check("printer", FAIL, f"{where}: offline ({st.detail})")
    if printer.kind == "fake":
        return Check("printer", WARN, f"{where}: a fake printer is configured; receipts are kept in memory, nothing is printed")
    if st.paper == "near_end":
        return Check("printer", WARN, f"{where}: ready, paper running low")
    return Check("printer", OK, f"{where}: ready ({st.detail})")


def file_check(ps) -> Check:
    """``kind = "file"`` with a plain file (a capture file): opening it would create or
    truncate it, so it is judged without opening. A device node is opened like any printer."""
    path = Path(ps.path)
    where = f"file printer {path}, {ps.paper_width_mm} mm"
    if path.is_dir():
        return Check("printer", FAIL, f"{where}: is a directory")
    parent = path.parent
    if not parent.is_dir():
        return Check("printer", FAIL, f"{where}: {parent} does not exist")
    if not os.access(path if path.exists() else parent, os.W_OK):
        return Check("printer", FAIL, f"{where}: not writable by this user")
    return Check("printer", WARN, f"{where}: receipts are written to a file, nothing is printed "
                                  "(a file cannot report a status; not opened, so not changed)")


def font_check(cfg) -> Check:
    """The CJK font is needed in raster mode and for the per-line fallback."""
    rs = cfg.receipt
    needed = rs.encoding == "raster" or rs.raster_fallback != "never"
    if not Path(rs.font_path).is_file():
        status = FAIL if rs.encoding == "raster" else WARN if needed else SKIP
        return Check("receipt_font", status, f"{rs.font_path} missing (apt install fonts-wqy-microhei)"
                     + ("" if rs.encoding == "raster" else "; rare characters will print from the printer's font"))
    return Check("receipt_font", OK, f"{rs.font_path} ({rs.encoding} mode)")


def checks(ctx) -> list[Check]:
    """The printer's state and the receipt font, for `kiosk doctor`."""
    try:
        cfg = ctx.config
    except ConfigError:
        return [Check("printer", SKIP, "config invalid")]
    return [printer_check(cfg), font_check(cfg)]
