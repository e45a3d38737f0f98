"""Foundation checks: config, disk, data dir, database, queue, attachments, clock.

Like every check, these only read (docs/cli.md, "kiosk doctor"): the data dir, the
database and the disk guard's spare-space file are never created here. What a fresh
install has not made yet is a WARN saying the kiosk makes it at first start; what could
not be made (a data dir under a read-only or foreign-owned parent) is a FAIL.
"""

from __future__ import annotations

import os
from pathlib import Path

from kiosk.core import clock
from kiosk.config import ConfigError
from kiosk.doctor import FAIL, OK, SKIP, WARN, Check
from kiosk.core.diskguard import DiskGuard, DiskState, mount_of
from kiosk.core.records import Delivery
from kiosk.core.store import StoreNotCreated


def checks(ctx) -> list[Check]:
    """Config, disk, data dir, database, queue, attachments and clock, in that order; the
    checks that need a usable data dir or an existing database stop at the first that
    fails or is not there yet."""
    try:
        cfg = ctx.config
    except ConfigError as e:
        return [Check("config", FAIL, str(e)), Check("storage", SKIP, "config invalid")]
    src = ctx.args.config or os.environ.get("KIOSK_CONFIG") or "built-in defaults"
    out = [Check("config", OK, f"{src}; station {cfg.station.number} {cfg.station.name}")]
    data = cfg.storage.data_path
    out.append(check_disk(cfg))
    out.append(check_data_dir(data))
    if out[-1].status == FAIL:
        return out
    try:
        store = ctx.store
    except StoreNotCreated as e:
        out.append(Check("database", WARN, str(e)))
    except Exception as e:
        out.append(Check("database", FAIL, f"cannot open {cfg.storage.db_path}: {e}"))
        return out
    else:
        out += check_store(store)
    trusted = clock.clock_trusted()
    out.append(Check("clock", OK if trusted else WARN,
                     "synchronised" if trusted else
                     "not synchronised (no NTP yet): timestamps are recorded as untrusted"))
    return out


def nearest_existing(path: Path) -> Path:
    """*path*, or the closest of its parents that exists (``/`` at the latest)."""
    path = Path(os.path.abspath(path))
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_disk(cfg) -> Check:
    """The disk guard's reading of the data partition (low and critical refuse items);
    before the data dir exists, of the partition it will be made on."""
    s = cfg.storage
    reading = DiskGuard(nearest_existing(s.data_path), s.min_free_mb, s.hard_floor_mb).read()
    return Check("disk", OK if reading.state is DiskState.OK else FAIL, {
        DiskState.OK: reading.describe(),
        DiskState.LOW: f"LOW: items with recordings, photos or letters are refused; {reading.describe()}",
        DiskState.CRITICAL: f"CRITICAL: out of service, nothing is stored; {reading.describe()}",
    }[reading.state])


def _why_not_writable(directory: Path) -> str | None:
    """None when the kiosk user may create files in *directory*, else why not."""
    try:
        if os.statvfs(directory).f_flag & os.ST_RDONLY:
            return "on a read-only file system"
    except OSError as e:
        return f"cannot be examined: {e.strerror or e}"
    if not os.access(directory, os.W_OK | os.X_OK):
        st = directory.stat()
        return f"not writable by this user (owner uid {st.st_uid}, mode {st.st_mode & 0o777:04o})"
    return None


def check_data_dir(data: Path) -> Check:
    """Whether the kiosk can write in *data* (or create it), and whether it survives a reboot.

    Judged from the directory's permissions and its mount, without writing a file."""
    data = Path(data)
    if not data.exists():
        base = nearest_existing(data)
        if not base.is_dir():
            return Check("data_dir", FAIL, f"{data} cannot be created: {base} is not a directory")
        why = _why_not_writable(base)
        if why:
            return Check("data_dir", FAIL, f"{data} does not exist and cannot be created: {base} is {why}")
        return Check("data_dir", WARN, f"{data} not created yet; the kiosk creates it at first start")
    if not data.is_dir():
        return Check("data_dir", FAIL, f"{data} is not a directory")
    why = _why_not_writable(data)
    if why:
        return Check("data_dir", FAIL, f"{data} is {why}")
    mount = mount_of(data)
    where = f" ({mount.fs_type} {mount.source} on {mount.mount_point})" if mount else ""
    if mount is not None and mount.volatile:
        # The read-only root's pitfall (systemd/README.md): data in RAM, gone at reboot.
        return Check("data_dir", WARN, f"{data} writable but on {mount.fs_type}{where}: "
                     "items are lost at reboot unless the data dir is a real partition")
    return Check("data_dir", OK, f"{data} writable{where}")


def check_store(store) -> list[Check]:
    """The database's integrity, schema and size, the delivery queue, and items whose
    files changed (re-hashed now, as the sync daemon does at start; nothing is flagged)."""
    ic = store.integrity_check()
    size_mb = store.db_path.stat().st_size / 1e6
    detail = f"integrity {ic}; {store.count()} items; {size_mb:.1f} MB"
    pending = store.pending_migrations()
    if ic != "ok":
        out = [Check("database", FAIL, detail)]
    elif pending:
        out = [Check("database", WARN, f"{detail}; schema older than this code ({', '.join(pending)} "
                                       "not applied yet): the kiosk upgrades it when it next starts")]
    else:
        out = [Check("database", OK, detail)]
    if pending:
        return out  # the queries below expect this code's schema
    waiting = store.count(Delivery.PENDING)
    quarantined = store.list_items(delivery=Delivery.QUARANTINED, with_attachments=False)
    out.append(Check("queue", WARN if quarantined else OK,
                     f"{waiting} waiting for delivery; {len(quarantined)} quarantined"
                     + "".join(f"\n  {i.code}: {i.quarantine_reason}" for i in quarantined[:20])))
    codes = {str(i.code) for i in store.list_items(flagged=True, with_attachments=False)}
    codes |= {str(p.code) for p in store.attachment_problems()}
    out.append(Check("attachments", FAIL if codes else OK,
                     f"{len(codes)} items with changed or missing files"
                     + "".join(f"\n  {c}" for c in sorted(codes)[:20])))
    return out
