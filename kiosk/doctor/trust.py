"""Doctor checks for what makes the station's word provable (docs/security.md, "Station
keys" and "The item chain"): its signing key, and its hash chain of items.

Read-only: the key is loaded, never created (a station that never started has none
yet: a warning), and the chain is recomputed from the stored rows.
"""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Iterator

from kiosk.core import chain, stationkey
from kiosk.core.keyfile import Fault
from kiosk.doctor import FAIL, OK, WARN, Check, Unavailable, config_and_store


def checks(ctx) -> list[Check]:
    """The ``station_key`` line and a ``chain`` line per station of `kiosk doctor`."""
    try:
        cfg, store = config_and_store(ctx, "station_key")
    except Unavailable as e:
        return [e.check]
    path = Path(cfg.storage.signing_key_file)
    if store is None:  # a station never started: no database, so no chain either
        return [check_station_key(path, None)]
    return [check_station_key(path, store), *check_chain(store)]


def check_station_key(path: Path, store) -> Check:
    """The key file exists, is owner-only, loads, and is the key the store recorded
    (*store* None: no database yet, so nothing recorded)."""
    recorded = store.get_meta(stationkey.PUBLIC_META) if store is not None else None
    key = stationkey.load(path, recorded, may_create=False)
    if key.problem is not None and key.problem.fault is Fault.NOT_CREATED:
        return Check("station_key", WARN, f"{path} not created yet: `kiosk run` or `kiosk sync` makes it at "
                                          "their first start; until then receipts print unsigned")
    if key.problem is not None:
        return Check("station_key", FAIL, str(key.problem))
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        return Check("station_key", FAIL, f"{path} is mode {mode:04o}: others can read the station's signing "
                                          f"key; chmod 600 {path}")
    where = "recorded in the store" if recorded else "not yet recorded (it is at its first signature)"
    return Check("station_key", OK, f"{path}: Ed25519 key {key.fingerprint}, {where}")


def check_chain(store) -> list[Check]:
    """Every station chain in the store recomputed from its rows; FAIL naming the first
    broken link (kiosk/core/chain.py). Read in pages, so memory stays small."""
    out = []
    for station in store.chain_stations():
        head = store.chain_head(station)
        broken = chain.find_break(station, _items(store, station), head)
        if broken is not None:
            out.append(Check("chain", FAIL, f"first broken link: {broken}"))
        else:
            out.append(Check("chain", OK, f"station {station}: {head[0]} items, every link whole"))
    return out or [Check("chain", OK, "no items yet")]


def _items(store, station: str) -> Iterator:
    after = 0
    while page := store.station_items(station, after_seq=after, limit=PAGE):
        yield from page
        after = page[-1].seq


PAGE = 500
