"""The representatives an item may address, as the centre's own station config lists
them (docs/protocol.md, "representative_id"; docs/centre.md).

An item of protocol 3 names the representative the resident addressed by id. The centre
takes it only when that id is a representative of the config it serves to the item's
station (the station's own, else the one for every station, else the built-in default,
kiosk/central_dev/defaults.py); anything else is refused with ``422`` and a sentence
that starts "unknown representative", which the kiosk's forwarder files as the item's
problem (quarantine), never as a setup error (kiosk/sync/client.py, "rejected").
"""

from __future__ import annotations

import json

from kiosk.central_dev.defaults import default_config

#: How an unknown representative's refusal begins (tests and the kiosk's doctor read it).
UNKNOWN = "unknown representative"


def served_representatives(db, station: str) -> dict[str, str]:
    """id -> name of each representative in the station config *station* is served.
    A config body staff stored that is not JSON lists nobody (central-dev does not
    validate what staff store; the kiosk does)."""
    found = db.config_for(station)
    body = found[0] if found else default_config()
    try:
        reps = json.loads(body).get("representatives") or []
    except (ValueError, AttributeError):
        return {}
    if not isinstance(reps, list):
        return {}
    return {r["id"]: str(r.get("name") or "") for r in reps
            if isinstance(r, dict) and isinstance(r.get("id"), str)}


def type_problem(meta: dict) -> str | None:
    """Why *meta*'s ``representative_id`` has the wrong type (a 400), else None."""
    rep = meta.get("representative_id")
    if rep is None:
        return None
    if not isinstance(rep, str) or not rep or len(rep) > 64:
        return "metadata representative_id must be null or a string of 1-64 characters"
    return None


def refusal(db, meta: dict) -> str | None:
    """The named refusal of an item whose ``representative_id`` is not one of its
    station's served representatives, else None (also for an item addressing nobody)."""
    rep = meta.get("representative_id")
    if rep is None:
        return None
    known = served_representatives(db, meta["station"])
    if rep in known:
        return None
    listed = ", ".join(sorted(known)) or "none"
    return (f"{UNKNOWN} {rep!r}: not in the station config of station {meta['station']} "
            f"(its representatives: {listed})")


def described(db, meta: dict, cache: dict | None = None) -> dict | None:
    """``{"id", "name"}`` of the representative *meta* addresses (name None when the
    station's config no longer lists them), None for an item addressing nobody.
    *cache*: station -> served representatives, shared over one listing."""
    rep = meta.get("representative_id") if isinstance(meta, dict) else None
    if not isinstance(rep, str):
        return None
    cache = {} if cache is None else cache
    station = meta.get("station")
    if station not in cache:
        cache[station] = served_representatives(db, station)
    return {"id": rep, "name": cache[station].get(rep)}
