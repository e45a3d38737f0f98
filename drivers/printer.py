"""Receipt printers: python-escpos connections chosen by a ``kind`` string, plus a fake.

Every connection here only moves bytes: ``write(data)`` sends an already-encoded ESC/POS
job, ``status()`` asks the printer how it is. What the bytes say (text, QR, cut) is the
business of the caller (``kiosk.receipt``), never of the driver. This mirrors python-escpos,
where each printer class implements only ``_raw()`` (and ``_read()`` when it can) and
``escpos.printer.Dummy`` collects bytes.

Kinds (see :data:`PRINTERS`): ``usb`` (vendor/product id, via pyusb), ``serial`` (device,
baud, parity, flow control as the printer's DIP switches say), ``network`` (raw TCP,
usually port 9100), ``file`` (a path or a device node such as ``/dev/usb/lp0``) and
``fake`` (a byte-collecting :class:`escpos.printer.Dummy` that answers status queries
and can simulate paper-out, offline and absent).

Status comes from the real-time command ``DLE EOT n`` (Epson "ESC/POS Application
Programming Guide", DLE EOT: n=1 printer status, n=2 offline cause, n=4 roll paper
sensor). A connection that cannot read (``file``), or a printer that does not answer
within ``status_timeout``, yields ``PrinterStatus(reported=False)``: the caller must
then not claim the receipt was printed.

The parts live beside this module, which re-exports their public names:
``drivers.printer_status`` (the status bytes, :class:`PrinterStatus`, the errors),
``drivers.printer_connection`` (the :class:`Printer` interface and the shared
:class:`EscposConnection`) and ``drivers.printer_fake`` (:class:`FakePrinter`). This
module holds the real kinds and their registry.

Constructors only store options; nothing touches hardware until :meth:`open`. This
module never imports ``kiosk``.
"""

from __future__ import annotations

import select
import socket
import time

from drivers.printer_connection import EscposConnection, Printer
from drivers.printer_fake import FAKE_BYTES_KEPT, FAKE_JOBS_KEPT, FakePrinter
from drivers.printer_status import (PrinterConfigError, PrinterError, PrinterNotFound, PrinterStatus,
                                    PrinterWriteError, decode_status)
from drivers.registry import build


class SerialPrinter(EscposConnection):
    """A printer on a serial line (RS-232 or USB-serial), settings as its DIP switches say."""

    kind = "serial"
    PARITIES = {"none": "N", "even": "E", "odd": "O", "mark": "M", "space": "S"}
    # No "dsrdtr": Linux termios has no DSR/DTR flow control (pyserial ignores it on POSIX);
    # a printer that signals busy on DTR is wired to the host's CTS and used with rtscts.
    FLOW = ("none", "xonxoff", "rtscts")
    BAUDS = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400)

    def __init__(self, device: str = "/dev/ttyUSB0", baudrate: int = 9600, parity: str = "none",
                 bytesize: int = 8, stopbits: int = 1, flow_control: str = "none", **common):
        super().__init__(**common)
        if not device:
            raise PrinterConfigError("device: expected a serial device path such as /dev/ttyUSB0")
        if baudrate not in self.BAUDS:
            raise PrinterConfigError(f"baudrate: expected one of {', '.join(map(str, self.BAUDS))}, got {baudrate!r}")
        if parity not in self.PARITIES:
            raise PrinterConfigError(f"parity: expected one of {', '.join(self.PARITIES)}, got {parity!r}")
        if bytesize not in (7, 8):
            raise PrinterConfigError(f"bytesize: expected 7 or 8, got {bytesize!r}")
        if stopbits not in (1, 2):
            raise PrinterConfigError(f"stopbits: expected 1 or 2, got {stopbits!r}")
        if flow_control not in self.FLOW:
            raise PrinterConfigError(f"flow_control: expected one of {', '.join(self.FLOW)}, got {flow_control!r}")
        self.device, self.baudrate, self.parity = device, baudrate, parity
        self.bytesize, self.stopbits, self.flow_control = bytesize, stopbits, flow_control

    def describe(self) -> str:
        return f"{self.device} @ {self.baudrate} baud"

    def _make(self):
        from escpos.printer import Serial
        return Serial(devfile=self.device, baudrate=self.baudrate, bytesize=self.bytesize,
                      timeout=self.timeout, parity=self.PARITIES[self.parity],
                      stopbits=self.stopbits, xonxoff=self.flow_control == "xonxoff",
                      dsrdtr=False)  # False: pyserial raises DTR on open, which printers expect

    def open(self) -> None:
        super().open()
        dev = self._conn.device
        try:
            # escpos.printer.Serial has no rtscts argument; pyserial applies it on the open port.
            if self.flow_control == "rtscts":
                dev.rtscts = True
            dev.write_timeout = self.timeout
        except Exception as e:  # termios.error: the port refuses these settings
            self.close()
            raise PrinterError(f"cannot configure serial printer {self.describe()}: {e}") from None

    def write(self, data: bytes) -> None:
        if self._conn is not None:
            # pyserial's write_timeout covers the whole call; a 17 KB raster job needs 18 s
            # at 9600 baud, so allow the line time on top of the stall timeout.
            self._conn.device.write_timeout = self.timeout + 2 * transfer_seconds(len(data), self.baudrate)
        super().write(data)

    def _stalled(self) -> str:
        return (f"serial printer {self.describe()} stopped taking data for {self.timeout:g} s "
                "(flow control held: offline, cover open or out of paper?)")

    def _write_error(self, e: Exception) -> str:
        import serial
        if isinstance(e, serial.SerialTimeoutException):
            return self._stalled()
        return super()._write_error(e)

    def _flush(self) -> None:
        # Wait for the kernel's output queue to empty (TIOCOUTQ), but not forever: tcdrain()
        # blocks for good while a printer out of paper holds CTS low or has sent XOFF.
        dev = self._conn.device
        deadline = time.monotonic() + self.timeout + 2 * transfer_seconds(dev.out_waiting, self.baudrate)
        while dev.out_waiting:
            if time.monotonic() > deadline:
                raise PrinterWriteError(self._stalled())
            time.sleep(0.01)

    def close(self) -> None:
        if self._conn is not None:
            try:
                dev = self._conn.device
                if dev.out_waiting:  # a stalled job: drop it, or close() waits for it (tty closing_wait)
                    dev.reset_output_buffer()
            except Exception:
                pass
        super().close()

    def _drain(self) -> None:
        self._conn.device.reset_input_buffer()

    def _read_byte(self) -> int | None:
        dev = self._conn.device
        dev.timeout = self.status_timeout
        try:
            b = dev.read(1)
        finally:
            dev.timeout = self.timeout
        return b[0] if b else None


class NetworkPrinter(EscposConnection):
    """A printer on raw TCP (JetDirect style, usually port 9100)."""

    kind = "network"

    def __init__(self, host: str = "", port: int = 9100, **common):
        super().__init__(**common)
        if not host:
            raise PrinterConfigError("host: expected the printer's host name or IP address")
        if not 1 <= int(port) <= 65535:
            raise PrinterConfigError(f"port: expected 1-65535, got {port!r}")
        self.host, self.port = host, int(port)

    def describe(self) -> str:
        return f"{self.host}:{self.port}"

    def _make(self):
        from escpos.printer import Network
        return Network(host=self.host, port=self.port, timeout=self.timeout)

    def _drain(self) -> None:
        sock = self._conn.device
        while select.select([sock], [], [], 0)[0]:
            if not sock.recv(256):
                raise PrinterWriteError(f"network printer {self.describe()} closed the connection")

    def _read_byte(self) -> int | None:
        sock = self._conn.device
        sock.settimeout(self.status_timeout)
        try:
            b = sock.recv(1)
        except (socket.timeout, TimeoutError):
            return None
        finally:
            sock.settimeout(self.timeout)
        if not b:
            raise PrinterWriteError(f"network printer {self.describe()} closed the connection")
        return b[0]


class UsbPrinter(EscposConnection):
    """A printer on USB, found by vendor and product id (needs pyusb + libusb-1.0)."""

    kind = "usb"

    def __init__(self, vendor_id: int = 0, product_id: int = 0, in_ep: int = 0x82,
                 out_ep: int = 0x01, **common):
        super().__init__(**common)
        for key, v in (("vendor_id", vendor_id), ("product_id", product_id)):
            if not 0 < int(v) <= 0xFFFF:
                raise PrinterConfigError(f"{key}: expected a USB id 0x0001-0xFFFF (see lsusb), got {v!r}")
        self.vendor_id, self.product_id, self.in_ep, self.out_ep = vendor_id, product_id, in_ep, out_ep

    def describe(self) -> str:
        return f"{self.vendor_id:04x}:{self.product_id:04x}"

    def _make(self):
        from escpos.printer import Usb
        return Usb(idVendor=self.vendor_id, idProduct=self.product_id,
                   timeout=int(self.timeout * 1000), in_ep=self.in_ep, out_ep=self.out_ep)

    def open(self) -> None:
        try:
            import usb.backend.libusb1 as libusb1  # pyusb
        except ImportError:
            raise PrinterNotFound("usb printer: pyusb is not installed (pip install pyusb)") from None
        if libusb1.get_backend() is None:
            raise PrinterNotFound("usb printer: libusb-1.0 is not installed (apt install libusb-1.0-0)")
        super().open()

    def _drain(self) -> None:
        import usb.core
        try:
            while self._conn.device.read(self.in_ep, 64, timeout=1):
                pass
        except usb.core.USBTimeoutError:
            pass
        except usb.core.USBError:
            pass

    def _read_byte(self) -> int | None:
        import usb.core
        try:
            data = self._conn.device.read(self.in_ep, 16, timeout=int(self.status_timeout * 1000))
        except usb.core.USBTimeoutError:
            return None
        except usb.core.USBError:
            return None
        return data[0] if len(data) else None


class FilePrinter(EscposConnection):
    """A file or a device node written blindly (``/dev/usb/lp0``, a capture file).

    It cannot read replies, so it never reports a status: a job sent here is "sent", not
    "printed".
    """

    kind = "file"
    can_report = False

    def __init__(self, path: str = "", **common):
        super().__init__(**common)
        if not path:
            raise PrinterConfigError("path: expected a file or device path such as /dev/usb/lp0")
        self.path = path

    def describe(self) -> str:
        return self.path

    def _make(self):
        from escpos.printer import File
        return File(devfile=self.path)


PRINTERS: dict[str, type[EscposConnection]] = {
    "usb": UsbPrinter,
    "serial": SerialPrinter,
    "network": NetworkPrinter,
    "file": FilePrinter,
    "fake": FakePrinter,
}


def make_printer(kind: str, **options) -> EscposConnection:
    """A printer of *kind* with *options* (not opened). Raises :class:`PrinterConfigError`."""
    return build(PRINTERS, kind, options, PrinterConfigError, "printer")


def transfer_seconds(nbytes: int, baudrate: int, bits_per_byte: int = 10) -> float:
    """Time to push *nbytes* through a serial line (8N1 = 10 bits per byte)."""
    return nbytes * bits_per_byte / baudrate


__all__ = [
    "PrinterError", "PrinterConfigError", "PrinterNotFound", "PrinterWriteError",
    "PrinterStatus", "Printer", "EscposConnection", "SerialPrinter", "NetworkPrinter",
    "UsbPrinter", "FilePrinter", "FakePrinter", "FAKE_JOBS_KEPT", "FAKE_BYTES_KEPT", "PRINTERS",
    "make_printer", "decode_status", "transfer_seconds",
]
