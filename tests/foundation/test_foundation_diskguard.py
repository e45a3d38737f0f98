"""The disk guard on a REAL small file system (an 8 MB tmpfs mounted by the test).

Thresholds: storage.min_free_mb = 4 (media refused below), hard_floor_mb = 2 (out of
service below). The free space is set with a filler file, so SQLite, the fsyncs and the
renames meet a genuinely full disk. Where no tmpfs can be mounted (not root) these tests
skip with the reason and ``test_enospc_injected_*`` below cover the write sites.
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import subprocess
import sys

import pytest

from kiosk import config as configmod
from kiosk.core.diskguard import MB, DiskGuard, DiskState, MediaRefusedError, OutOfServiceError
from kiosk.core.store import DiskFullError, Store
from kiosk.core.submission import AttachmentInput, submit

GUARD = "min_free_mb = 4\nhard_floor_mb = 2\n"
JPEG = b"\xff\xd8\xff\xe0" + os.urandom(600_000)


def kiosk(cfg_path, *args, timeout=120):
    """Run the real CLI in a child process (a full disk must not end in a traceback)."""
    res = subprocess.run([sys.executable, "-m", "kiosk", "--config", str(cfg_path), "--json", *args],
                         capture_output=True, text=True, timeout=timeout)
    assert "Traceback" not in res.stderr, res.stderr
    return res.returncode, (json.loads(res.stdout) if res.stdout.strip().startswith("{") else res.stdout)


def leftovers(data):
    return sorted(p.name for p in (data / "tmp").iterdir()), sorted(p.name for p in (data / "media").iterdir())


def integrity(data) -> str:
    conn = sqlite3.connect(f"file:{data / 'kiosk.db'}?mode=ro", uri=True)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def test_both_thresholds_through_the_cli_and_recovery(small_disk, write_config, tmp_path):
    cfg_path = write_config(storage=GUARD)
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(JPEG)
    data = small_disk.root

    rc, out = kiosk(cfg_path, "submit", "--text", "路灯坏了", "--attach", str(photo))
    assert rc == 0 and out["ok"], out
    first = out["code"]
    with Store.open(configmod.load(cfg_path)) as s:  # for a staff write below
        s.quarantine(s.find_by_code(first).id, "rejected by the centre (test)")

    # -- low: below min_free_mb, media refused before a byte is written; text still works
    small_disk.fill_to(3 * MB + 200_000)
    before = leftovers(data)
    rc, out = kiosk(cfg_path, "submit", "--text", "有照片", "--attach", str(photo))
    assert rc == 6 and out["reason"] == "media_refused" and out["disk"]["state"] == "low", out
    assert leftovers(data) == before
    rc, out = kiosk(cfg_path, "submit", "--text", "只有文字")
    assert rc == 0 and out["ok"], out
    rc, out = kiosk(cfg_path, "doctor")
    assert rc == 1
    assert "LOW" in json.dumps(out, ensure_ascii=False)

    # -- an item whose photo would take the disk below min_free_mb is refused too
    small_disk.fill_to(4 * MB + 300_000)
    rc, out = kiosk(cfg_path, "submit", "--text", "x", "--attach", str(photo))
    assert rc == 6 and out["reason"] == "media_refused", out

    # -- critical: below hard_floor_mb every write is refused, with a named error
    small_disk.fill_to(1 * MB)
    rc, out = kiosk(cfg_path, "submit", "--text", "硬底线")
    assert rc == 6 and out["reason"] == "out_of_service" and out["disk"]["state"] == "critical", out
    rc, out = kiosk(cfg_path, "doctor")
    assert rc == 1 and "CRITICAL" in json.dumps(out, ensure_ascii=False)
    with Store.open(configmod.load(cfg_path)) as s:  # reads still work on the full disk ...
        assert s.find_by_code(first).delivery == "quarantined"
    rc, out = kiosk(cfg_path, "sync", "--requeue", first)  # ... any write: named, no traceback
    assert rc == 6 and out["reason"] == "out_of_service", out

    # -- full to the last block: the store still opens (ballast) and refuses by name
    small_disk.fill_to(0)
    assert small_disk.free() < 64 * 1024
    rc, out = kiosk(cfg_path, "submit", "--text", "满了")
    assert rc == 6 and out["reason"] == "out_of_service", out

    # -- space returns: it recovers by itself, nothing lost, no sequence number burnt
    small_disk.empty()
    assert integrity(data) == "ok"
    rc, out = kiosk(cfg_path, "submit", "--text", "恢复了", "--attach", str(photo))
    assert rc == 0 and out["ok"], out
    assert out["code"].split("-")[1] == "000003"  # first, text-only, this one
    rc, out = kiosk(cfg_path, "doctor")
    checks = {c["name"]: c["status"] for c in out["checks"]}
    assert checks["disk"] == "ok" and checks["database"] == "ok", out
    cfg = configmod.load(cfg_path)
    with Store.open(cfg) as s:
        assert s.count() == 3 and s.find_by_code(first).attachments[0].path.exists()
        assert s.integrity_check() == "ok"


def test_every_write_is_refused_below_the_floor_and_resumes(small_disk, write_config):
    cfg = configmod.load(write_config(storage=GUARD))
    with Store.open(cfg) as store:
        item = submit(store, cfg, text="先存一条").item
        small_disk.fill_to(1 * MB)
        for write in (lambda: store.add_rating(item.id, "satisfied"),
                      lambda: store.mark_delivered(item.id, "push"),
                      lambda: store.log_event("x", "y"),
                      lambda: store.set_meta("k", "v")):
            with pytest.raises(OutOfServiceError) as e:
                write()
            assert e.value.reading.state is DiskState.CRITICAL
        with pytest.raises(OutOfServiceError):
            submit(store, cfg, text="拒绝")
        assert store.integrity_check() == "ok" and store.count() == 1
        small_disk.empty()
        assert store.mark_delivered(item.id, "push")  # the same open store, by itself
        assert submit(store, cfg, text="又可以了").item.seq == 2


def test_a_disk_full_before_the_store_was_ever_created(small_disk, write_config, tmp_path):
    # First boot on a full card: no database yet, so no ballast was ever made to give back.
    # (A floor low enough that the 8 MB disk has room for the ballast once emptied.)
    cfg_path = write_config(storage="min_free_mb = 2\nhard_floor_mb = 1\n")
    cfg = configmod.load(cfg_path)
    small_disk.fill_to(0)
    rc, out = kiosk(cfg_path, "submit", "--text", "第一次")  # a command: the named refusal, exit 6
    assert rc == 6 and out["reason"] == "out_of_service" and out["disk"]["state"] == "critical", out
    with pytest.raises(OutOfServiceError, match="cannot even be opened"):
        Store.open(cfg)
    rc, out = kiosk(cfg_path, "doctor")
    checks = {c["name"]: c for c in out["checks"]}
    assert rc == 1 and checks["disk"]["status"] == "fail" and "CRITICAL" in checks["disk"]["detail"], out
    store = Store.open(cfg, verify=False, wait_for_disk=True)  # what `kiosk run` does
    try:
        assert not store.is_open and not store.try_open()
        with pytest.raises(OutOfServiceError) as e:
            store.count()
        assert e.value.reading.state is DiskState.CRITICAL
        with pytest.raises(OutOfServiceError):
            submit(store, cfg, text="还是满的")
        small_disk.empty()
        assert store.try_open() and store.is_open  # the same object, no restart
        assert submit(store, cfg, text="有空间了").item.seq == 1
        assert store.guard.ballast_path.exists()  # made at open, for the next full disk
    finally:
        store.close()
    small_disk.fill_to(0)  # ... where it lets the store open and refuse by name
    with Store.open(cfg) as s:
        assert s.count() == 1 and not s.guard.ballast_path.exists()
        with pytest.raises(OutOfServiceError):
            submit(s, cfg, text="又满了")
    assert integrity(small_disk.root) == "ok"


def test_a_full_disk_with_no_ballast_keeps_every_stored_item(small_disk, write_config):
    # A store created while there was no room to spare for the ballast, then filled up.
    cfg = configmod.load(write_config(storage=GUARD))
    with Store.open(cfg) as s:
        codes = [submit(s, cfg, text=f"第{n}条").item.code for n in range(3)]
    DiskGuard.from_settings(cfg.storage).release_ballast()
    small_disk.fill_to(0)
    with pytest.raises(OutOfServiceError):
        Store.open(cfg)
    store = Store.open(cfg, verify=False, wait_for_disk=True)
    try:
        assert not store.is_open
        small_disk.empty()
        assert store.try_open()
        assert [store.find_by_code(c).text for c in codes] == ["第0条", "第1条", "第2条"]
        assert store.integrity_check() == "ok"
    finally:
        store.close()


def test_a_new_database_with_room_for_its_header_only(small_disk, write_config):
    # Enough room to create the file but not its tables: the first migration is rolled back
    # and the store stays closed (named for commands) instead of half made.
    cfg = configmod.load(write_config(storage=GUARD))
    small_disk.fill_to(8 * 1024)
    with pytest.raises(OutOfServiceError):
        Store.open(cfg)
    store = Store.open(cfg, wait_for_disk=True)
    try:
        assert not store.is_open
        small_disk.empty()
        assert store.try_open() and store.count() == 0 and store.integrity_check() == "ok"
    finally:
        store.close()


def test_enospc_in_the_middle_of_a_commit_leaves_no_item_or_a_whole_one(small_disk, write_config,
                                                                        monkeypatch):
    """The commit itself meets the full disk, at every stage of it."""
    cfg = configmod.load(write_config(storage="min_free_mb = 0\nhard_floor_mb = 0\n"))
    att = [AttachmentInput("a.jpg", JPEG[:300_000], kind="photo")]
    with Store.open(cfg) as store:
        # The race the guard cannot see: another process fills the disk right after the
        # guard looked. So the item-level look is skipped and the write path meets ENOSPC.
        monkeypatch.setattr(store.guard, "check_item", lambda media_bytes: None)
        stored, refused = [], 0
        # From "photo does not fit" through "photo fits, the row does not" to "all fits".
        for free in range(250_000, 380_000, 8_192):
            small_disk.fill_to(free)
            try:
                stored.append(submit(store, cfg, text="文" * 2000, attachments=att).item)
            except (DiskFullError, OutOfServiceError):
                refused += 1
            small_disk.empty()
            assert store.integrity_check() == "ok"
            tmp, media = leftovers(small_disk.root)
            assert tmp == [] and sorted(media) == sorted(i.id for i in stored), (free, tmp, media)
        assert refused and stored, (refused, len(stored))
        # Sequence numbers were not burnt by the refused commits; every stored item is whole.
        assert [i.seq for i in stored] == list(range(1, len(stored) + 1))
        assert store.verify_attachments(only_undelivered=False) == 0
        for i in stored:
            got = store.get_item(i.id)
            assert got.text == "文" * 2000 and got.attachments[0].size == 300_000


def test_a_sqlite_commit_that_meets_a_full_disk_rolls_back(small_disk, write_config):
    cfg = configmod.load(write_config("[submission]\nmax_text_chars = 100000\n",
                                      storage="min_free_mb = 0\nhard_floor_mb = 0\n"))
    with Store.open(cfg) as store:
        submit(store, cfg, text="一")
        small_disk.fill_to(100_000)  # the guard (floors 0) lets it through; the WAL cannot grow
        with pytest.raises(DiskFullError):
            submit(store, cfg, text="大" * 90_000)  # ~270 kB into the WAL: cannot fit
        small_disk.empty()
        assert store.integrity_check() == "ok" and store.count() == 1
        assert submit(store, cfg, text="二").item.seq == 2


# -- without a mount: the same errors from injected ENOSPC at each write site -----------

@pytest.fixture
def full_guard(monkeypatch):
    """Make statvfs report *free* bytes (the guard's only input) on a normal disk."""
    real = os.statvfs

    def set_free(free: int):
        def fake(path):
            st = real(path)
            return os.statvfs_result((st.f_bsize, 4096, st.f_blocks, free // 4096, free // 4096,
                                      st.f_files, st.f_ffree, st.f_favail, st.f_flag, st.f_namemax))
        monkeypatch.setattr(os, "statvfs", fake)
    return set_free


def test_guard_states_from_free_space(tmp_path, full_guard):
    g = DiskGuard(tmp_path, min_free_mb=4, hard_floor_mb=2)
    for free, state in ((10 * MB, DiskState.OK), (3 * MB, DiskState.LOW), (1 * MB, DiskState.CRITICAL),
                        (0, DiskState.CRITICAL)):
        full_guard(free)
        assert g.read().state is state
    full_guard(5 * MB)
    assert g.read(2 * MB).state is DiskState.LOW
    with pytest.raises(MediaRefusedError):
        g.check_item(2 * MB)
    assert g.check_item(0).state is DiskState.OK
    with pytest.raises(ValueError):
        DiskGuard(tmp_path, min_free_mb=1, hard_floor_mb=2)


@pytest.mark.parametrize("site", ["write", "fsync", "rename", "fsync_dir"])
def test_enospc_injected_at_each_file_write_site(cfg, store, tmp_path, monkeypatch, site):
    def enospc(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")
    import kiosk.core.fsutil as fsutil
    if site == "write":
        monkeypatch.setattr(fsutil, "write_stream", lambda *a, **k: (_ for _ in ()).throw(
            fsutil.DiskFullError(errno.ENOSPC, "disk full while writing")))
    elif site == "fsync":
        monkeypatch.setattr(os, "fsync", enospc)
    elif site == "rename":
        monkeypatch.setattr(os, "rename", enospc)
    else:
        monkeypatch.setattr(fsutil, "fsync_dir", enospc)
    with pytest.raises(DiskFullError):
        submit(store, cfg, text="x", attachments=[AttachmentInput("a.jpg", JPEG[:1000], kind="photo")])
    monkeypatch.undo()
    assert leftovers(store.data_dir) == ([], [])
    assert store.count() == 0 and store.integrity_check() == "ok"


def test_invalid_floor_is_a_config_error_naming_the_key(write_config):
    with pytest.raises(configmod.ConfigError) as e:
        configmod.load(write_config(storage="min_free_mb = 10\nhard_floor_mb = 20\n"))
    assert e.value.key == "storage.hard_floor_mb"
