"""The centre's storage on both engines: exactly-once by UUID across processes sharing
one PostgreSQL database, named start-up errors, modes of the data on disk, a database
connection that drops mid-request, the append-only audit log."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading

import pytest
import requests
import sqlalchemy as sa

from central_items import item_meta, put_json, store
from kiosk.central_dev import storage
from kiosk.central_dev.db import CentralDB


def test_two_centre_engines_on_one_database_create_each_item_once(tmp_path):
    """Eight threads over two CentralDB engines (two pools, as two processes have) store
    the same 25 items at once: one row and one 'created' receipt per UUID."""
    from central_pg import cluster
    url = cluster().new_database()
    dbs = [CentralDB(tmp_path / "a", url), CentralDB(tmp_path / "b", url)]
    metas = [item_meta(i + 1) for i in range(25)]
    barrier = threading.Barrier(8)
    errors = []

    def worker(db):
        try:
            barrier.wait()
            for m in metas:
                store(db, m)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)
    threads = [threading.Thread(target=worker, args=(dbs[i % 2],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    try:
        assert not errors, errors
        per_id = {r["id"]: r["n"] for r in dbs[0].q("SELECT id, count(*) AS n FROM items GROUP BY id")}
        assert per_id == {m["id"]: 1 for m in metas}
        created = dbs[1].q("SELECT item_id, count(*) AS n FROM receipts WHERE result = 'created' GROUP BY item_id")
        assert {r["item_id"]: r["n"] for r in created} == {m["id"]: 1 for m in metas}
        assert dbs[0].q("SELECT count(*) FROM receipts")[0][0] == 8 * 25
    finally:
        for db in dbs:
            db.close()


def test_two_centre_processes_receive_the_same_items_over_http(tmp_path, write_config):
    """Two `kiosk central-dev` processes on one PostgreSQL database, the same PUTs sent
    to both at once: every answer 2xx, each item created once."""
    from central_pg import cluster
    url = cluster().new_database()
    procs, bases = [], []
    try:
        for name in ("one", "two"):
            cfg = write_config(f'[central_dev]\nport = 0\nallow_development_token = true\n'
                               f'data_dir = "{tmp_path}/{name}"\ndatabase_url = "{url}"\n',
                               name=f"{name}.toml")
            p = subprocess.Popen([sys.executable, "-m", "kiosk", "--config", str(cfg), "central-dev"],
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            procs.append(p)
            line = p.stdout.readline()
            assert "listening on" in line, line + p.stdout.read(2000)
            bases.append(line.split("listening on ")[1].split()[0])
        metas = [item_meta(i + 1) for i in range(15)]
        answers = []

        def send(base):
            for m in metas:
                answers.append(put_json(base, m).status_code)
        threads = [threading.Thread(target=send, args=(bases[i % 2],)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert len(answers) == 60 and set(answers) <= {200, 201} and answers.count(201) == 15
        check = CentralDB(tmp_path / "check", url)
        try:
            assert check.q("SELECT count(*) FROM items")[0][0] == 15
            assert check.q("SELECT count(DISTINCT id) FROM items")[0][0] == 15
        finally:
            check.close()
    finally:
        for p in procs:
            p.terminate()
            p.wait(15)


def test_an_unreachable_database_is_named_without_its_password(tmp_path, write_config):
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: nothing listens there
    url = f"postgresql://centre:Very-Secret-pw@127.0.0.1:{port}/district"
    with pytest.raises(storage.DatabaseUnreachable) as e:
        CentralDB(tmp_path / "c", url)
    assert f"127.0.0.1:{port}/district" in str(e.value) and "Very-Secret-pw" not in str(e.value)
    cfg = write_config(f'[central_dev]\nport = 0\nallow_development_token = true\ndatabase_url = "{url}"\n')
    res = subprocess.run([sys.executable, "-m", "kiosk", "--config", str(cfg), "central-dev"],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 1 and "listening" not in res.stdout
    assert f"127.0.0.1:{port}/district" in res.stderr and "unreachable" in res.stderr
    assert "Very-Secret-pw" not in res.stderr + res.stdout and "Traceback" not in res.stderr


def test_a_database_url_that_is_not_postgresql_is_a_config_error(write_config):
    from kiosk import config as configmod
    with pytest.raises(configmod.ConfigError, match="database_url"):
        configmod.load(write_config('[central_dev]\ndatabase_url = "mysql://u:p@h/db"\n'))


def test_a_migration_that_cannot_apply_stops_start_up_and_changes_nothing(tmp_path, centre_backend):
    """A database at revision 0001 holding a table in the way of 0002: the start fails
    by name, and the schema is as it was (no half of 0002 applied)."""
    url = centre_backend
    engine = storage.postgres_engine(url, 2) if url else storage.sqlite_engine(_sqlite_path(tmp_path), 2)
    from alembic import command
    from alembic.config import Config
    cfg = Config()
    cfg.set_main_option("script_location", str(storage.MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.exec_driver_sql("CREATE TABLE audit (id INTEGER)")
    engine.dispose()
    with pytest.raises(storage.MigrationFailed, match=f"from 0001 to {storage.head_revision()} failed, nothing applied"):
        CentralDB(tmp_path / "c", url)
    engine = storage.postgres_engine(url, 2) if url else storage.sqlite_engine(_sqlite_path(tmp_path), 2)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one() == "0001"
            assert "department" not in {c["name"] for c in sa.inspect(conn).get_columns("items")}
    finally:
        engine.dispose()


def test_a_database_from_a_newer_centre_is_refused(tmp_path, centre_backend):
    db = CentralDB(tmp_path / "c", centre_backend)
    db.q("UPDATE alembic_version SET version_num = '9999'")
    db.close()
    with pytest.raises(storage.MigrationFailed, match="'9999'"):
        CentralDB(tmp_path / "c", centre_backend)


def _sqlite_path(tmp_path):
    d = tmp_path / "c"
    storage.prepare_data_dir(d)
    return d / "central.db"


def test_a_sqlite_file_from_before_migrations_is_adopted(tmp_path):
    """central.db as central-dev made it before Alembic: stamped 0001, migrated, kept."""
    import sqlite3
    d = tmp_path / "old"
    d.mkdir()
    old = sqlite3.connect(d / "central.db")
    old.executescript("""
CREATE TABLE items (id TEXT PRIMARY KEY, station TEXT NOT NULL, seq INTEGER, code TEXT, received_at TEXT NOT NULL,
    meta TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'received', reply TEXT, updated_at TEXT);
CREATE TABLE files (item_id TEXT NOT NULL, idx INTEGER NOT NULL, name TEXT NOT NULL, media_type TEXT NOT NULL,
    size INTEGER NOT NULL, sha256 TEXT NOT NULL, PRIMARY KEY (item_id, idx));
CREATE TABLE receipts (id INTEGER PRIMARY KEY, item_id TEXT NOT NULL, result TEXT NOT NULL, at TEXT NOT NULL);
CREATE TABLE updates (cursor INTEGER PRIMARY KEY AUTOINCREMENT, station TEXT NOT NULL, item_id TEXT NOT NULL,
    status TEXT NOT NULL, reply TEXT, at TEXT NOT NULL);
CREATE TABLE heartbeats (id INTEGER PRIMARY KEY, station TEXT NOT NULL, received_at TEXT NOT NULL, body TEXT NOT NULL);
INSERT INTO items (id, station, seq, code, received_at, meta) VALUES ('x', '0371', 1, '0371-000001-2', 't', '{}');
""")
    old.commit()
    old.close()
    db = CentralDB(d)
    try:
        assert db.q("SELECT version_num FROM alembic_version")[0][0] == storage.head_revision()
        assert db.item("x")["code"] == "0371-000001-2" and db.item("x")["department"] is None
    finally:
        db.close()


@pytest.mark.parametrize("umask", [0o000, 0o022])
def test_the_data_dir_is_0700_and_the_database_0600_whatever_the_umask(tmp_path, umask):
    old = os.umask(umask)
    try:
        db = CentralDB(tmp_path / "c")
        db.save_photo("r1.jpg", b"\xff\xd8 photo")
        store(db, item_meta(1))
        db.close()
    finally:
        os.umask(old)
    d = tmp_path / "c"
    for p in (d, d / "media", d / "tmp", d / "photos"):
        assert stat.S_IMODE(p.stat().st_mode) == 0o700, p
    for p in d.glob("central.db*"):
        assert stat.S_IMODE(p.stat().st_mode) == 0o600, p


def test_a_connection_dropped_mid_request_is_a_503_and_the_retry_stores_once(tmp_path):
    """PostgreSQL ends the centre's own connection inside the item's INSERT (a trigger
    calls pg_terminate_backend on its own backend): the kiosk is answered 503, no row
    is there; after the fault, the same PUT is created once."""
    from central_pg import cluster
    from kiosk.central_dev.server import CentralServer
    from kiosk.config.sync import DEV_TOKEN
    url = cluster().new_database()
    srv = CentralServer(tmp_path / "c", DEV_TOKEN, host="127.0.0.1", port=0, threads=2, database_url=url).start()
    try:
        srv.db.q("CREATE FUNCTION drop_me() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                 "PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NEW; END $$")
        srv.db.q("CREATE TRIGGER drop_me AFTER INSERT ON items FOR EACH ROW EXECUTE FUNCTION drop_me()")
        meta = item_meta(1)
        r = put_json(srv.url, meta)
        assert r.status_code == 503 and r.headers.get("Retry-After"), (r.status_code, r.text)
        assert srv.db.q("SELECT count(*) FROM items")[0][0] == 0
        srv.db.q("DROP TRIGGER drop_me ON items")
        r = put_json(srv.url, meta)
        assert r.status_code == 201 and r.json()["result"] == "created"
        assert put_json(srv.url, meta).json()["result"] == "duplicate"
        assert srv.db.q("SELECT count(*) FROM items")[0][0] == 1
    finally:
        srv.stop()


def test_the_audit_log_refuses_update_and_delete(centre_db):
    from kiosk.central_dev.loop import Loop
    meta = item_meta(1)
    store(centre_db, meta)
    Loop(centre_db).advance(meta["code"], "accepted", actor="wang")
    for sql in ("UPDATE audit SET actor = 'someone else'", "DELETE FROM audit"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            centre_db.q(sql)
    assert [(a["actor"], a["action"]) for a in centre_db.q("SELECT actor, action FROM audit")] == [("wang", "accept")]


def test_staff_pages_and_api_answer_on_both_engines(centre, staff_browser):
    meta = item_meta(1)
    assert put_json(centre.url, meta).status_code == 201
    page = staff_browser(centre).get("/")
    assert page.status_code == 200 and meta["code"] in page.text
    r = requests.get(f"{centre.url}/api/v1/stations/0371/updates?after=0",
                     headers={"Authorization": "Bearer minyi-dev-token"}, timeout=10)
    assert r.json() == {"updates": [], "more": False}
    assert json.loads(centre.db.item(meta["id"])["meta"])["text"] == "路灯坏了"
