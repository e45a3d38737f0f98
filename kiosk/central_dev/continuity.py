"""Per-station continuity at the centre: no item may go missing or change unseen
(docs/centre.md, "Station keys and the chain").

Every item carries its link in its station's hash chain (kiosk/core/chain.py). When it
arrives, :func:`chain_fields` checks that its content gives its link's hash
(``chain_check``: ``ok`` / ``mismatch``). :func:`chain_report` then looks at the station
as a whole, with the chain head and the undelivered sequence numbers its last heartbeat
reported:

* **gaps**: sequence numbers up to the station's head that the centre does not have and
  the station no longer holds either - an item lost (a row deleted at the kiosk);
* **awaited**: numbers the centre lacks but the station still queues (or that are newer
  than its last heartbeat): not lost, on their way;
* **rewrites**: an item whose content does not give its link, two neighbours whose
  links do not join (one of them was rewritten and re-hashed), a seq held twice, or a
  head the station reports that is not the hash of the item the centre holds.
"""

from __future__ import annotations

import json

import sqlalchemy as sa

from kiosk.central_dev.keys import StationKeys
from kiosk.central_dev.tables import items
from kiosk.core import chain, trackcode

#: At most this many numbers are listed per kind (the counts are always whole).
MAX_LISTED = 1000


def chain_fields(meta: dict) -> dict:
    """The ``chain_prev``, ``chain_hash`` and ``chain_check`` columns for an arriving item."""
    link = meta.get("chain")
    if not isinstance(link, dict):
        return {"chain_prev": None, "chain_hash": None, "chain_check": None}
    prev, hash_ = link.get("prev"), link.get("hash")
    ok = (chain.is_hash(prev) and chain.is_hash(hash_) and isinstance(meta.get("seq"), int)
          and chain.link_hash(meta["station"], meta["seq"], prev, chain.meta_digest(meta)) == hash_)
    return {"chain_prev": prev if chain.is_hash(prev) else None,
            "chain_hash": hash_ if chain.is_hash(hash_) else None, "chain_check": "ok" if ok else "mismatch"}


def check_link_meta(meta: dict) -> str | None:
    """Why the ``chain`` object of *meta* is malformed (a 400), else None."""
    link = meta.get("chain")
    if link is None:
        return None
    if not (isinstance(link, dict) and chain.is_hash(link.get("prev")) and chain.is_hash(link.get("hash"))):
        return "metadata chain must be {\"prev\": <64 hex>, \"hash\": <64 hex>}"
    return None


def head_of(beat) -> dict | None:
    """The ``chain`` report in a heartbeat row's body (or None: no heartbeat, or none in it)."""
    try:
        body = json.loads(beat["body"]) if beat is not None else None
    except ValueError:
        return None
    head = body.get("chain") if isinstance(body, dict) else None
    return head if isinstance(head, dict) and isinstance(head.get("seq"), int) else None


def _rewrites(rows, head: dict | None) -> list[dict]:
    out, by_seq = [], {}
    for r in rows:
        if r["seq"] in by_seq:
            out.append({"seq": r["seq"], "code": r["code"], "reason": "a second item with this seq"})
            continue
        by_seq[r["seq"]] = r
        if r["chain_check"] == "mismatch":
            out.append({"seq": r["seq"], "code": r["code"],
                        "reason": "its content does not give its link's hash (changed after it was chained)"})
        before = by_seq.get(r["seq"] - 1)
        if before and before["chain_hash"] and r["chain_prev"] and r["chain_prev"] != before["chain_hash"]:
            out.append({"seq": r["seq"], "code": r["code"],
                        "reason": f"links to {r['chain_prev'][:12]}…, but seq {r['seq'] - 1} as received "
                                  f"hashes to {before['chain_hash'][:12]}… (rewritten at the station)"})
    held = by_seq.get(head["seq"]) if head else None
    if held and held["chain_hash"] and head.get("hash") != held["chain_hash"]:
        out.append({"seq": head["seq"], "code": held["code"],
                    "reason": "the station's chain head is not the hash of the item received with this seq"})
    return sorted(out, key=lambda x: x["seq"])


def _missing(received: set[int], last: int) -> list[int]:
    # A head far beyond what arrived is looked at only up to 100,000 numbers past it.
    last = min(last, max(received or {0}) + 100_000)
    return [s for s in range(1, last + 1) if s not in received]


def chain_report(db, station: str, head: dict | None) -> dict:
    """The continuity of *station*'s chain as the centre sees it (module docstring), with
    the *head* its last heartbeat reported (:func:`head_of`; None: none yet)."""
    rows = db.select(sa.select(items.c.seq, items.c.code, items.c.chain_prev, items.c.chain_hash,
                               items.c.chain_check).where(items.c.station == station, items.c.seq.is_not(None))
                     .order_by(items.c.seq, items.c.received_at))
    received = {r["seq"] for r in rows}
    head_seq = head["seq"] if head else 0
    missing = _missing(received, max([head_seq, *received] or [0]))
    undelivered = {s for s in (head or {}).get("undelivered") or [] if isinstance(s, int)}
    beyond = max(undelivered) if (head or {}).get("undelivered_more") and undelivered else None
    # Without a heartbeat's head, nothing says the station still holds a number: all gaps.
    awaited = [s for s in missing if s in undelivered or s > head_seq or (beyond is not None and s > beyond)] \
        if head else []
    waiting = set(awaited)
    gaps = [s for s in missing if s not in waiting]
    rewrites = _rewrites(rows, head)
    state = "rewrite" if rewrites else "gap" if gaps else "awaiting" if awaited else "ok"
    parts = [f"{len(received)} received, head {head_seq or '?'}"]
    if gaps:
        parts.append(f"MISSING seq {_named(station, gaps)}")
    if awaited:
        parts.append(f"awaiting seq {_spans(awaited)}")
    parts += [f"REWRITE seq {r['seq']}: {r['reason']}" for r in rewrites[:3]]
    return {"state": state, "received": len(received), "head_seq": head_seq or None,
            "gaps": gaps[:MAX_LISTED], "gap_count": len(gaps), "awaited": awaited[:MAX_LISTED],
            "awaited_count": len(awaited), "rewrites": rewrites[:MAX_LISTED], "summary": "; ".join(parts)}


def _named(station: str, seqs: list[int]) -> str:
    """A few missing numbers with the tracking codes they had (the resident's receipt
    shows that code), else their spans."""
    if len(seqs) > 5:
        return _spans(seqs)
    return ", ".join(f"{s} ({trackcode.make(station, s)})" for s in seqs)


def _spans(seqs: list[int]) -> str:
    """``[2, 3, 4, 9]`` -> ``"2-4, 9"`` (the first 20 runs)."""
    runs: list[list[int]] = []
    for s in seqs:
        if runs and s == runs[-1][1] + 1:
            runs[-1][1] = s
        else:
            runs.append([s, s])
    text = ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs[:20])
    return text + (", …" if len(runs) > 20 else "")


def station_reports(db) -> list[dict]:
    """Every station the centre knows of (items, keys or heartbeats), with its pinned key
    (and any refused one), its chain report and its last heartbeat's time."""
    keys = {k["station"]: k for k in StationKeys(db).all()}
    beats = {b["station"]: b for b in db.last_heartbeats()}  # one read for all stations
    names = {r["station"] for r in db.select(sa.select(items.c.station).distinct())} | set(beats) | set(keys)
    return [{"station": station, "key": keys.get(station),
             "chain": chain_report(db, station, head_of(beats.get(station))),
             "last_heartbeat_at": beats[station]["received_at"] if station in beats else None}
            for station in sorted(names)]
