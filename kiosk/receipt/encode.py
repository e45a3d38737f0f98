"""A :class:`~kiosk.receipt.layout.Layout` → ESC/POS bytes, built with python-escpos.

Two text modes (``receipt.encoding``):

* ``gb18030`` – each line with Chinese is sent as GB18030 bytes between ``FS &`` (1C 26,
  select Chinese character mode) and ``FS .`` (1C 2E, cancel it): the convention of the
  Chinese printer firmwares (Xprinter, GPrinter, HPRT manuals, "FS &"). GB18030 is in no
  python-escpos printer profile and its magic encoder prints "?" for lines of only
  full-width punctuation (docs/platform.md, "ESC/POS"), so these bytes are written raw. A line holding a
  character the printer's font probably lacks (``receipt.raster_fallback``, e.g. a rare
  name character outside GB2312) is drawn as a picture instead.
* ``raster`` – for printers without a Chinese font: every line with a non-ASCII
  character is drawn with the CJK TrueType font and sent as a ``GS v 0`` raster picture;
  pure ASCII lines (the tracking code, the date) stay text, which every printer has.

QR codes are the printer's own (``GS ( k``, ``receipt.qr = "native"``) or a picture made
with the ``qrcode`` library (``"image"``) for printers without 2D-code support. Either
way the module size is reduced if the symbol would be wider than the paper.
"""

from __future__ import annotations

import copy

from kiosk.receipt.layout import QR, Cut, Feed, Layout, Text
from kiosk.receipt.raster import pad_to_center, render_line

FS_CHINESE_ON = b"\x1c&"    # FS &: select Chinese (kanji) character mode
FS_CHINESE_OFF = b"\x1c."   # FS .: cancel Chinese character mode
# FS ! n: print mode of Chinese characters; bit 2 double width, bit 3 double height.
# Some firmwares scale Chinese by GS ! only, some by FS ! only: we send both.
FS_SIZE = b"\x1c!"
QR_QUIET_MODULES = 4        # ISO/IEC 18004 quiet zone, 4 modules each side


def needs_picture(line: str, policy: str) -> bool:
    """True when a GB18030 printer font is unlikely to have a character of *line*."""
    if policy == "never" or line.isascii():
        return False
    codec = "gb2312" if policy == "outside_gb2312" else "gbk"
    try:
        line.encode(codec)
        return False
    except UnicodeEncodeError:
        return True


def qr_symbol_modules(data: str) -> int:
    """Modules per side of the QR symbol for *data* at error correction M."""
    import qrcode
    q = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    q.add_data(data)
    q.make(fit=True)
    return q.modules_count


def fit_module_size(data: str, wanted: int, dots: int) -> int:
    """The largest module size ≤ *wanted* whose symbol and quiet zone fit *dots*."""
    side = qr_symbol_modules(data) + 2 * QR_QUIET_MODULES
    size = max(1, min(wanted, dots // side))
    if side * size > dots:
        raise ValueError(f"QR code for {len(data)} characters does not fit {dots} dots; shorten receipt.lookup_url")
    return size


class Encoder:
    """Turns layouts into bytes for one paper width and one set of receipt settings."""

    def __init__(self, *, encoding: str = "gb18030", raster_fallback: str = "outside_gb2312",
                 qr: str = "native", qr_module_size: int = 6, font_path: str, font_size: int = 24):
        self.encoding, self.fallback, self.qr_mode = encoding, raster_fallback, qr
        self.qr_module_size, self.font_path, self.font_size = qr_module_size, font_path, font_size

    @classmethod
    def from_settings(cls, rs, **override) -> "Encoder":
        """An encoder for a ``ReceiptSettings`` (keys may be overridden, e.g. encoding)."""
        kw = dict(encoding=rs.encoding, raster_fallback=rs.raster_fallback, qr=rs.qr,
                  qr_module_size=rs.qr_module_size, font_path=rs.font_path, font_size=rs.font_size)
        kw.update(override)
        return cls(**kw)

    def _printer(self, dots: int):
        from escpos.printer import Dummy
        p = Dummy()
        # A private copy of the profile with the paper's width, so image(center=…) and the
        # width check know the paper (the default profile says "Unknown" and prints a note).
        p.profile.profile_data = copy.deepcopy(p.profile.profile_data)
        p.profile.profile_data["media"]["width"]["pixels"] = dots
        return p

    def encode(self, layout: Layout) -> bytes:
        """The ESC/POS bytes of *layout*. Raises ``FontError`` when a picture is needed
        and the font is missing, ``ValueError`` for a QR code that cannot fit."""
        p = self._printer(layout.dots)
        p.hw("INIT")  # ESC @: forget any size/alignment left by a previous job
        state = {"align": "left", "size": 1, "bold": False}
        for el in layout.elements:
            if isinstance(el, Text):
                self._text(p, el, layout.dots, state)
            elif isinstance(el, QR):
                self._qr(p, el.data, layout.dots, state)
            elif isinstance(el, Feed):
                p._raw(b"\n" * el.lines)
            elif isinstance(el, Cut):
                self._style(p, state, "left", 1, False)
                p.cut()
            else:
                raise TypeError(f"unknown layout element {el!r}")
        self._style(p, state, "left", 1, False)
        return p.output

    # -- pieces -------------------------------------------------------------------------
    @staticmethod
    def _style(p, state: dict, align: str, size: int, bold: bool) -> None:
        """Send only the mode changes (every byte costs 1 ms at 9600 baud)."""
        if state["size"] != size:
            # GS ! n (character size), which Chinese firmwares apply to hanzi as well.
            p.set(custom_size=True, width=size, height=size)
            p._raw(FS_SIZE + (b"\x0c" if size == 2 else b"\x00"))
            state["size"] = size
        if state["bold"] != bold:
            p.set(bold=bold)
            state["bold"] = bold
        if state["align"] != align:
            p.set(align=align)
            state["align"] = align

    def _text(self, p, el: Text, dots: int, state: dict) -> None:
        line = el.text
        picture = (el.raster and not line.isascii()) or (
            not line.isascii() and (self.encoding == "raster" or needs_picture(line, self.fallback)))
        if picture:
            # The picture carries its own alignment and size; the printer's must be neutral.
            self._style(p, state, "left", 1, False)
            img = render_line(line, dots=dots, font_path=self.font_path,
                              size=self.font_size * el.size, align=el.align)
            p.image(img, impl="bitImageRaster")
            return
        self._style(p, state, el.align, el.size, el.bold)
        if line.isascii():
            p._raw(line.encode("ascii") + b"\n")
        else:
            p._raw(FS_CHINESE_ON + line.encode("gb18030") + FS_CHINESE_OFF + b"\n")

    def _qr(self, p, data: str, dots: int, state: dict) -> None:
        from escpos.constants import QR_ECLEVEL_M
        size = fit_module_size(data, self.qr_module_size, dots)
        if self.qr_mode == "native":
            self._style(p, state, "center", 1, False)
            p.qr(data, ec=QR_ECLEVEL_M, size=size, native=True)
            p._raw(b"\n")
            return
        import qrcode
        q = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=size,
                          border=QR_QUIET_MODULES)
        q.add_data(data)
        q.make(fit=True)
        img = q.make_image().get_image().convert("L")
        self._style(p, state, "left", 1, False)
        p.image(pad_to_center(img, dots), impl="bitImageRaster")
