"""Fixtures of the code reader tests: a real pty pair made by socat (as tests/receipt does for
the serial printer), with the scanner's end driven through pyserial at 9600 baud."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest

BAUD = 9600


class Line:
    """socat linking two ptys: ``kiosk`` is the reader's path, ``scanner`` the device's end."""

    def __init__(self, kiosk: Path, scanner: Path):
        self.kiosk, self.scanner = str(kiosk), str(scanner)
        self.proc = subprocess.Popen(
            ["socat", f"pty,raw,echo=0,link={kiosk}", f"pty,raw,echo=0,link={scanner}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not (kiosk.exists() and scanner.exists()) and time.monotonic() < deadline:
            time.sleep(0.02)
        if not (kiosk.exists() and scanner.exists()):
            self.stop()
            pytest.fail("socat did not create the pty pair")
        self._port = None

    def send(self, data: bytes, *, paced: bool = True) -> None:
        """Bytes from the scanner; *paced*: at the line's speed (10 bits a byte at 9600 baud),
        so the reader sees them trickle in as from a real scanner."""
        import serial
        if self._port is None:
            self._port = serial.Serial(self.scanner, BAUD, timeout=0.1)
        if not paced:
            self._port.write(data)
            return
        step = 16
        for i in range(0, len(data), step):
            self._port.write(data[i:i + step])
            time.sleep(len(data[i:i + step]) * 10 / BAUD)

    def stop(self) -> None:
        """The line goes away (socat ends, both ptys hang up), like a reader unplugged."""
        if self._port is not None:
            self._port.close()
            self._port = None
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=5)


@pytest.fixture
def line(tmp_path):
    """A fresh pty pair; factory(name="ttyReader") -> :class:`Line`, stopped after the test."""
    if not shutil.which("socat"):
        pytest.skip("socat is not installed (apt install socat; listed in .ci/setup)")
    made = []

    def start(name: str = "ttyReader") -> Line:
        ln = Line(tmp_path / name, tmp_path / f"{name}-scanner")
        made.append(ln)
        return ln
    yield start
    for ln in made:
        ln.stop()


@pytest.fixture
def reader_on(opened):
    """Factory: an opened serial code reader on *path*; closed after the test."""
    from drivers.codereader import make_code_reader
    return lambda path, **options: opened(make_code_reader("serial", device=path, baudrate=BAUD, **options))
