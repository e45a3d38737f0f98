"""Fixtures of the receipt tests: the independent ESC/POS reader, a stored item, a printer
on the far end of a socat pty pair (``socat_pair``: tests/conftest.py) and one on a TCP
socket on 127.0.0.1."""

from __future__ import annotations

import importlib.util
import select
import socket
import sys
import threading
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
READY = 0x12  # every DLE EOT reply with no fault bit set (fixed bits 1 and 4)


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


READER = _load("receipt_escpos_reader", HERE / "escpos_reader.py")


@pytest.fixture
def reader():
    """tests/receipt/escpos_reader.py (the independent decoder)."""
    return READER


@pytest.fixture
def make_item(store, cfg):
    """Store an item through the real submission path; returns its ``Submitted`` record
    (the item and what its receipt prints: secret, category name, name, masked phone)."""
    from kiosk.core.submission import submit

    def make(text="小区门口的路灯坏了三个月，晚上很黑，老人出门不安全。", *, category="traffic",
             anonymous=True, name=None, phone=None, lang="zh-CN"):
        return submit(store, cfg, text=text, category=category, anonymous=anonymous, name=name,
                      phone=phone, attachments=[], source="cli", lang=lang)
    return make


class DeviceSide:
    """The printer's end of a line: keeps every byte, answers DLE EOT n like a printer."""

    def __init__(self, recv, send, *, answer: bool = True, xoff_after: int | None = None):
        self.recv, self.send, self.answer, self.xoff_after = recv, send, answer, xoff_after
        self.answered = 0
        self.received = bytearray()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def _run(self):
        while not self.stop.is_set():
            chunk = self.recv()
            if chunk is None:
                continue
            if chunk == b"":
                break
            self.received += chunk
            tail = bytes(self.received[-3:])
            if self.answer and len(tail) == 3 and tail[:2] == b"\x10\x04":
                self.answered += 1
                # XOFF ("stop sending", as a printer with a full buffer or no paper does) goes
                # in the same write as the reply, so it is in force before the job starts.
                xoff = b"\x13" if self.answered == self.xoff_after else b""
                self.send(bytes([READY]) + xoff)

    def wait_for(self, nbytes: int, timeout: float = 10) -> bytes:
        deadline = time.monotonic() + timeout
        while len(self.received) < nbytes and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.05)
        return bytes(self.received)

    def close(self):
        self.stop.set()
        self.thread.join(timeout=2)


@pytest.fixture
def pty_pair(tmp_path, socat_pair):
    """Two linked ptys: (path A for the kiosk's printer, path B for the device side)."""
    return socat_pair(tmp_path / "ttyA", tmp_path / "ttyB")


@pytest.fixture
def device_on():
    """Factory: a printer simulator on the pty at *path* (answer, xoff_after as DeviceSide)."""
    import serial
    opened = []

    def start(path, answer: bool = True, xoff_after: int | None = None) -> DeviceSide:
        port = serial.Serial(str(path), 9600, timeout=0.05)
        dev = DeviceSide(lambda: port.read(4096) or None, port.write, answer=answer,
                         xoff_after=xoff_after).start()
        opened.append((dev, port))
        return dev
    yield start
    for dev, port in opened:
        dev.close()
        port.close()


@pytest.fixture
def serial_device(pty_pair, device_on):
    """The simulator on pty B of :func:`pty_pair`; factory(answer=True, xoff_after=None)."""
    return lambda answer=True, xoff_after=None: device_on(pty_pair[1], answer, xoff_after)


@pytest.fixture
def tcp_printer():
    """A raw-TCP printer on 127.0.0.1; factory(answer=True) -> (port, DeviceSide)."""
    servers = []

    def start(answer: bool = True):
        srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(("127.0.0.1", 0))
        srv.listen(1)
        conn_box = {}

        def recv():
            if "c" not in conn_box:
                if select.select([srv], [], [], 0.05)[0]:
                    conn_box["c"] = srv.accept()[0]
                return None
            c = conn_box["c"]
            if not select.select([c], [], [], 0.05)[0]:
                return None
            return c.recv(65536)

        def send(b):
            conn_box["c"].sendall(b)
        dev = DeviceSide(recv, send, answer=answer).start()
        servers.append((srv, conn_box, dev))
        return srv.getsockname()[1], dev
    yield start
    for srv, box, dev in servers:
        dev.close()
        if "c" in box:
            box["c"].close()
        srv.close()


def free_port() -> int:
    """A TCP port on 127.0.0.1 with nobody listening (for the absent printer)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.fixture
def closed_port():
    return free_port()

