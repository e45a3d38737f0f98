"""The centre's pinned station keys (docs/centre.md, "Station keys and the chain").

Each station's Ed25519 public key (kiosk/core/stationkey.py) is pinned the first time
the centre sees it - in a heartbeat or a USB bundle - or enrolled by staff
(`kiosk central-dev enrol STATION KEY`). A different key for a pinned station is refused
(:class:`KeyChanged`), recorded with the station (the pages and
`kiosk central-dev stations` show it) and never replaces the pin: only staff replace a
key (`enrol --replace`), after finding out why the station's key changed. The pinned
keys are what the centre publishes to every station (``station_keys`` in the station
config) so that any station can check any receipt offline.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re

import sqlalchemy as sa

from kiosk.central_dev.tables import items, station_keys
from kiosk.core import chain, receiptsig, trackcode
from kiosk.core.clock import now_iso
from kiosk.core.stationkey import ALGORITHM, decode_public, fingerprint

log = logging.getLogger("kiosk.central_dev.keys")


class KeyRefused(Exception):
    """A station key cannot be taken (``str()`` says why)."""


class KeyChanged(KeyRefused):
    """A station offered a key that is not the one pinned for it: refused."""

    def __init__(self, station: str, pinned: str, offered: str, via: str):
        self.station, self.pinned, self.offered, self.via = station, pinned, offered, via
        super().__init__(f"station {station} offered key {fingerprint(offered)} ({via}), but its pinned key is "
                         f"{fingerprint(pinned)}: refused (enrol the new key with `kiosk central-dev enrol "
                         f"{station} KEY --replace` once you know why it changed)")


class BadKey(KeyRefused):
    """What was offered is not an Ed25519 public key."""


def check_public(public: str) -> str:
    """*public* if it is a station public key (base64 of 32 bytes), else :class:`BadKey`."""
    try:
        decode_public(public)
    except ValueError as e:
        raise BadKey(f"not a station public key: {e}") from None
    return public


class StationKeys:
    """Pin, enrol and list station keys in a :class:`~kiosk.central_dev.db.CentralDB`."""

    def __init__(self, db):
        self.db = db

    def pinned(self, station: str) -> str | None:
        """The pinned public key of *station*, or None."""
        rows = self.db.select(sa.select(station_keys.c.public_key).where(station_keys.c.station == station))
        return rows[0]["public_key"] if rows else None

    def pin(self, station: str, public: str, via: str) -> str:
        """Pin *public* for *station* if it has no key yet: ``"pinned"`` (now) or ``"same"``.
        A different key raises :class:`KeyChanged` after recording the refusal."""
        check_public(public)
        with self.db.begin() as conn:
            res = conn.execute(self.db.insert_ignoring_duplicate(station_keys).values(
                station=station, public_key=public, via=via, pinned_at=now_iso()).returning(station_keys.c.station))
            if res.first() is not None:
                log.info("station %s: key %s pinned (first seen, %s)", station, fingerprint(public), via)
                return "pinned"
            current = conn.execute(sa.select(station_keys.c.public_key)
                                   .where(station_keys.c.station == station)).scalar_one()
            if current == public:
                return "same"
            conn.execute(station_keys.update().where(station_keys.c.station == station).values(
                refused_key=public, refused_via=via, refused_at=now_iso(),
                refusals=station_keys.c.refusals + 1))
        err = KeyChanged(station, current, public, via)
        log.warning("%s", err)
        raise err

    def enrol(self, station: str, public: str, *, replace: bool = False) -> str:
        """Staff enrol *public* for *station*: ``"pinned"``, ``"same"`` or, with
        *replace*, ``"replaced"``; without it a different pinned key raises :class:`KeyChanged`."""
        if not replace:
            return self.pin(station, public, "enrolled")
        check_public(public)
        with self.db.begin() as conn:
            gone = conn.execute(station_keys.delete().where(station_keys.c.station == station)).rowcount
            conn.execute(station_keys.insert().values(station=station, public_key=public, via="enrolled",
                                                      pinned_at=now_iso()))
        return "replaced" if gone else "pinned"

    def all(self) -> list[dict]:
        """Every pinned key, by station, with its fingerprint and the last refused key."""
        out = []
        for r in self.db.select(sa.select(station_keys).order_by(station_keys.c.station)):
            refused = None
            if r["refused_key"]:
                refused = {"public_key": r["refused_key"], "fingerprint": fingerprint(r["refused_key"]),
                           "via": r["refused_via"], "at": r["refused_at"], "count": int(r["refusals"] or 0)}
            out.append({"station": r["station"], "algorithm": ALGORITHM, "public_key": r["public_key"],
                        "fingerprint": fingerprint(r["public_key"]), "via": r["via"],
                        "pinned_at": r["pinned_at"], "refused": refused})
        return out

    def published(self) -> dict[str, str]:
        """Station -> pinned public key (what every station config carries: read on each
        config GET, so only the two columns, no fingerprints)."""
        rows = self.db.select(sa.select(station_keys.c.station, station_keys.c.public_key))
        return {r["station"]: r["public_key"] for r in rows}

    def take_heartbeat(self, station: str, body: dict) -> None:
        """Pin (or refuse) the key a heartbeat reports; never fails the heartbeat."""
        report = body.get("station_key")
        if not isinstance(report, dict) or not isinstance(report.get("public_key"), str):
            return
        try:
            self.pin(station, report["public_key"], "heartbeat")
        except KeyRefused as e:
            log.warning("station %s heartbeat: %s", station, e)


def with_station_keys(body: str, keys: dict[str, str]) -> str:
    """The station config *body* with the district's pinned keys as ``station_keys``
    (docs/protocol.md, "Station config"); a body that is not a JSON object is served as
    it is (the kiosk rejects it anyway)."""
    try:
        doc = json.loads(body)
    except ValueError:
        return body
    if not isinstance(doc, dict):
        return body
    doc["station_keys"] = [{"station": s, "algorithm": ALGORITHM, "public_key": k} for s, k in sorted(keys.items())]
    return json.dumps(doc, ensure_ascii=False)


def verify_receipt(db, payload: str):
    """The centre's verdict on a scanned receipt payload (kiosk/core/receiptsig.py) with
    its pinned keys, and whether the item it holds under that code still matches the
    signed digest. Raises :class:`~kiosk.core.trackcode.CodeError` for a payload that
    is not one of our receipts."""
    try:
        base, fields = receiptsig.split_fragment(str(payload or "").strip())
    except receiptsig.ReceiptPayloadError as e:
        raise trackcode.CodeError(str(e)) from None
    runs = re.findall(r"[0-9][0-9\-]*[0-9]", base)
    if not runs:
        raise trackcode.CodeError("the payload holds no tracking code")
    code = trackcode.parse(runs[-1])
    result = receiptsig.check(code, fields.get("r"), StationKeys(db).published())
    if result.verdict is not receiptsig.Verdict.AUTHENTIC:
        return result
    rows = db.select(sa.select(items.c.meta).where(items.c.station == code.station, items.c.seq == code.seq))
    if not rows:
        return dataclasses.replace(result, reason=result.reason + "; the centre has no item with this code yet")
    same = chain.meta_digest(json.loads(rows[0]["meta"])) == result.digest
    return dataclasses.replace(result, content="matches" if same else "differs", reason=result.reason + (
        "; the centre's item matches it" if same else "; but the centre's item is not what it was issued for"))
