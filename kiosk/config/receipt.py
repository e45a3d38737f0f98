"""Configuration sections owned by kiosk.receipt (see kiosk/config/tree.py for the rules)."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path

PAPER_DOTS = {58: 384, 80: 576}      # printable dots at 203 dpi (8 dots/mm)
PAPER_COLUMNS = {58: 32, 80: 48}     # 12-dot-wide Latin font A
DEFAULT_FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"


@dataclass(frozen=True)
class PrinterSettings:
    """The receipt printer connection.

    ``kind`` picks the driver in ``drivers.printer``; only the keys of that kind are used.
    The default ``fake`` keeps receipts in memory so a PC with no printer runs the app.
    """

    kind: str = "fake"
    paper_width_mm: int = 58
    # usb
    usb_vendor_id: int = 0
    usb_product_id: int = 0
    usb_in_ep: int = 0x82
    usb_out_ep: int = 0x01
    # serial
    serial_device: str = "/dev/ttyUSB0"
    serial_baudrate: int = 9600
    serial_parity: str = "none"
    serial_bytesize: int = 8
    serial_stopbits: int = 1
    serial_flow_control: str = "none"
    # network
    host: str = ""
    port: int = 9100
    # file / device node
    path: str = ""
    # all kinds
    timeout: float = 5.0
    status_timeout: float = 0.5
    query_status: bool = True

    def validate(self) -> None:
        # The driver's registry is the one list of kinds (plus "none": no printer);
        # imported here so that loading the config imports no driver (docs/architecture.md).
        from drivers.printer import PRINTERS, SerialPrinter
        kinds = ("none", *PRINTERS)
        if self.kind not in kinds:
            raise ValueError(f"kind: expected one of {', '.join(kinds)}, got {self.kind!r}")
        if self.paper_width_mm not in PAPER_DOTS:
            raise ValueError(f"paper_width_mm: expected 58 or 80, got {self.paper_width_mm}")
        if self.kind == "usb":
            for key in ("usb_vendor_id", "usb_product_id"):
                v = getattr(self, key)
                if not 0 < v <= 0xFFFF:
                    raise ValueError(f"{key}: expected the printer's USB id, e.g. 0x0416 (see lsusb), got {v}")
        for key in ("usb_in_ep", "usb_out_ep"):
            if not 0 <= getattr(self, key) <= 0xFF:
                raise ValueError(f"{key}: expected an endpoint address 0x00-0xFF, got {getattr(self, key)}")
        if self.serial_baudrate not in SerialPrinter.BAUDS:
            raise ValueError(f"serial_baudrate: expected one of {', '.join(map(str, SerialPrinter.BAUDS))}, "
                             f"got {self.serial_baudrate}")
        if self.serial_parity not in SerialPrinter.PARITIES:
            raise ValueError(f"serial_parity: expected one of {', '.join(SerialPrinter.PARITIES)}, "
                             f"got {self.serial_parity!r}")
        if self.serial_bytesize not in (7, 8):
            raise ValueError(f"serial_bytesize: expected 7 or 8, got {self.serial_bytesize}")
        if self.serial_stopbits not in (1, 2):
            raise ValueError(f"serial_stopbits: expected 1 or 2, got {self.serial_stopbits}")
        if self.serial_flow_control not in SerialPrinter.FLOW:
            raise ValueError(f"serial_flow_control: expected one of {', '.join(SerialPrinter.FLOW)}, "
                             f"got {self.serial_flow_control!r}")
        if self.kind == "serial" and not self.serial_device:
            raise ValueError("serial_device: expected a device path such as /dev/ttyUSB0")
        if self.kind == "network" and not self.host:
            raise ValueError("host: expected the printer's host name or IP address for kind = \"network\"")
        if not 1 <= self.port <= 65535:
            raise ValueError(f"port: expected 1-65535, got {self.port}")
        if self.kind == "file" and not self.path:
            raise ValueError("path: expected a file or device path such as /dev/usb/lp0 for kind = \"file\"")
        if not 0 < self.timeout <= 120:
            raise ValueError(f"timeout: expected seconds, more than 0 and at most 120, got {self.timeout}")
        if not 0 < self.status_timeout <= 10:
            raise ValueError(f"status_timeout: expected seconds, more than 0 and at most 10, got {self.status_timeout}")

    @property
    def dots(self) -> int:
        """Printable width in dots."""
        return PAPER_DOTS[self.paper_width_mm]

    @property
    def columns(self) -> int:
        """Latin characters per line in the printer's font A."""
        return PAPER_COLUMNS[self.paper_width_mm]

    def driver_options(self) -> dict:
        """The keyword options ``drivers.printer.make_printer(kind, **options)`` takes."""
        common = {"timeout": self.timeout, "status_timeout": self.status_timeout,
                  "query_status": self.query_status}
        if self.kind == "usb":
            return {"vendor_id": self.usb_vendor_id, "product_id": self.usb_product_id,
                    "in_ep": self.usb_in_ep, "out_ep": self.usb_out_ep, **common}
        if self.kind == "serial":
            return {"device": self.serial_device, "baudrate": self.serial_baudrate,
                    "parity": self.serial_parity, "bytesize": self.serial_bytesize,
                    "stopbits": self.serial_stopbits, "flow_control": self.serial_flow_control, **common}
        if self.kind == "network":
            return {"host": self.host, "port": self.port, **common}
        if self.kind == "file":
            return {"path": self.path, **common}
        return common

    def build(self, *, fake_hardware: bool = False):
        """The printer (``drivers.printer``), not opened; None for kind ``none``.

        With *fake_hardware*, the byte-collecting fake. The one factory: the app,
        ``kiosk receipt`` and ``kiosk doctor`` all call it. Raises
        ``drivers.printer.PrinterConfigError`` for options the driver refuses.
        """
        from drivers.printer import make_printer
        if fake_hardware:
            return make_printer("fake")
        if self.kind == "none":
            return None
        return make_printer(self.kind, **self.driver_options())


ENCODINGS = ("gb18030", "raster")
FALLBACKS = ("outside_gb2312", "outside_gbk", "never")
QR_MODES = ("native", "image")


@dataclass(frozen=True)
class ReceiptSettings:
    """What a receipt shows and how its text reaches the paper."""

    encoding: str = "gb18030"
    raster_fallback: str = "outside_gb2312"
    qr: str = "native"
    qr_module_size: int = 6
    lookup_url: str = ""
    hotline: str = ""
    footer: list[str] = ()
    text_lines: int = 3
    timezone: str = "Asia/Shanghai"
    font_path: str = DEFAULT_FONT
    font_size: int = 24
    cut: bool = True

    def validate(self) -> None:
        if self.encoding not in ENCODINGS:
            raise ValueError(f"encoding: expected one of {', '.join(ENCODINGS)}, got {self.encoding!r}")
        if self.raster_fallback not in FALLBACKS:
            raise ValueError(f"raster_fallback: expected one of {', '.join(FALLBACKS)}, got {self.raster_fallback!r}")
        if self.qr not in QR_MODES:
            raise ValueError(f"qr: expected one of {', '.join(QR_MODES)}, got {self.qr!r}")
        if not 1 <= self.qr_module_size <= 16:
            raise ValueError(f"qr_module_size: expected 1-16 dots, got {self.qr_module_size}")
        if self.lookup_url:
            if not re.match(r"https?://[^\s]+$", self.lookup_url):
                raise ValueError(f"lookup_url: expected an http(s) URL, got {self.lookup_url!r}")
            if "#" in self.lookup_url:
                raise ValueError("lookup_url: must not contain \"#\": the receipt secret travels in "
                                 "the QR code's #k= fragment (docs/receipts.md)")
            if self.lookup_url.count("{code}") != 1:
                raise ValueError("lookup_url: expected exactly one {code} placeholder, "
                                 "e.g. \"https://example.gov.cn/q?c={code}\"")
        if not 0 <= self.text_lines <= 20:
            raise ValueError(f"text_lines: expected 0-20, got {self.text_lines}")
        if len(self.footer) > 10:
            raise ValueError(f"footer: expected at most 10 lines, got {len(self.footer)}")
        try:
            import zoneinfo
            zoneinfo.ZoneInfo(self.timezone)
        except Exception:
            raise ValueError(f"timezone: expected an IANA time zone such as \"Asia/Shanghai\", got {self.timezone!r}") from None
        if not 12 <= self.font_size <= 48:
            raise ValueError(f"font_size: expected 12-48 dots, got {self.font_size}")
        if not self.font_path:
            raise ValueError("font_path: expected the path of a CJK TrueType font")

    def resolve_paths(self, base: Path) -> "ReceiptSettings":
        p = Path(self.font_path).expanduser()
        if not p.is_absolute():
            p = base / p
        return dataclasses.replace(self, font_path=str(p))

    def qr_payload(self, compact_code: str, secret: str | None = None, seal: str | None = None) -> str:
        """What the QR code carries: the lookup URL for the code, else the code's digits;
        then the receipt secret as a ``#k=`` fragment and the station's seal as ``&r=``
        (docs/receipts.md, kiosk/core/receiptsig.py)."""
        from kiosk.core.itemsecret import with_qr_secret
        from kiosk.core.receiptsig import with_seal
        base = self.lookup_url.replace("{code}", compact_code) if self.lookup_url else compact_code
        return with_seal(with_qr_secret(base, secret), seal)
