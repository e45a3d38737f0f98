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
import time

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool


class _Current(threading.local):
    deadline: "CallDeadline | None" = None


_current = _Current()

#: How often the watchdog repeats the shutdown after the deadline (a connection still
#: being set up when it passed gets its socket only afterwards).
_RESHUT_EVERY_S = 0.2


class _Watcher:
    """One thread for every :class:`CallDeadline` of the process, asleep until the
    earliest is due. (A thread per call cost ~2 ms of start and join in every push:
    docs/sync.md, "Performance".)"""

    def __init__(self):
        self._cond = threading.Condition()
        self._active: set["CallDeadline"] = set()
        self._thread: threading.Thread | None = None

    def add(self, d: "CallDeadline") -> None:
        with self._cond:
            self._active.add(d)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="centre-call-deadlines", daemon=True)
                self._thread.start()
            self._cond.notify()

    def remove(self, d: "CallDeadline") -> None:
        with self._cond:
            self._active.discard(d)

    def _run(self) -> None:
        while True:
            with self._cond:
                now = time.monotonic()
                due = [d for d in self._active if now >= d.next_shut]
                for d in due:
                    d.expired = True
                    d.next_shut = now + _RESHUT_EVERY_S
            for d in due:  # outside the lock: a call starting or ending never waits for this
                d.shut_all()
            with self._cond:
                wake = min((d.next_shut for d in self._active), default=None)
                self._cond.wait(None if wake is None else max(0.0, wake - time.monotonic()))


_watcher = _Watcher()


class CallDeadline:
    """Context manager: the call inside must finish within *seconds* or its sockets are
    shut down (the call then fails with a connection error and :attr:`expired` is True)."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.expired = False
        self.next_shut = 0.0
        self._conns: list = []
        self._lock = threading.Lock()
        self._finished = False

    def __enter__(self) -> "CallDeadline":
        _current.deadline = self
        self.next_shut = time.monotonic() + self.seconds
        _watcher.add(self)
        return self

    def __exit__(self, *exc) -> None:
        _current.deadline = None
        with self._lock:  # from now on no shutdown: the connection goes back to the pool
            self._finished = True
        _watcher.remove(self)

    def register(self, conn) -> None:
        """Watch *conn* (a urllib3 connection) until the call ends."""
        with self._lock:
            self._conns.append(conn)
        if self.expired:
            self.shut_all()

    def shut_all(self) -> None:
        """Shut down every socket of the call (it then fails at once), unless it ended."""
        with self._lock:
            if self._finished:
                return
            for c in self._conns:
                if c.connected_sock is not None:
                    try:
                        c.connected_sock.shutdown(socket.SHUT_RDWR)
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
