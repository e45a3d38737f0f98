"""What every receipt printer connection offers, and the part the kinds share.

:class:`Printer` is the interface the receipt code uses; :class:`EscposConnection` wraps
one python-escpos printer object and implements it once: ``open`` / ``close``, ``write``
(send an already-encoded job as is) and ``status`` (the DLE EOT queries of
``drivers.printer_status``). A kind (``drivers.printer``, ``drivers.printer_fake``) only
builds its escpos object and, when it can read, drains and reads reply bytes. This mirrors
python-escpos, where each printer class implements only ``_raw()`` (and ``_read()`` when
it can). Constructors only store options; nothing touches hardware until :meth:`open`.
This module never imports ``kiosk``.
"""

from __future__ import annotations

from typing import Any, ClassVar, Protocol, runtime_checkable

from drivers.printer_status import (DLE_EOT, STATUS_OFFLINE_CAUSE, STATUS_PAPER, STATUS_PRINTER,
                                    UNREPORTED, PrinterConfigError, PrinterError, PrinterNotFound,
                                    PrinterStatus, PrinterWriteError, decode_status)


@runtime_checkable
class Printer(Protocol):
    """What every printer kind offers."""

    kind: ClassVar[str]
    can_report: ClassVar[bool]

    @property
    def is_open(self) -> bool: ...

    def open(self) -> None: ...

    def close(self) -> None: ...

    def write(self, data: bytes) -> None: ...

    def status(self) -> PrinterStatus: ...

    def describe(self) -> str: ...


class EscposConnection:
    """Common part of the kinds: wraps one python-escpos printer object.

    Subclasses set :attr:`kind`, build the escpos object in :meth:`_make` and, when the
    connection can read, implement :meth:`_drain` and :meth:`_read_byte`.
    """

    kind: ClassVar[str] = ""
    can_report: ClassVar[bool] = True

    def __init__(self, *, timeout: float = 5.0, status_timeout: float = 0.5,
                 query_status: bool = True):
        if not timeout > 0:
            raise PrinterConfigError(f"timeout: expected seconds > 0, got {timeout!r}")
        if not status_timeout > 0:
            raise PrinterConfigError(f"status_timeout: expected seconds > 0, got {status_timeout!r}")
        self.timeout = float(timeout)
        self.status_timeout = float(status_timeout)
        self.query_status = bool(query_status)
        self._conn: Any = None

    # -- to implement -------------------------------------------------------------------
    def _make(self) -> Any:
        raise NotImplementedError

    def _drain(self) -> None:
        """Discard bytes waiting on the line (a late reply must not answer the next query)."""

    def _read_byte(self) -> int | None:
        """One reply byte within ``status_timeout``, or None."""
        return None

    def describe(self) -> str:
        """Where the printer is, for messages (never personal data)."""
        return self.kind

    # -- lifecycle ----------------------------------------------------------------------
    @property
    def is_open(self) -> bool:
        return self._conn is not None

    def open(self) -> None:
        """Connect. Raises :class:`PrinterNotFound` when the printer is absent."""
        from escpos.exceptions import DeviceNotFoundError, Error as EscposError
        if self._conn is not None:
            return
        conn = self._make()
        try:
            conn.open(raise_not_found=True)
        except (DeviceNotFoundError, EscposError, OSError, RuntimeError, ValueError) as e:
            # escpos sets _device = None on failure; mark it closed so that its own
            # `device` property does not try to open again behind our back.
            conn._device = False
            raise PrinterNotFound(f"{self.kind} printer {self.describe()} not found: "
                                  f"{' '.join(str(e).split())}") from None
        except Exception as e:  # termios.error: the port exists but refuses these settings
            conn._device = False
            raise PrinterError(f"cannot configure {self.kind} printer {self.describe()}: {e}") from None
        self._conn = conn

    def close(self) -> None:
        """Disconnect; safe to call twice."""
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # closing a yanked device may fail; it is closed either way
                pass

    def write(self, data: bytes) -> None:
        """Send *data* as is. Raises :class:`PrinterWriteError`."""
        if self._conn is None:
            raise PrinterWriteError(f"{self.kind} printer is not open")
        try:
            self._conn._raw(bytes(data))
            self._flush()
        except PrinterError:
            raise
        except Exception as e:  # OSError, serial.SerialException, usb.core.USBError, timeouts
            raise PrinterWriteError(self._write_error(e)) from None

    def _write_error(self, e: Exception) -> str:
        return f"sending to {self.kind} printer {self.describe()} failed: {e}"

    def _flush(self) -> None:
        """Wait until written bytes have left this machine (so a status query follows them)."""

    def status(self) -> PrinterStatus:
        """Ask the printer (DLE EOT 1, 4, 2). Never raises for a silent printer."""
        if not (self.can_report and self.query_status):
            return UNREPORTED
        if self._conn is None:
            raise PrinterWriteError(f"{self.kind} printer is not open")
        replies = []
        for n in (STATUS_PRINTER, STATUS_PAPER, STATUS_OFFLINE_CAUSE):
            try:
                self._drain()
                self._conn._raw(DLE_EOT + bytes([n]))
                self._flush()
                replies.append(self._read_byte())
            except Exception as e:
                raise PrinterWriteError(f"status query to {self.kind} printer failed: {e}") from None
            if replies[-1] is None:
                break  # a silent printer: do not wait three times
        replies += [None] * (3 - len(replies))
        return decode_status(replies[0], replies[1], replies[2])


__all__ = ["Printer", "EscposConnection"]
