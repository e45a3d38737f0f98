"""Run a WSGI app on a waitress server in a background thread, and stop it cleanly.

waitress's own ``server.run()`` loops while its socket map is non-empty, so after
``close()`` it keeps running until every keep-alive connection has gone away. Here the
loop is driven in short slices so that ``stop()`` ends it promptly, and every channel is
closed from the loop's own thread (wasyncore is not thread-safe).
"""

from __future__ import annotations

import threading


class BackgroundServer:
    """A waitress server for *app* on (host, port); port 0 picks a free port."""

    def __init__(self, app, host: str, port: int, *, threads: int = 4, ident: str = "minyi-kiosk", **adj):
        from waitress.server import create_server
        self.server = create_server(app, host=host, port=port, threads=threads, ident=ident,
                                    clear_untrusted_proxy_headers=True, **adj)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        return self.server.effective_host

    @property
    def port(self) -> int:
        return self.server.effective_port

    def start(self, name: str = "waitress") -> "BackgroundServer":
        """Serve on a daemon thread."""
        self._thread = threading.Thread(target=self.serve, name=name, daemon=True)
        self._thread.start()
        return self

    def serve(self) -> None:
        """Serve in the calling thread until :meth:`stop`."""
        srv = self.server
        try:
            while not self._stop.is_set():
                srv.asyncore.loop(timeout=0.2, map=srv._map, use_poll=True, count=1)
        finally:
            for ch in list(srv._map.values()):
                if ch is not srv:
                    ch.close()
            srv.close()
            srv.task_dispatcher.shutdown(timeout=2)

    def stop(self) -> None:
        """Stop serving and wait for the loop thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)


def kept_headers(e) -> dict[str, str]:
    """The headers of werkzeug HTTPException *e* a JSON error answer must keep: a 405's
    ``Allow`` (RFC 9110 section 15.5.6: the methods the route does have)."""
    return {k: v for k, v in e.get_headers() if k.lower() == "allow"}
