"""A throwaway PostgreSQL cluster for the centre's tests: Debian's server binaries
(apt ``postgresql``, installed by .ci/setup), run as an unprivileged user on a free
port in a temporary directory, one fresh database per test. No mock: the centre talks
to a real server through psycopg 3.

Imported by the conftests of tests/central, tests/sync and tests/service (each puts this
directory on sys.path), so one cluster serves the whole session; it is stopped at exit.
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

#: The centre's two storage engines; every test of the ``central`` fixtures runs on both.
BACKENDS = ("sqlite", "postgresql")
SUPERUSER = "centre"


def server_bin() -> Path | None:
    """The newest /usr/lib/postgresql/<major>/bin holding initdb, else None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresCluster:
    """``initdb`` + ``pg_ctl start`` in a temp dir; :meth:`new_database` gives a URL."""

    def __init__(self, bindir: Path, *, durable: bool = False):
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="minyi-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        # initdb and the server refuse to run as root: as root, run them as `nobody`.
        self.user = pwd.getpwnam("nobody") if os.geteuid() == 0 else None
        if self.user:
            os.chown(self.root, self.user.pw_uid, self.user.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")
        # A test cluster: durability off for speed (durable=True: the server's defaults, for
        # tests/bench/bench_fleet.py's figures); enough connections for several centre
        # processes with their pools at once.
        speed = "" if durable else "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
        opts = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 {speed}"
                "-c max_connections=300")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-w", "-t", "60",
                  "-o", opts, "start")

    def _run(self, tool: str, *args: str) -> None:
        kw = {"user": self.user.pw_uid, "group": self.user.pw_gid, "extra_groups": []} if self.user else {}
        res = subprocess.run([str(self.bindir / tool), *args], capture_output=True, text=True, timeout=120,
                             cwd=self.root, **kw)
        if res.returncode != 0:
            log = self.root / "server.log"
            raise RuntimeError(f"{tool} failed ({res.returncode}): {res.stderr.strip()}\n"
                               f"{log.read_text() if log.exists() else ''}")

    def url(self, dbname: str = "postgres", password: str = "not-checked") -> str:
        """A ``postgresql://`` URL of *dbname* (trust auth: the password is not checked)."""
        return f"postgresql://{SUPERUSER}:{password}@127.0.0.1:{self.port}/{dbname}"

    def new_database(self) -> str:
        """Create an empty database and return its URL."""
        import psycopg
        name = "t_" + uuid.uuid4().hex[:16]
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user={SUPERUSER} dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        """Stop the server at once and remove its directory (again: nothing)."""
        if not self.root.exists():
            return
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")
        except (RuntimeError, subprocess.TimeoutExpired):
            pass
        shutil.rmtree(self.root, ignore_errors=True)


_cluster: PostgresCluster | None = None


def cluster() -> PostgresCluster:
    """The session's cluster, started on first use; the test is skipped when no server
    is installed, except under CI, where a missing server is a failure."""
    global _cluster
    if _cluster is None:
        bindir = server_bin()
        if bindir is None:
            msg = "PostgreSQL server not installed (apt postgresql; .ci/setup installs it)"
            if os.environ.get("CI") == "true":
                pytest.fail(msg)
            pytest.skip(msg)
        _cluster = PostgresCluster(bindir)
        atexit.register(_cluster.stop)
    return _cluster


def database_url_for(backend: str) -> str | None:
    """None for the embedded SQLite file; a fresh PostgreSQL database's URL otherwise."""
    return cluster().new_database() if backend == "postgresql" else None


@pytest.fixture(params=BACKENDS)
def centre_backend(request) -> str | None:
    """Parametrised over both engines: the ``database_url`` to give the centre."""
    return database_url_for(request.param)
