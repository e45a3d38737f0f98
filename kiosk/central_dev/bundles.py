"""central-dev's side of the USB export: open a bundle, verify all of it, import its items.

Nothing is imported until the whole bundle has been decrypted and authenticated
(kiosk/sync/bundle.py), the manifest's HMAC matches this centre's token for kiosks,
every item's metadata passes the same checks as a push (kiosk/central_dev/api.py) and
every file matches its size and SHA-256. Then each item goes through the same
``CentralDB.store_item`` as a push: an item the centre has already (by UUID) counts as a
duplicate, and an item imported here is later answered ``duplicate`` when the kiosk
pushes it over the network.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import shutil
import tarfile
from dataclasses import dataclass
from pathlib import Path

from kiosk.central_dev.api import UUID, _check_meta
from kiosk.central_dev.db import CentralDB
from kiosk.sync import bundle
from kiosk.sync.export import MANIFEST, MANIFEST_MAC, manifest_mac

_MEMBER = re.compile(r"items/([0-9a-f-]{36})/([0-9]+)")
CHUNK = 1024 * 1024


class ImportRefused(bundle.BundleError):
    """The bundle was refused whole; ``str()`` names what failed. Nothing was imported."""


@dataclass(frozen=True)
class ImportResult:
    """What one import did."""

    bundle: str
    station: str
    imported: int
    duplicates: int
    left_out_at_kiosk: list

    def as_dict(self) -> dict:
        return {"bundle": self.bundle, "station": self.station, "imported": self.imported,
                "duplicates": self.duplicates, "left_out_at_kiosk": self.left_out_at_kiosk}


def import_bundle(db: CentralDB, path: Path, private_key, token: str) -> ImportResult:
    """Verify *path* completely, then import its items into *db*."""
    work = db.new_tmp_dir()
    try:
        plain = work / "payload.tar"
        with open(plain, "wb") as out:
            header = bundle.open_bundle(Path(path), private_key, out)
        with tarfile.open(plain, mode="r:") as tar:
            manifest = _verified_manifest(tar, token)
            files = _extract_files(tar, manifest, work)
        imported = duplicates = 0
        for meta in manifest["items"]:
            if db.has_item(meta["id"]):
                db.add_receipt(meta["id"], "duplicate")
                duplicates += 1
                continue
            result = db.store_item(meta, meta["attachments"], files[meta["id"]])
            imported += result == "created"
            duplicates += result == "duplicate"
        return ImportResult(str(path), str(header.get("station")), imported, duplicates,
                            manifest.get("left_out") or [])
    except tarfile.TarError as e:
        raise ImportRefused(f"bundle refused: its payload is not a readable archive ({e})") from None
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _verified_manifest(tar: tarfile.TarFile, token: str) -> dict:
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
    return manifest


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
        if member.name in (MANIFEST, MANIFEST_MAC):
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
