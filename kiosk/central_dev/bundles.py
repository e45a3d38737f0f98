"""central-dev's side of the USB export: open a bundle, verify all of it, import its items.

Nothing is imported until the whole bundle has been decrypted and authenticated
(kiosk/sync/bundle.py), the manifest's HMAC matches this centre's token for kiosks,
the header, the manifest and every item name the same station, the manifest is signed
by that station's pinned key (kiosk/central_dev/keys.py; an unknown station's key is
pinned now, first seen), no item takes a (station, seq) or tracking code another item
holds under another UUID, every item's metadata passes the same checks as a push
(kiosk/central_dev/api.py) and every file matches its size and SHA-256. Each refusal is
its own :class:`ImportRefused` subclass, naming what failed. Then each item goes through the same
``CentralDB.store_item`` as a push: an item the centre has already (by UUID) counts as a
duplicate, and an item imported here is later answered ``duplicate`` when the kiosk
pushes it over the network.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import shutil
import tarfile
from dataclasses import dataclass
from pathlib import Path

from kiosk.central_dev import representatives
from kiosk.central_dev.api import UUID, _check_meta
from kiosk.central_dev.db import CentralDB, ItemConflict, place_of
from kiosk.central_dev.keys import KeyChanged, KeyRefused, StationKeys
from kiosk.core import stationkey
from kiosk.core.stationkey import fingerprint
from kiosk.sync import bundle
from kiosk.sync.export import MANIFEST, MANIFEST_MAC, MANIFEST_SIG, manifest_mac, manifest_message

_MEMBER = re.compile(r"items/([0-9a-f-]{36})/([0-9]+)")
CHUNK = 1024 * 1024


class ImportRefused(bundle.BundleError):
    """The bundle was refused whole; ``str()`` names what failed. Nothing was imported."""


class StationMismatch(ImportRefused):
    """The header, the manifest and the items do not all name one station (or one signer)."""


class UnsignedBundle(ImportRefused):
    """The bundle carries no station signature (made before bundles were signed?)."""


class BadSignature(ImportRefused):
    """The manifest's signature does not verify under the key the bundle names: it was
    changed after the station signed it."""


class SignerNotPinned(ImportRefused):
    """The bundle is signed by a key that is not the one pinned for its station."""


class PlaceTaken(ImportRefused):
    """An item reuses a (station, seq) or a tracking code of another item (new UUID)."""


@dataclass(frozen=True)
class ImportResult:
    """What one import did."""

    bundle: str
    station: str
    imported: int
    duplicates: int
    left_out_at_kiosk: list
    signer: str = ""      # the signing key's fingerprint
    key: str = ""         # "pinned" (first seen now) or "same" (the pinned key)

    def as_dict(self) -> dict:
        return {"bundle": self.bundle, "station": self.station, "imported": self.imported,
                "duplicates": self.duplicates, "left_out_at_kiosk": self.left_out_at_kiosk,
                "signer": self.signer, "key": self.key}


def import_bundle(db: CentralDB, path: Path, private_key, token: str) -> ImportResult:
    """Verify *path* completely, then import its items into *db*."""
    work = db.new_tmp_dir()
    try:
        plain = work / "payload.tar"
        with open(plain, "wb") as out:
            header = bundle.open_bundle(Path(path), private_key, out)
        with tarfile.open(plain, mode="r:") as tar:
            raw, manifest = _verified_manifest(tar, token)
            key = _check_signed(db, header, raw, manifest, tar)
            _check_places(db, manifest)
            _check_representatives(db, manifest)
            files = _extract_files(tar, manifest, work)
        imported, duplicates = _store_all(db, manifest, files)
        return ImportResult(str(path), str(header.get("station")), imported, duplicates,
                            manifest.get("left_out") or [], fingerprint(manifest["signer"]), key)
    except tarfile.TarError as e:
        raise ImportRefused(f"bundle refused: its payload is not a readable archive ({e})") from None
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _store_all(db: CentralDB, manifest: dict, files: dict) -> tuple[int, int]:
    imported = duplicates = 0
    for meta in manifest["items"]:
        if db.has_item(meta["id"]):
            db.add_receipt(meta["id"], "duplicate")
            duplicates += 1
            continue
        try:
            result = db.store_item(meta, meta["attachments"], files[meta["id"]])
        except ItemConflict as e:  # another import or push took the place meanwhile
            raise PlaceTaken(f"bundle refused after {imported} items: {e}") from None
        imported += result == "created"
        duplicates += result == "duplicate"
    return imported, duplicates


def _check_signed(db: CentralDB, header: dict, raw: bytes, manifest: dict, tar: tarfile.TarFile) -> str:
    """One station named everywhere, its signature over the manifest, its pinned key;
    returns :meth:`StationKeys.pin`'s ``"pinned"`` / ``"same"``."""
    station = manifest.get("station")
    if header.get("station") != station:
        raise StationMismatch(f"bundle refused: its header names station {header.get('station')!r:.10}, "
                              f"its manifest station {station!r:.10}")
    for meta in manifest["items"]:
        if meta["station"] != station:
            raise StationMismatch(f"bundle refused: item {meta.get('code') or meta['id']} is station "
                                  f"{meta['station']}'s, but the bundle is station {station}'s")
    signer = manifest.get("signer")
    if not signer:
        raise UnsignedBundle("bundle refused: it is not signed by its station (made before bundles were signed?)")
    if header.get("signer") != signer:
        raise StationMismatch("bundle refused: its header and its manifest name different signing keys")
    try:
        sig = base64.b64decode(tar.extractfile(MANIFEST_SIG).read(), validate=True)
    except (KeyError, AttributeError, ValueError):
        raise UnsignedBundle(f"bundle refused: it is not signed by its station ({MANIFEST_SIG} is missing "
                             "or not base64)") from None
    if not stationkey.verify(signer, manifest_message(raw), sig):
        raise BadSignature(f"bundle refused: the manifest's signature does not verify under key "
                           f"{fingerprint(signer)}: it was changed after station {station} signed it")
    try:
        return StationKeys(db).pin(station, signer, "bundle")
    except KeyChanged as e:
        raise SignerNotPinned(f"bundle refused: {e}") from None
    except KeyRefused as e:
        raise UnsignedBundle(f"bundle refused: its signer is {e}") from None


def _check_places(db: CentralDB, manifest: dict) -> None:
    """No two items of the bundle, and no item and one the centre has, share a seq or code
    (one read transaction for all; ``store_item`` checks each again under its lock)."""
    seen: dict = {}
    with db.read() as conn:
        for meta in manifest["items"]:
            for place in zip(("seq", "code"), place_of(meta)):
                if place[1] in (None, ""):
                    continue
                if place in seen:
                    raise PlaceTaken(f"bundle refused: items {seen[place]} and {meta['id']} share "
                                     f"{place[0]} {place[1]}")
                seen[place] = meta["id"]
            try:
                db.check_place_free(conn, meta)
            except ItemConflict as e:
                raise PlaceTaken(f"bundle refused: {e}") from None


def _check_representatives(db: CentralDB, manifest: dict) -> None:
    """Every item addresses nobody or a representative of its station's config, as a
    push must (kiosk/central_dev/representatives.py)."""
    for meta in manifest["items"]:
        problem = representatives.refusal(db, meta)
        if problem:
            raise ImportRefused(f"bundle refused: item {meta.get('code') or meta['id']}: {problem}")


def _verified_manifest(tar: tarfile.TarFile, token: str) -> tuple[bytes, dict]:
    try:
        raw = tar.extractfile(MANIFEST).read()
        mac = tar.extractfile(MANIFEST_MAC).read().decode("ascii").strip()
    except (KeyError, AttributeError, UnicodeDecodeError):
        raise ImportRefused("bundle refused: manifest.json or manifest.hmac missing") from None
    if not hmac.compare_digest(mac, manifest_mac(token, raw)):
        raise ImportRefused("bundle refused: the manifest's HMAC does not match this centre's kiosk token "
                            "(not made by a kiosk holding the token, or the token changed)")
    try:
        manifest = json.loads(raw)
        items = manifest["items"]
        if manifest.get("format") != 1 or not isinstance(items, list):
            raise ValueError
    except (ValueError, KeyError, TypeError):
        raise ImportRefused("bundle refused: manifest.json is not a format-1 manifest") from None
    seen = set()
    for meta in items:
        item_id = meta.get("id") if isinstance(meta, dict) else None
        if not isinstance(item_id, str) or not UUID.fullmatch(item_id):
            raise ImportRefused("bundle refused: an item id is not a lower-case UUID")
        problem = _check_meta(meta, item_id)
        if problem:
            raise ImportRefused(f"bundle refused: item {meta.get('code') or item_id}: {problem}")
        if item_id in seen:
            raise ImportRefused(f"bundle refused: item {item_id} appears twice")
        seen.add(item_id)
    return raw, manifest


def _extract_files(tar: tarfile.TarFile, manifest: dict, work: Path) -> dict[str, Path]:
    """Every listed file into ``work/<item id>/<idx>`` (fsynced), each checked against
    its manifest size and SHA-256. Returns item id -> its directory."""
    wanted = {(m["id"], a["idx"]): a for m in manifest["items"] for a in m["attachments"]}
    left_out = {x.get("id") for x in manifest.get("left_out") or [] if isinstance(x, dict)}
    dirs: dict[str, Path] = {}
    for m in manifest["items"]:
        dirs[m["id"]] = work / m["id"]
        dirs[m["id"]].mkdir()
    found = set()
    for member in tar:
        if member.name in (MANIFEST, MANIFEST_MAC, MANIFEST_SIG):
            continue
        match = _MEMBER.fullmatch(member.name)
        if not match or not member.isfile():
            raise ImportRefused(f"bundle refused: unexpected entry {member.name[:60]!r}")
        key = (match.group(1), int(match.group(2)))
        if key not in wanted:
            if key[0] in left_out:
                continue  # the kiosk found this item damaged and did not list it
            raise ImportRefused(f"bundle refused: file {member.name} is not in the manifest")
        a = wanted[key]
        h = hashlib.sha256()
        src = tar.extractfile(member)
        with open(dirs[key[0]] / str(key[1]), "wb") as out:
            while chunk := src.read(CHUNK):
                h.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if member.size != a["size"] or h.hexdigest() != a["sha256"]:
            raise ImportRefused(f"bundle refused: file {a['idx']} of item {key[0]} does not match "
                                f"its SHA-256 / size in the manifest")
        found.add(key)
    missing = sorted(set(wanted) - found)
    if missing:
        raise ImportRefused(f"bundle refused: file {missing[0][1]} of item {missing[0][0]} is missing")
    return dirs
