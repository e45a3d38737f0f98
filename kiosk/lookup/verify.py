"""Is this receipt genuine? Checked at any station of the district, with no network.

The receipt's QR code carries its station's seal (kiosk/core/receiptsig.py). The keys
come from what this station already holds: its own public key (store meta
``station_key.public``) and the district's keys the centre publishes in the station
config (``station_keys``, kiosk/core/station_config.py). When the item itself is held
here (a receipt of this station), the digest is also compared with the stored item:
``content`` says whether the item still is what the receipt was printed for.
"""

from __future__ import annotations

import dataclasses

from kiosk.core import chain, receiptsig, stationkey
from kiosk.core.receiptsig import ReceiptCheck, Verdict
from kiosk.core.station_config import StationConfigError, load_current
from kiosk.lookup.answers import scan_from_payload


def district_keys(store) -> dict[str, str]:
    """Station number -> public key: the centre's published ones, and this station's own
    (its own record wins: it is what this station really signs with)."""
    keys: dict[str, str] = {}
    try:
        cfg = load_current(store)
    except StationConfigError:
        cfg = None
    if cfg is not None:
        keys.update(cfg.station_keys)
    own = store.get_meta(stationkey.PUBLIC_META)
    if own:
        keys[store.station] = own
    return keys


def verify_payload(store, payload: str, lookup_url: str = "") -> ReceiptCheck:
    """The verdict on a scanned receipt payload. Raises
    :class:`~kiosk.core.trackcode.CodeError` for a payload that is not one of our
    receipts at all (no tracking code, a fragment that is not ours)."""
    scan = scan_from_payload(payload, lookup_url)
    result = receiptsig.check(scan.code, scan.seal, district_keys(store))
    if result.verdict is not Verdict.AUTHENTIC:
        return result
    item = store.find_by_code(scan.code) if scan.code.station == store.station else None
    if item is None:
        return result
    same = chain.item_digest(item) == result.digest
    return dataclasses.replace(result, content="matches" if same else "differs", reason=result.reason + (
        "; the item stored here matches it" if same else
        "; but the item stored here no longer matches it (changed after the receipt was printed)"))
