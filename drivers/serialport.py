"""What the serial-line drivers share: the exclusive pyserial port, the meaning of an
``open()`` failure, and :class:`FakeSerialPort`, the in-memory port their fakes run over.

Used by ``drivers.codereader`` (the QR scanner) and ``drivers.idcard`` (the ID-card
reader); each turns :func:`open_failure` into its own exception types. This module never
imports ``kiosk`` and imports pyserial only when a port is built or a fake is opened.
"""

from __future__ import annotations

import errno
import threading
import time

PERMISSION_HINT = "add the kiosk user to the dialout group; see systemd/99-minyi-kiosk.rules"


def exclusive_port(device: str, baudrate: int):
    """An unopened ``serial.Serial`` on *device* at *baudrate*, 8N1, opened exclusively."""
    import serial
    port = serial.Serial()
    port.port = device
    port.baudrate = baudrate
    # exclusive: flock() the tty so that a second program (a second app instance) cannot
    # open it too; two readers of one tty would each get a part of every answer.
    port.exclusive = True
    return port


def open_failure(e: Exception, setting: str) -> tuple[bool, str]:
    """Why ``port.open()`` raised *e*: ``(busy, why)``.

    *busy* is True when another program holds the device (then *why* is empty); *setting*
    names the config key of the device path for the "no such device" hint.
    """
    code = getattr(e, "errno", None)
    if code in (errno.EWOULDBLOCK, errno.EAGAIN) or "exclusively lock" in str(e):
        return True, ""
    if code in (errno.EACCES, errno.EPERM):
        return False, f"permission denied ({PERMISSION_HINT})"
    if code in (errno.ENOENT, errno.ENODEV, errno.ENXIO):
        return False, f"no such device (is the reader plugged in? check {setting})"
    return False, f"cannot open: {e}"


class FakeSerialPort:
    """An in-memory stand-in for ``serial.Serial``: ``open()``, ``close()``, ``is_open``,
    ``timeout``, ``read(n)``, ``in_waiting``, ``cancel_read()``, ``write()``, ``flush()``
    and ``reset_input_buffer()``.

    The device side calls :meth:`feed`; :meth:`unplug` makes reads fail the way pyserial
    does for a vanished USB device. Bytes the driver writes go to :meth:`on_write`, which
    a device emulator overrides to answer. Thread-safe: feeding and reading happen on
    different threads, as with real hardware.
    """

    def __init__(self):
        self._buf = bytearray()
        self._cond = threading.Condition()
        self._cancelled = False
        self.is_open = False
        self.plugged = True
        self.timeout: float | None = None

    # -- the device's side ------------------------------------------------------------
    def feed(self, data: bytes) -> None:
        """Bytes arriving from the device (kept while the port is closed, unlike a tty)."""
        with self._cond:
            self._buf += data
            self._cond.notify_all()

    def on_write(self, data: bytes) -> None:
        """Bytes the driver sent to the device; a scanner ignores them."""

    def unplug(self) -> None:
        """Pull the cable: reads fail and the port cannot be opened until :meth:`replug`."""
        with self._cond:
            self.plugged = False
            self._cond.notify_all()

    def replug(self) -> None:
        """Plug the cable back in: ``open()`` works again."""
        with self._cond:
            self.plugged = True

    # -- pyserial's side ----------------------------------------------------------------
    def open(self) -> None:
        import serial
        with self._cond:
            if not self.plugged:
                raise serial.SerialException(errno.ENOENT, "could not open port: fake reader unplugged")
            self.is_open = True
            self._cancelled = False

    def close(self) -> None:
        with self._cond:
            self.is_open = False
            self._cond.notify_all()

    @property
    def in_waiting(self) -> int:
        with self._cond:
            return len(self._buf)

    def cancel_read(self) -> None:
        with self._cond:
            self._cancelled = True
            self._cond.notify_all()

    def reset_input_buffer(self) -> None:
        with self._cond:
            self._buf.clear()

    def flush(self) -> None:
        """Nothing is queued: :meth:`write` hands the bytes over at once."""

    def write(self, data: bytes) -> int:
        import serial
        with self._cond:
            if not self.is_open:
                raise serial.PortNotOpenError()
            if not self.plugged:
                raise serial.SerialException(errno.EIO, "write failed: fake reader unplugged")
        self.on_write(bytes(data))
        return len(data)

    def read(self, size: int = 1) -> bytes:
        import serial
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        with self._cond:
            while True:
                if not self.is_open:
                    raise serial.PortNotOpenError()
                if not self.plugged:
                    # pyserial's own words for a vanished device (serialposix.Serial.read)
                    raise serial.SerialException("device reports readiness to read but returned no data "
                                                 "(device disconnected or multiple access on port?)")
                if self._buf or self._cancelled:
                    break
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    break
                self._cond.wait(left)
            self._cancelled = False
            data = bytes(self._buf[:size])
            del self._buf[:size]
            return data


__all__ = ["PERMISSION_HINT", "exclusive_port", "open_failure", "FakeSerialPort"]
