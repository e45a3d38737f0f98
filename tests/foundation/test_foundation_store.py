"""The durable store: commit protocol, recovery, disk full, integrity, purge, two processes."""

from __future__ import annotations

import errno
import os
import subprocess
import sqlite3
import sys
import threading
import time

import pytest

from kiosk.core import clock, fsutil
from kiosk.core.pii import Cipher
from kiosk.core.store import DiskFullError, Store
from kiosk.core.submission import AttachmentInput, submit
from kiosk.core.trackcode import CodeError

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40


def _photo(tmp_path, n=0, data=PNG):
    p = tmp_path / f"p{n}.png"
    p.write_bytes(data)
    return AttachmentInput(p.name, p, kind="photo")


def test_pragmas_and_migration_version_table(store):
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert store.db.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    names = [r[0] for r in store.db.execute("SELECT name FROM _sqlite_migrations")]
    assert names[0] == "m001_initial" and "m002_receipt_secret" in names


def test_codes_are_sequential_and_lookup_accepts_any_form(cfg, store):
    items = [submit(store, cfg, text=f"第{i}条").item for i in range(3)]
    assert [i.seq for i in items] == [1, 2, 3]
    c = items[1].code
    for typed in (str(c), c.compact, f"{c.station} {c.seq:06d} {c.check}"):
        assert store.find_by_code(typed).id == items[1].id
    wrong = c.compact[:-1] + str((c.check + 1) % 10)
    with pytest.raises(CodeError, match="check digit wrong"):
        store.find_by_code(wrong)
    from kiosk.core.trackcode import make
    assert store.find_by_code(make("0371", 99)) is None


def test_recovery_removes_temp_files_and_orphaned_media(cfg, store, tmp_path):
    kept = submit(store, cfg, text="x", attachments=[_photo(tmp_path)]).item
    (store.tmp_dir / "abc.0.part").write_bytes(b"half")
    orphan = store.media_dir / "00000000-dead-beef-0000-000000000000"
    orphan.mkdir()
    (orphan / "00-p.png").write_bytes(PNG)
    store.close()
    s2 = Store.open(cfg)
    try:
        assert not any(s2.tmp_dir.iterdir())
        assert not orphan.exists()
        assert s2.get_item(kept.id).attachments[0].path.exists()
        assert s2.events(1, kind="recovered")
    finally:
        s2.close()


def test_changed_or_missing_attachment_is_flagged_never_dropped(cfg, store, tmp_path):
    a = submit(store, cfg, text="a", attachments=[_photo(tmp_path, 0)]).item
    b = submit(store, cfg, text="b", attachments=[_photo(tmp_path, 1)]).item
    a.attachments[0].path.write_bytes(PNG[:-1] + b"!")
    b.attachments[0].path.unlink()
    store.close()
    s2 = Store.open(cfg)
    try:
        ia, ib = s2.get_item(a.id), s2.get_item(b.id)
        assert (ia.integrity, ia.attachments[0].integrity) == ("mismatch", "mismatch")
        assert ib.attachments[0].integrity == "missing"
        assert ia.delivery == "pending" and ib.delivery == "pending"  # still queued, not dropped
        assert len(s2.events(10, kind="attachment_integrity")) == 2
    finally:
        s2.close()


def _leftover_and_tampered(store, cfg, tmp_path):
    """A crash's temp file, plus a queued item whose file changed on disk."""
    item = submit(store, cfg, text="a", attachments=[_photo(tmp_path, 0)]).item
    item.attachments[0].path.write_bytes(PNG[:-1] + b"!")
    leftover = store.tmp_dir / "crashed.0.part"
    leftover.write_bytes(b"half")
    return item, leftover


def test_recover_without_verify_removes_leftovers_but_reads_no_file(cfg, store, tmp_path, monkeypatch):
    """The app's start-up: quick even with gigabytes queued (the sync daemon verifies)."""
    item, leftover = _leftover_and_tampered(store, cfg, tmp_path)
    hashed = []
    monkeypatch.setattr(fsutil, "sha256_file", lambda p: hashed.append(p))
    out = store.recover(verify=False)
    assert out == {"temp_files": 1, "orphaned_dirs": 0, "flagged": None}
    assert not leftover.exists() and hashed == []
    assert store.get_item(item.id).integrity == "ok"


def test_which_commands_recover(cfg, store, tmp_path, write_config, capsys):
    """Staff commands only read or add (no clean-up, no re-hash); doctor re-hashes and
    reports but changes nothing; the sync daemon runs the whole start-up recovery."""
    import json

    from kiosk.cli.main import main as kiosk_main
    cfg_path = str(write_config())
    item, leftover = _leftover_and_tampered(store, cfg, tmp_path)
    assert kiosk_main(["--config", cfg_path, "status", str(item.code)]) == 0
    assert leftover.exists() and store.get_item(item.id).integrity == "ok"
    capsys.readouterr()
    assert kiosk_main(["--config", cfg_path, "--json", "doctor"]) == 1
    checks = {c["name"]: c for c in json.loads(capsys.readouterr().out)["checks"]}
    assert checks["attachments"]["status"] == "fail" and str(item.code) in checks["attachments"]["detail"]
    assert leftover.exists() and store.get_item(item.id).integrity == "ok"  # found, not flagged

    # the sync daemon (here one round against a centre that is not there)
    item2, leftover2 = _leftover_and_tampered(store, cfg, tmp_path)
    sync_cfg = str(write_config('[sync]\ncentral_url = "http://127.0.0.1:9"\nconnect_timeout_s = 0.2\n',
                                name="sync.toml"))
    kiosk_main(["--config", sync_cfg, "sync", "--once"])
    assert not leftover2.exists() and store.get_item(item2.id).integrity == "mismatch"


def test_disk_full_leaves_no_partial_item_and_store_keeps_working(cfg, store, tmp_path, monkeypatch):
    before = submit(store, cfg, text="before", attachments=[_photo(tmp_path, 0)]).item
    real_fsync = os.fsync
    calls = {"n": 0}

    def full_fsync(fd):  # the disk fills while the 2nd attachment is flushed
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_fsync(fd)

    monkeypatch.setattr(fsutil.os, "fsync", full_fsync)
    with pytest.raises(DiskFullError, match="disk full: the item was not stored"):
        submit(store, cfg, text="during", attachments=[_photo(tmp_path, 1), _photo(tmp_path, 2)])
    monkeypatch.setattr(fsutil.os, "fsync", real_fsync)
    assert store.count() == 1
    assert not any(store.tmp_dir.iterdir())
    assert sorted(p.name for p in store.media_dir.iterdir()) == [before.id]
    after = submit(store, cfg, text="after", attachments=[_photo(tmp_path, 3)]).item
    assert after.seq == 2  # no sequence number was burnt by the failed item
    assert store.integrity_check() == "ok"


def test_disk_full_in_write_is_named(cfg, store, tmp_path, monkeypatch):
    class FullFile:
        def __init__(self, f):
            self.f = f

        def __enter__(self):
            return self

        def __exit__(self, *a):
            self.f.close()

        def write(self, b):
            raise OSError(errno.ENOSPC, "No space left on device")

    real_create = fsutil.create_private_file  # how write_stream makes each staged file
    monkeypatch.setattr(fsutil, "create_private_file", lambda p: FullFile(real_create(p)))
    with pytest.raises(DiskFullError):
        submit(store, cfg, text="x", attachments=[_photo(tmp_path)])
    assert store.count() == 0 and not any(store.tmp_dir.iterdir())


def test_database_full_rolls_back(cfg, store, tmp_path, monkeypatch):
    import sqlite3

    def boom(*a, **k):
        # What sqlite3 raises for SQLITE_FULL: the code, not the words, says "full".
        e = sqlite3.OperationalError("database or disk is full")
        e.sqlite_errorcode = sqlite3.SQLITE_FULL
        raise e

    monkeypatch.setattr(Store, "_insert_item", boom)
    with pytest.raises(DiskFullError):
        submit(store, cfg, text="x", attachments=[_photo(tmp_path)])
    assert not any(store.media_dir.iterdir()) and not any(store.tmp_dir.iterdir())


def test_purge_keeps_code_and_status_and_never_touches_undelivered(cfg, store, tmp_path):
    d = submit(store, cfg, text="d", anonymous=False, name="李四", phone="13912345678",
               attachments=[_photo(tmp_path, 0)]).item
    u = submit(store, cfg, text="u", attachments=[_photo(tmp_path, 1)]).item
    assert store.mark_delivered(d.id, "push") and not store.mark_delivered(d.id, "push")
    store.record_status(d.id, "replied", "已修复", "2026-11-20T10:00:00Z")
    assert store.purge_item(d.id)
    assert not store.purge_item(u.id)
    pd = store.get_item(d.id, with_pii=True)
    assert (pd.name, pd.phone) == (None, None)
    assert not (store.media_dir / d.id).exists() and pd.attachments[0].purged
    assert store.find_by_code(d.code).centre_reply == "已修复"
    assert store.get_item(u.id).attachments[0].path.exists()


def test_many_processes_open_a_new_store_at_once(tmp_path):
    """App and sync daemon start together at boot on an empty data dir: neither may fail
    with "database is locked" while the other switches the new database to WAL."""
    child = (
        "import sys\nfrom pathlib import Path\nfrom kiosk.core.store import Store\n"
        "from kiosk.core.pii import Cipher\nimport time\nd = Path(sys.argv[1])\n"
        "cipher = Cipher.from_key_file(Path(sys.argv[2]), locked_items=0)\n"
        "go = Path(sys.argv[3])\nwhile not go.exists():\n    time.sleep(0.001)\n"
        "for n in range(25):\n    Store(d / str(n), '0371', cipher).close()\n"
    )
    key = tmp_path / "pii.key"
    Cipher.from_key_file(key, locked_items=0)
    for round_ in range(3):
        d, go = tmp_path / f"data{round_}", tmp_path / f"go{round_}"
        procs = [subprocess.Popen([sys.executable, "-c", child, str(d), str(key), str(go)],
                                  stderr=subprocess.PIPE, text=True) for _ in range(6)]
        time.sleep(1.0)  # let every child finish importing, then release them together
        go.touch()
        errors = [p.communicate(timeout=60)[1] for p in procs]
        assert [p.returncode for p in procs] == [0] * 6, "\n".join(errors)


def test_open_waits_for_another_writer_instead_of_failing(tmp_path):
    """Another process may be writing while migrations are pending (an upgraded app
    restarting beside the running sync daemon): opening the store must wait for the
    write lock (busy timeout), not fail at once with "database is locked"."""
    key = tmp_path / "pii.key"
    (tmp_path / "data").mkdir()
    other = sqlite3.connect(tmp_path / "data" / "kiosk.db", isolation_level=None,
                            check_same_thread=False)
    other.execute("PRAGMA journal_mode = WAL")
    other.execute("CREATE TABLE other_process (n)")
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO other_process VALUES (1)")
    releaser = threading.Timer(0.5, lambda: other.execute("COMMIT"))
    releaser.start()
    try:
        Store(tmp_path / "data", "0371", key).close()
    finally:
        releaser.join()
        other.close()


def test_recovery_in_another_process_never_touches_a_commit_in_progress(cfg, write_config, tmp_path, store):
    """Staff run `kiosk status` (or the sync daemon restarts) while the app is committing
    a resident's recording: its files sit renamed into media/ before the row commits and
    look exactly like a crash's leftovers. That recovery must wait, not delete them."""
    cfg_path = write_config()
    renamed = threading.Event()
    release = threading.Event()
    insert = store._insert_item

    def paused_insert(*args):
        renamed.set()          # files are in media/<id>/, the row is not committed yet
        assert release.wait(30)
        return insert(*args)

    store._insert_item = paused_insert
    result = {}
    committer = threading.Thread(target=lambda: result.update(
        item=submit(store, cfg, text="路灯坏了", attachments=[_photo(tmp_path)]).item))
    committer.start()
    assert renamed.wait(30)
    other = subprocess.Popen(
        [sys.executable, "-c", "import sys\nfrom kiosk import config\nfrom kiosk.core.store import Store\n"
         "Store.open(config.load(sys.argv[1])).close()\nprint('recovered', flush=True)", str(cfg_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)            # long enough for the other process to reach its recovery
    release.set()
    committer.join(30)
    out, err = other.communicate(timeout=60)
    assert other.returncode == 0 and "recovered" in out, err
    item = store.get_item(result["item"].id)
    assert [a.path.read_bytes() for a in item.attachments] == [PNG]
    assert store.verify_attachments() == 0


def test_two_processes_commit_concurrently(cfg, write_config, tmp_path):
    cfg_path = write_config()
    child = (
        "import sys\n"
        "from kiosk import config\nfrom kiosk.core.store import Store\nfrom kiosk.core.submission import submit\n"
        "cfg = config.load(sys.argv[1])\ns = Store.open(cfg)\n"
        "for i in range(40):\n    print(submit(s, cfg, text=f'{sys.argv[2]}-{i}').item.code.compact, flush=True)\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", child, str(cfg_path), tag], stdout=subprocess.PIPE,
                              text=True) for tag in "ab"]
    outs = [p.communicate(timeout=120)[0].split() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    codes = outs[0] + outs[1]
    assert len(codes) == len(set(codes)) == 80
    s = Store.open(cfg)
    try:
        assert sorted(i.seq for i in s.list_items()) == list(range(1, 81))
    finally:
        s.close()


# -- the verb-named queries other layers use instead of SQL -----------------------------

def test_list_items_and_counts_filter_by_delivery_and_integrity(cfg, store):
    items = [submit(store, cfg, text=f"第{i}条").item for i in range(4)]
    store.mark_delivered(items[0].id, "push")
    store.quarantine(items[2].id, "rejected by the centre")
    assert [i.seq for i in store.list_items(delivery="pending")] == [2, 4]
    assert [i.seq for i in store.list_items(after_seq=2, delivery="pending")] == [4]
    assert [i.seq for i in store.list_items(after_seq=1, limit=2)] == [2, 3]
    assert (store.count(), store.count("pending"), store.count("quarantined")) == (4, 2, 1)
    assert store.pending_item_ids(0, 10) == [(items[1].id, 2), (items[3].id, 4)]
    assert store.oldest_item("pending", "quarantined").seq == 2
    assert store.oldest_item("quarantined").seq == 3
    assert store.list_items(flagged=True) == []
    with pytest.raises(ValueError):
        store.count("delivery = 'pending'")  # an SQL fragment is not a delivery state


def test_ratings_to_send_wait_for_their_item_and_record_each_outcome(cfg, store):
    a, b = submit(store, cfg, text="a").item, submit(store, cfg, text="b").item
    ra = store.add_rating(a.id, "satisfied")
    store.add_rating(b.id, "satisfied")
    assert store.ratings_to_send(10) == [], "ratings of undelivered items wait"
    store.mark_delivered(a.id, "push")
    (r,) = store.ratings_to_send(10)
    assert (r.id, r.item_id, r.code, r.station, r.rating) == (ra, a.id, a.code.compact, a.station, "satisfied")
    store.record_rating_attempt(ra, "timeout")
    assert store.count_ratings("pending") == 2 and len(store.ratings_to_send(10)) == 1
    store.quarantine_rating(ra, "400 bad rating")
    assert store.ratings_to_send(10) == [] and store.count_ratings("quarantined") == 1
    store.mark_delivered(b.id, "push")
    (rb,) = store.ratings_to_send(10)
    store.mark_rating_delivered(rb.id)
    assert store.count_ratings("delivered") == 1 and store.count_ratings("pending") == 0


def test_meta_prefix_is_literal_and_replace_meta_is_one_transaction(store):
    store.set_meta("device.printer", "p")
    store.set_meta("device_x", "not a device")   # '_' and '%' are not wildcards here
    store.set_meta("devices", "neither")
    assert store.meta_with_prefix("device.") == {"device.printer": "p"}
    store.set_meta("old", "1")
    store.replace_meta({"new": "2", "old": None}, event=("thing_done", "done", {"n": 1}))
    assert (store.get_meta("new"), store.get_meta("old")) == ("2", None)
    assert store.events(1)[0]["kind"] == "thing_done"
    with pytest.raises(sqlite3.ProgrammingError):
        store.replace_meta({"a": "1", "b": object()})  # a bad value fails the whole change
    assert store.get_meta("a") is None


def test_purge_delivered_before_leaves_undelivered_and_recent_items(cfg, store, tmp_path):
    old, recent, waiting = (submit(store, cfg, text=t, attachments=[_photo(tmp_path, n)]).item
                            for n, t in enumerate(("old", "recent", "waiting")))
    store.mark_delivered(old.id, "push")
    cutoff = store.get_item(old.id).delivered_at + "~"   # sorts after that timestamp
    assert store.purge_delivered_before(cutoff) == 1
    while clock.now_iso() <= cutoff[:-1]:  # "recent" must be delivered in a later millisecond
        time.sleep(0.001)
    store.mark_delivered(recent.id, "push")
    assert store.purge_delivered_before(cutoff) == 0
    assert store.get_item(old.id).purged_at and not (store.media_dir / old.id).exists()
    assert store.get_item(recent.id).purged_at is None and store.get_item(waiting.id).purged_at is None
