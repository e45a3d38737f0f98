"""Doctor checks for what makes the station's word provable (docs/security.md, "Station
keys" and "The item chain"): its signing key, and its hash chain of items.

Read-only: the key is loaded, never created (a station that never started has none
yet: a warning), and the chain is recomputed from the stored rows.
"""

from __future__ import annotations

import stat
from pathlib import Path

from kiosk.core import stationkey
from kiosk.doctor import FAIL, OK, SKIP, WARN, Check


def checks(ctx) -> list[Check]:
    try:
        cfg = ctx.config
        store = ctx.store
    except Exception as e:  # the core checks report a bad config or database themselves
        return [Check("station_key", SKIP, f"config or database unavailable: {e}")]
    return [check_station_key(Path(cfg.storage.signing_key_file), store)]


def check_station_key(path: Path, store) -> Check:
    """The key file exists, is owner-only, loads, and is the key the store recorded."""
    recorded = store.get_meta(stationkey.PUBLIC_META)
    if recorded is None and not path.exists():
        return Check("station_key", WARN, f"{path} not created yet: `kiosk run` or `kiosk sync` makes it at "
                                          "their first start; until then receipts print unsigned")
    key = stationkey.load(path, recorded, may_create=False)
    if key.problem is not None:
        return Check("station_key", FAIL, str(key.problem))
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        return Check("station_key", FAIL, f"{path} is mode {mode:04o}: others can read the station's signing "
                                          f"key; chmod 600 {path}")
    where = "recorded in the store" if recorded else "not yet recorded (it is at its first signature)"
    return Check("station_key", OK, f"{path}: Ed25519 key {key.fingerprint}, {where}")
