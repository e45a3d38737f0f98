"""Fixtures of the ID-card reader tests: the fake reader, and a real pty pair (socat) with the
emulated reader answering on the device's end at the line's pace (115200 baud)."""

from __future__ import annotations

import threading
import time

import pytest

from drivers.idcard import make_id_card_reader
from drivers.idcard_fake import SPLIT_DELAY_S, IdCardEmulator

BAUD = 115200


class Device:
    """The reader's end of a pty pair: an :class:`IdCardEmulator` answering what the kiosk
    sends, each answer written in 32-byte pieces at the pace of 115200 baud (10 bits a byte)
    so that it arrives over many reads, as from a real reader. ``received`` keeps the raw
    request bytes."""

    def __init__(self, path: str):
        import serial
        self.emulator = IdCardEmulator()
        self.received = bytearray()
        self._port = serial.Serial(path, BAUD, timeout=0.05)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="idcard-device", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data = self._port.read(64)
            except Exception:  # the pty hung up (socat stopped): the device is gone
                return
            if not data:
                continue
            self.received += data
            for i, chunk in enumerate(self.emulator.receive(data)):
                if i:
                    time.sleep(SPLIT_DELAY_S)
                self.send(chunk)

    def send(self, data: bytes) -> None:
        """Bytes from the reader, paced."""
        for i in range(0, len(data), 32):
            piece = data[i:i + 32]
            self._port.write(piece)
            time.sleep(len(piece) * 10 / BAUD)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._port.close()


@pytest.fixture
def pty_line(tmp_path, socat_pair):
    """Factory: a new pty pair at the same paths with the emulated reader on its far end:
    ``(kiosk_path, device)``; the devices are stopped after the test."""
    devices = []

    def start() -> tuple[str, Device]:
        kiosk, far = socat_pair(tmp_path / "ttyIdCard", tmp_path / "ttyIdCard-device")
        devices.append(Device(far))
        return kiosk, devices[-1]
    yield start
    for device in devices:
        device.stop()


@pytest.fixture
def line(pty_line):
    """One pty pair with the emulated reader on its far end: ``(kiosk_path, device)``."""
    return pty_line()


@pytest.fixture
def reader_on(opened):
    """Factory: an opened serial ID-card reader on *path* at 115200; closed after the test."""
    return lambda path, **options: opened(make_id_card_reader("serial", device=path, baudrate=BAUD, **options))


@pytest.fixture
def fake(opened):
    """An opened fake ID-card reader (the sample card on it); closed after the test."""
    return opened(make_id_card_reader("fake"))
