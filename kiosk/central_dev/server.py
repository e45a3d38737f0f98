"""Assemble central-dev (API + staff pages) and serve it with waitress."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from kiosk.central_dev.api import CentralAPI
from kiosk.central_dev.db import CentralDB
from kiosk.central_dev.gate import StaffGate
from kiosk.central_dev.pages import StaffPages
from kiosk.central_dev.staff import StaffAccounts

log = logging.getLogger("kiosk.central_dev")
#: How often open matters are checked against their category's deadline_days.
SWEEP_S = 60.0


class CentralApp:
    """WSGI: /api/* to the API, everything else to the staff pages."""

    def __init__(self, db: CentralDB, token: str, max_item_bytes: int, *, quiet_after_min: int = 15):
        self.db = db
        self.api = CentralAPI(db, token, max_item_bytes)
        self.staff = StaffAccounts(db)
        self.pages = StaffGate(StaffPages(db, quiet_after_min=quiet_after_min), self.staff)

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO", "").startswith("/api/"):
            return self.api(environ, start_response)
        return self.pages(environ, start_response)


class CentralServer:
    """central-dev on a waitress server; ``start()`` runs it on a thread (tests),
    ``serve()`` in the foreground (the command)."""

    def __init__(self, data_dir: Path, token: str, *, host: str = "127.0.0.1", port: int = 8765,
                 max_item_bytes: int = 200 * 2**20, threads: int = 4, allowed_hosts=(), wrap=None,
                 database_url: str | None = None, quiet_after_min: int = 15):
        from kiosk.runtime.httpserve import BackgroundServer
        from kiosk.runtime.webguard import SERVING_LIMITS, HostGuard
        # Raises storage.CentreDatabaseError (unreachable, migration failed) before the
        # port is taken: nothing is served on half a schema.
        self.db = CentralDB(data_dir, database_url, pool_size=threads + 2)
        self.app = CentralApp(self.db, token, max_item_bytes, quiet_after_min=quiet_after_min)
        app = HostGuard(self.app, allowed_hosts, "central_dev.allowed_hosts")
        app = wrap(app) if wrap else app
        # A kiosk's upload may pause longer than a browser's request: 30 s idle, not 10.
        self.bg = BackgroundServer(app, host, port, threads=threads, ident="central-dev",
                                   max_request_body_size=max_item_bytes + 2**20,
                                   **{**SERVING_LIMITS, "channel_timeout": 30})

    @property
    def port(self) -> int:
        return self.bg.port

    @property
    def url(self) -> str:
        return f"http://{self.bg.host}:{self.port}"

    def start(self) -> "CentralServer":
        """Serve on a background thread, and flag overdue matters 督办 every minute."""
        self.bg.start("central-dev")
        self._sweeping = threading.Event()
        self._sweeper = threading.Thread(target=self._sweep, name="central-dev-deadlines", daemon=True)
        self._sweeper.start()
        return self

    def _sweep(self) -> None:
        from kiosk.central_dev.loop import Loop
        loop = Loop(self.db)
        while not self._sweeping.wait(SWEEP_S):
            try:
                flagged = loop.escalate_overdue()
                if flagged:
                    log.info("flagged %d matters past their deadline: %s", len(flagged), ", ".join(flagged))
            except Exception as e:  # the database may be away for a while; the next sweep retries
                log.warning("deadline sweep failed: %s", e)

    def stop(self) -> None:
        """Stop serving and close the database."""
        if getattr(self, "_sweeping", None):
            self._sweeping.set()
            self._sweeper.join(10)
        self.bg.stop()
        self.db.close()
