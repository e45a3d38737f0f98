"""Assemble central-dev (API + staff pages) and serve it with waitress."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from kiosk.central_dev.api import CentralAPI
from kiosk.central_dev.db import CentralDB
from kiosk.central_dev.pages import StaffPages

log = logging.getLogger("kiosk.central_dev")


class CentralApp:
    """WSGI: /api/* to the API, everything else to the staff pages."""

    def __init__(self, db: CentralDB, token: str, max_item_bytes: int):
        self.db = db
        self.api = CentralAPI(db, token, max_item_bytes)
        self.pages = StaffPages(db)

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO", "").startswith("/api/"):
            return self.api(environ, start_response)
        return self.pages(environ, start_response)


class CentralServer:
    """central-dev on a waitress server; ``start()`` runs it on a thread (tests),
    ``serve()`` in the foreground (the command)."""

    def __init__(self, data_dir: Path, token: str, *, host: str = "127.0.0.1", port: int = 8765,
                 max_item_bytes: int = 200 * 2**20, threads: int = 4, wrap=None):
        from waitress.server import create_server
        self.db = CentralDB(data_dir)
        self.app = CentralApp(self.db, token, max_item_bytes)
        app = wrap(self.app) if wrap else self.app
        self.server = create_server(app, host=host, port=port, threads=threads, ident="central-dev",
                                    max_request_body_size=max_item_bytes + 2**20)
        self._thread = None

    @property
    def port(self) -> int:
        return self.server.effective_port

    @property
    def url(self) -> str:
        return f"http://{self.server.effective_host}:{self.port}"

    def start(self) -> "CentralServer":
        self._thread = threading.Thread(target=self.server.run, name="central-dev", daemon=True)
        self._thread.start()
        return self

    def serve(self) -> None:
        log.info("central-dev listening on %s", self.url)
        self.server.run()

    def stop(self) -> None:
        self.server.close()
        self.server.task_dispatcher.shutdown(timeout=2)
        if self._thread:
            self._thread.join(timeout=5)
        self.db.close()
