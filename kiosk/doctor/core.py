"""Foundation checks: config, data dir, disk, database, queue, clock."""

from __future__ import annotations

import os
import tempfile

from kiosk.core import clock, fsutil
from kiosk.config import ConfigError
from kiosk.doctor import FAIL, OK, SKIP, WARN, Check
from kiosk.core.diskguard import DiskGuard, DiskState, mount_of
from kiosk.core.records import Delivery


def checks(ctx) -> list[Check]:
    """Config, disk, data dir, database, queue, attachments and clock, in that order; the
    checks that need a working data dir or database stop at the first that fails."""
    out = []
    try:
        cfg = ctx.config
    except ConfigError as e:
        return [Check("config", FAIL, str(e)), Check("storage", SKIP, "config invalid")]
    src = ctx.args.config or os.environ.get("KIOSK_CONFIG") or "built-in defaults"
    out.append(Check("config", OK, f"{src}; station {cfg.station.number} {cfg.station.name}"))

    data = cfg.storage.data_path
    try:
        fsutil.make_private_dir(data)
    except OSError as e:
        out.append(Check("data_dir", FAIL, f"{data} cannot be created: {e.strerror or e}"))
        return out
    out.append(check_disk(cfg))
    out.append(check_data_dir(data))
    if out[-1].status == FAIL:
        return out

    try:
        store = ctx.store
        store.recover()  # leftovers removed and queued files re-hashed: flags below are current
    except Exception as e:
        out.append(Check("database", FAIL, f"cannot open {cfg.storage.db_path}: {e}"))
        return out
    out += check_store(store)
    trusted = clock.clock_trusted()
    out.append(Check("clock", OK if trusted else WARN,
                     "synchronised" if trusted else
                     "not synchronised (no NTP yet): timestamps are recorded as untrusted"))
    return out


def check_disk(cfg) -> Check:
    """The disk guard's reading of the data partition (low and critical refuse items)."""
    reading = DiskGuard.from_settings(cfg.storage).read()
    return Check("disk", OK if reading.state is DiskState.OK else FAIL, {
        DiskState.OK: reading.describe(),
        DiskState.LOW: f"LOW: items with recordings, photos or letters are refused; {reading.describe()}",
        DiskState.CRITICAL: f"CRITICAL: out of service, nothing is stored; {reading.describe()}",
    }[reading.state])


def check_data_dir(data) -> Check:
    """Whether a file can be written and synced in *data*, and whether it survives a reboot."""
    try:
        with tempfile.NamedTemporaryFile(dir=data, prefix=".doctor-") as f:
            f.write(b"x")
            f.flush()
            os.fsync(f.fileno())
        mount = mount_of(data)
        where = f" ({mount.fs_type} {mount.source} on {mount.mount_point})" if mount else ""
        if mount is not None and mount.volatile:
            # The read-only root's pitfall (systemd/README.md): data in RAM, gone at reboot.
            return Check("data_dir", WARN, f"{data} writable but on {mount.fs_type}{where}: "
                         "items are lost at reboot unless the data dir is a real partition")
        return Check("data_dir", OK, f"{data} writable{where}")
    except OSError as e:
        return Check("data_dir", FAIL, f"{data} not writable: {e.strerror or e}")


def check_store(store) -> list[Check]:
    """The database's integrity and size, the delivery queue, and items whose files changed."""
    ic = store.integrity_check()
    size_mb = store.db_path.stat().st_size / 1e6
    out = [Check("database", OK if ic == "ok" else FAIL,
                 f"integrity {ic}; {store.count()} items; {size_mb:.1f} MB")]
    pending = store.count(Delivery.PENDING)
    quarantined = store.list_items(delivery=Delivery.QUARANTINED, with_attachments=False)
    flagged = store.list_items(flagged=True, with_attachments=False)
    out.append(Check("queue", WARN if quarantined else OK,
                     f"{pending} waiting for delivery; {len(quarantined)} quarantined"
                     + "".join(f"\n  {i.code}: {i.quarantine_reason}" for i in quarantined[:20])))
    out.append(Check("attachments", FAIL if flagged else OK,
                     f"{len(flagged)} items with changed or missing files"
                     + "".join(f"\n  {i.code}" for i in flagged[:20])))
    return out
