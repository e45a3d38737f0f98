"""Fixtures for the sync tests: a real central-dev on 127.0.0.1 behind an HTTP-level
fault injector (WSGI middleware) and, when needed, a TCP-level fault proxy.

Faults are real: the kiosk's requests library talks HTTP over real sockets to waitress;
the middleware answers 500/413/401/garbage or sleeps; the proxy resets connections in
the middle of an upload or after the centre has answered.
"""

from __future__ import annotations

import json
import sys
import selectors
import socket
import struct
import threading
import time
from collections import deque
from pathlib import Path

import pytest

from kiosk import config as configmod

# The centre's storage engines (tests/central/central_pg.py): `centre_backend` runs each
# test using the `central` fixture on SQLite and on a throwaway PostgreSQL cluster.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "central"))
from central_pg import centre_backend  # noqa: E402,F401  (a fixture)
from kiosk.central_dev.server import CentralServer
from kiosk.config.sync import DEV_TOKEN

FAST = """
[sync]
central_url = "{url}"
connect_timeout_s = 0.5
read_timeout_s = {read_timeout}
backoff_base_s = 0.01
backoff_cap_s = 0.05
auth_pause_s = 0.05
poll_interval_s = 0.05
status_poll_interval_s = 0.05
heartbeat_interval_s = 0.2
config_poll_interval_s = 0.2
pull_api_port = 0
dev_mode = true
{extra}
"""


class FaultInjector:
    """WSGI middleware: scripted faults for requests whose path starts with a prefix."""

    def __init__(self, app):
        self.app = app
        self.faults: deque = deque()
        self.lock = threading.Lock()
        self.seen: list[tuple[str, str, str]] = []  # (method, path, fault or "")

    def arm(self, kind: str, times: int = 1, prefix: str = "/api/v1/items/", **opts) -> None:
        with self.lock:
            for _ in range(times):
                self.faults.append((prefix, kind, opts))

    def clear(self) -> None:
        with self.lock:
            self.faults.clear()

    def _take(self, path: str):
        with self.lock:
            for f in self.faults:
                if path.startswith(f[0]):
                    self.faults.remove(f)
                    return f
        return None

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        fault = self._take(path)
        self.seen.append((environ["REQUEST_METHOD"], path, fault[1] if fault else ""))
        if fault is None:
            return self.app(environ, start_response)
        _, kind, opts = fault
        if kind.isdigit():
            code = int(kind)
            start_response(f"{code} Injected", [("Content-Type", "application/json")]
                           + ([("Location", opts["location"])] if "location" in opts else []))
            return [json.dumps({"error": f"injected {code}"}).encode()]
        if kind == "slow":  # the centre does the work, but only after the kiosk gave up
            time.sleep(opts.get("seconds", 1.5))
            return self.app(environ, start_response)
        if kind == "malformed":  # the centre does the work, then answers garbage
            captured = {}

            def sr(status, headers, exc_info=None):
                captured["status"] = status
                return lambda b: None
            body = b"".join(self.app(environ, sr))
            assert body is not None
            start_response("200 OK", [("Content-Type", "application/json")])
            return [b'{"id": "not closed']
        raise AssertionError(kind)


class FaultProxy:
    """TCP proxy to the centre; each new connection takes the next armed mode.

    Modes: ``pass``; ``reset_upload`` (forward nothing, read some request bytes, then
    send a TCP RST); ``drop_after_store`` (forward the request, wait until the centre
    starts answering — it has stored the item — then RST the kiosk's connection).
    """

    def __init__(self, upstream_port: int):
        self.upstream = ("127.0.0.1", upstream_port)
        self.modes: deque[str] = deque()
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.used: list[str] = []
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def arm(self, mode: str, times: int = 1) -> None:
        self.modes.extend([mode] * times)

    def _accept(self):
        while not self._stop:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            mode = self.modes.popleft() if self.modes else "pass"
            self.used.append(mode)
            threading.Thread(target=self._handle, args=(client, mode), daemon=True).start()

    @staticmethod
    def _rst(s: socket.socket) -> None:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()

    def _handle(self, client: socket.socket, mode: str):
        if mode == "reset_upload":
            got = 0
            while got < 20_000:
                b = client.recv(65536)
                if not b:
                    break
                got += len(b)
            self._rst(client)
            return
        up = socket.create_connection(self.upstream)
        sel = selectors.DefaultSelector()
        sel.register(client, selectors.EVENT_READ, up)
        sel.register(up, selectors.EVENT_READ, client)
        try:
            while True:
                for key, _ in sel.select(timeout=30):
                    src, dst = key.fileobj, key.data
                    b = src.recv(65536)
                    if not b:
                        return
                    if src is up and mode == "drop_after_store":
                        return  # the centre answered (so it stored the item): drop it
                    dst.sendall(b)
        except OSError:
            pass
        finally:
            sel.close()
            self._rst(client)
            up.close()

    def close(self):
        self._stop = True
        self.sock.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def central(tmp_path, centre_backend):
    """A running central-dev (real waitress on 127.0.0.1) with a fault injector, once on
    the embedded SQLite file and once on PostgreSQL (``central.database_url``)."""
    holder = {}

    def wrap(app):
        holder["faults"] = FaultInjector(app)
        return holder["faults"]
    srv = CentralServer(tmp_path / "central", DEV_TOKEN, host="127.0.0.1", port=0,
                        max_item_bytes=50 * 2**20, threads=6, wrap=wrap, database_url=centre_backend).start()
    srv.faults = holder["faults"]
    srv.database_url = centre_backend
    yield srv
    srv.stop()


@pytest.fixture
def staff(central, staff_browser):
    """A logged-in staff browser for the *central* fixture's pages."""
    return staff_browser(central)


@pytest.fixture
def make_cfg(write_config):
    """Config for a kiosk talking to *url* with test-sized timeouts and backoff."""
    def make(url: str, *, read_timeout: float = 1.0, extra: str = "", name: str = "kiosk.toml"):
        return configmod.load(write_config(FAST.format(url=url, read_timeout=read_timeout, extra=extra), name=name))
    return make


def submit_items(store, cfg, n: int, *, size: int = 2000, real_name: bool = False,
                 text: str = "路灯坏了") -> list:
    """Commit *n* items through the real submission path, each with one WAV-typed file;
    the ``Submitted`` results (item and receipt secret)."""
    from kiosk.core.submission import AttachmentInput, submit
    out = []
    for i in range(n):
        data = b"RIFF" + (i.to_bytes(4, "big") * (size // 4 + 1))[: size - 4]
        kw = dict(anonymous=False, name="张三", phone="13812345678") if real_name else {}
        out.append(submit(store, cfg, text=f"{text} {i}", attachments=[
            AttachmentInput(name=f"voice{i}.wav", source=data, kind="audio")], source="voice", **kw))
    return out


def add_items(store, cfg, n: int, **kw) -> list:
    """The committed items of :func:`submit_items`."""
    return [s.item for s in submit_items(store, cfg, n, **kw)]


def receipts(central) -> dict[str, list[str]]:
    """Every PUT outcome the centre recorded, by item UUID."""
    out: dict[str, list[str]] = {}
    for r in central.db.q("SELECT item_id, result FROM receipts ORDER BY id"):
        out.setdefault(r["item_id"], []).append(r["result"])
    return out


def assert_exactly_once(central, store, items) -> None:
    """Every item is delivered at the kiosk and created exactly once at the centre."""
    ids = {i.id for i in items}
    central_ids = [r["id"] for r in central.db.q("SELECT id FROM items")]
    assert sorted(central_ids) == sorted(ids), "the centre must hold each item once and nothing else"
    rec = receipts(central)
    for i in items:
        assert rec[i.id].count("created") == 1, (i.code, rec[i.id])
        got = store.get_item(i.id)
        assert got.delivery == "delivered" and got.state == "delivered", (i.code, got.delivery, got.last_error)
        files = central.db.files(i.id)
        assert [(f["sha256"], f["size"]) for f in files] == [(a.sha256, a.size) for a in i.attachments]
        for f in files:
            assert Path(central.db.file_path(i.id, f["idx"])).read_bytes() == i.attachments[f["idx"]].path.read_bytes()


def self_signed(tmp_path):
    """A certificate for 127.0.0.1 (SAN IP) and its key, made with `cryptography`."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "central-test")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_p, key_p = tmp_path / "centre.pem", tmp_path / "centre.key"
    cert_p.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_p.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption()))
    return cert_p, key_p


@pytest.fixture
def h():
    """The helpers above, for test modules (conftest is not importable by name)."""
    from types import SimpleNamespace
    return SimpleNamespace(add_items=add_items, submit_items=submit_items, receipts=receipts, assert_exactly_once=assert_exactly_once,
                           FaultProxy=FaultProxy, free_port=free_port, http_answer=http_answer,
                           self_signed=self_signed)


class ScriptedCentre:
    """A raw HTTP/1.1 server on 127.0.0.1 whose answers a test writes byte by byte.

    ``answer(request) -> iterable`` yields bytes to send and floats to sleep; one
    request per connection (answers should say ``Connection: close``). ``sent`` counts
    the bytes that went out, ``cut_off`` is set when the kiosk closed the connection
    before the answer was complete, ``requests`` records (method, path, headers, body).
    """

    def __init__(self):
        self.answer = lambda req: [b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"]
        self.requests: list[tuple[str, str, dict, bytes]] = []
        self.sent = 0
        self.cut_off = threading.Event()
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket):
        with conn, conn.makefile("rb") as f:
            line = f.readline(65536).decode("latin-1").split()
            if len(line) < 2:
                return
            headers = {}
            while (h := f.readline(65536)) not in (b"\r\n", b"\n", b""):
                k, _, v = h.decode("latin-1").partition(":")
                headers[k.strip().lower()] = v.strip()
            body = f.read(int(headers.get("content-length", 0) or 0))
            req = (line[0], line[1], headers, body)
            self.requests.append(req)
            try:
                for part in self.answer(req):
                    if isinstance(part, float):
                        time.sleep(part)
                    else:
                        conn.sendall(part)
                        self.sent += len(part)
            except OSError:
                self.cut_off.set()

    def close(self):
        self.sock.close()


def http_answer(status: str, body: bytes = b"", headers: dict | None = None) -> bytes:
    """One whole HTTP/1.1 answer (Connection: close, Content-Length set unless given)."""
    hs = {"Content-Type": "application/json", "Content-Length": str(len(body)), "Connection": "close",
          **(headers or {})}
    return (f"HTTP/1.1 {status}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in hs.items() if v is not None)
            + "\r\n").encode("latin-1") + body


@pytest.fixture
def scripted():
    """Two scripted centres (a second one to redirect to)."""
    servers = [ScriptedCentre(), ScriptedCentre()]
    yield servers
    for s in servers:
        s.close()
