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
    reading = DiskGuard.from_settings(cfg.storage).read()
    out.append(Check("disk", OK if reading.state is DiskState.OK else FAIL, {
        DiskState.OK: reading.describe(),
        DiskState.LOW: f"LOW: items with recordings, photos or letters are refused; {reading.describe()}",
        DiskState.CRITICAL: f"CRITICAL: out of service, nothing is stored; {reading.describe()}",
    }[reading.state]))
    try:
        with tempfile.NamedTemporaryFile(dir=data, prefix=".doctor-") as f:
            f.write(b"x")
            f.flush()
            os.fsync(f.fileno())
        mount = mount_of(data)
        where = f" ({mount.fs_type} {mount.source} on {mount.mount_point})" if mount else ""
        if mount is not None and mount.volatile:
            # The read-only root's pitfall (systemd/README.md): data in RAM, gone at reboot.
            out.append(Check("data_dir", WARN, f"{data} writable but on {mount.fs_type}{where}: "
                             "items are lost at reboot unless the data dir is a real partition"))
        else:
            out.append(Check("data_dir", OK, f"{data} writable{where}"))
    except OSError as e:
        out.append(Check("data_dir", FAIL, f"{data} not writable: {e.strerror or e}"))
        return out

    try:
        store = ctx.store
        store.recover()  # leftovers removed and queued files re-hashed: flags below are current
    except Exception as e:
        out.append(Check("database", FAIL, f"cannot open {cfg.storage.db_path}: {e}"))
        return out
    ic = store.integrity_check()
    size_mb = store.db_path.stat().st_size / 1e6
    out.append(Check("database", OK if ic == "ok" else FAIL,
                     f"integrity {ic}; {store.count()} items; {size_mb:.1f} MB"))

    pending = store.count(Delivery.PENDING)
    quarantined = store.list_items(delivery=Delivery.QUARANTINED, with_attachments=False)
    flagged = store.list_items(flagged=True, with_attachments=False)
    out.append(Check("queue", WARN if quarantined else OK,
                     f"{pending} waiting for delivery; {len(quarantined)} quarantined"
                     + "".join(f"\n  {i.code}: {i.quarantine_reason}" for i in quarantined[:20])))
    out.append(Check("attachments", FAIL if flagged else OK,
                     f"{len(flagged)} items with changed or missing files"
                     + "".join(f"\n  {i.code}" for i in flagged[:20])))
    trusted = clock.clock_trusted()
    out.append(Check("clock", OK if trusted else WARN,
                     "synchronised" if trusted else
                     "not synchronised (no NTP yet): timestamps are recorded as untrusted"))
    return out
