"""Fixtures for the centre's own tests: its database on both engines, a running server,
and a kiosk.toml naming them. The helpers the tests import (an item's metadata, storing
and pushing it) are in tests/central/central_items.py."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from central_pg import centre_backend, cluster  # noqa: E402,F401  (fixtures / helpers)

from kiosk.central_dev.db import CentralDB  # noqa: E402
from kiosk.config.sync import DEV_TOKEN  # noqa: E402


@pytest.fixture
def centre_db(tmp_path, centre_backend):
    """The centre's database on SQLite, then on PostgreSQL."""
    db = CentralDB(tmp_path / "central", centre_backend)
    db.database_url = centre_backend
    yield db
    db.close()


@pytest.fixture
def centre(tmp_path, centre_backend):
    """A running centre (API + pages) on either engine."""
    from kiosk.central_dev.server import CentralServer
    srv = CentralServer(tmp_path / "central", DEV_TOKEN, host="127.0.0.1", port=0, threads=4,
                        database_url=centre_backend).start()
    srv.database_url = centre_backend
    yield srv
    srv.stop()


@pytest.fixture
def centre_config(write_config, tmp_path):
    """A kiosk.toml whose [central_dev] names the data dir and database of *db*."""
    def make(db_or_server) -> Path:
        db = getattr(db_or_server, "db", db_or_server)
        url = f'database_url = "{db.database_url}"\n' if getattr(db_or_server, "database_url", None) else ""
        return write_config(f'[central_dev]\ndata_dir = "{db.data_dir}"\n{url}')
    return make
