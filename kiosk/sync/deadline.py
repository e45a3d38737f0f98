"""An overall deadline for one HTTP call made with requests.

requests' ``timeout`` is per socket operation: a centre (or anything in between) that
sends one byte every few seconds never trips it, and a single PUT can then be held for
hours (the read timeout restarts with every byte). :class:`CallDeadline` bounds the
whole call instead: a watchdog thread shuts the call's sockets down when the deadline
passes, which makes the blocked ``recv``/``send`` return at once (shutdown(2) wakes a
thread blocked on the socket, close(2) from another thread does not), for plain and TLS
connections alike.

The sockets are found through :class:`DeadlineAdapter`: its urllib3 pools register
each connection they hand out with the deadline of the call running on this thread, and
its connections remember the socket they connected (http.client drops ``sock`` as soon
as the headers of a ``Connection: close`` answer are read, while the body still comes
through that socket).
"""

from __future__ import annotations

import socket
import threading

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool


class _Current(threading.local):
    deadline: "CallDeadline | None" = None


_current = _Current()

#: How often the watchdog repeats the shutdown after the deadline (a connection still
#: being set up when it passed gets its socket only afterwards).
_RESHUT_EVERY_S = 0.2


class CallDeadline:
    """Context manager: the call inside must finish within *seconds* or its sockets are
    shut down (the call then fails with a connection error and :attr:`expired` is True)."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.expired = False
        self._conns: list = []
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="centre-call-deadline", daemon=True)

    def __enter__(self) -> "CallDeadline":
        _current.deadline = self
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        _current.deadline = None
        self._done.set()
        self._thread.join()

    def register(self, conn) -> None:
        """Watch *conn* (a urllib3 connection) until the call ends."""
        with self._lock:
            self._conns.append(conn)
        if self.expired:
            self._shut_all()

    def _watch(self) -> None:
        if self._done.wait(self.seconds):
            return
        self.expired = True
        while True:
            self._shut_all()
            if self._done.wait(_RESHUT_EVERY_S):
                return

    def _shut_all(self) -> None:
        with self._lock:
            socks = [c.connected_sock for c in self._conns if c.connected_sock is not None]
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed or never connected


def _register(conn):
    d = _current.deadline
    if d is not None:
        d.register(conn)
    return conn


class _WatchedHTTPConnection(HTTPConnection):
    connected_sock: socket.socket | None = None

    def connect(self) -> None:
        super().connect()
        self.connected_sock = self.sock


class _WatchedHTTPSConnection(HTTPSConnection):
    connected_sock: socket.socket | None = None

    def connect(self) -> None:
        super().connect()
        self.connected_sock = self.sock


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection

    def _get_conn(self, timeout=None):
        return _register(super()._get_conn(timeout))


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection

    def _get_conn(self, timeout=None):
        return _register(super()._get_conn(timeout))


class DeadlineAdapter(HTTPAdapter):
    """An HTTPAdapter whose connections obey the :class:`CallDeadline` of the calling thread."""

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}
