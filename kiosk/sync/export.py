"""USB export: every undelivered item (or every item still kept) in one bundle for the centre.

This is how a station without network still delivers: staff copy the bundle to a USB
drive, carry it to the centre, and ``kiosk central-dev import`` (or the real centre)
takes each item exactly once by its UUID. The items stay pending here: the kiosk only
marks an item delivered when the centre answers for it (a later sync then gets
``duplicate``), so a lost USB drive loses nothing.

Payload (a tar stream inside :mod:`kiosk.sync.bundle`): ``items/<uuid>/<idx>`` for
every attachment, then ``manifest.json`` (each item as the push protocol describes it,
kiosk/sync/wire.py, with every file's size and SHA-256, and the station and its public
key as ``signer``), ``manifest.hmac`` (HMAC-SHA256 of the manifest keyed with the kiosk's
sync token, which the centre knows) and ``manifest.sig`` (base64 of the station's
Ed25519 signature of :func:`manifest_message`, kiosk/core/stationkey.py): the centre takes
a bundle only from the station whose key it pinned (kiosk/central_dev/bundles.py).
An attachment whose bytes no longer match their stored hash is not exported: its item is
listed under ``left_out`` with the reason, and the export reports it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import os
import re
import tarfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.core import clock, fsutil
from kiosk.sync import bundle

MANIFEST, MANIFEST_MAC, MANIFEST_SIG = "manifest.json", "manifest.hmac", "manifest.sig"
_SIGNED_TAG = b"minyi-bundle-manifest/1\n"


class ExportError(Exception):
    """The export could not be written; ``str()`` says why (nothing half-written remains)."""


@dataclass(frozen=True)
class ExportResult:
    """What one export wrote."""

    bundle: Path
    items: int
    bytes: int
    left_out: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"bundle": str(self.bundle), "items": self.items, "bytes": self.bytes, "left_out": self.left_out}


def manifest_mac(token: str, manifest: bytes) -> str:
    """The sender's HMAC over the manifest (hex)."""
    return hmac.new(token.encode("utf-8"), manifest, hashlib.sha256).hexdigest()


def manifest_message(manifest: bytes) -> bytes:
    """What the station's signature of a bundle covers: a tag and the manifest, which
    names the station and the signer and lists every item and file with its SHA-256."""
    return _SIGNED_TAG + manifest


def find_targets(cfg, *, proc_root: Path = Path("/proc"), sys_root: Path = Path("/sys")) -> list[Path]:
    """Where an export may go: ``service.export_dir``, else the writable mount points
    under ``service.usb_mount_root`` of removable drives (:func:`is_removable_drive`): a
    writable directory that is not a USB drive (a tmpfs, a bind mount of the SD card's own
    filesystem) would take the bundle and stay in the kiosk.

    *proc_root* and *sys_root* are where procfs and sysfs are mounted (tests pass fakes)."""
    s = cfg.service
    if s.export_dir:
        d = Path(s.export_dir)
        return [d] if d.is_dir() and os.access(d, os.W_OK) else []
    root = os.path.realpath(s.usb_mount_root)
    return [mnt for mnt, dev in _mounts(proc_root)
            if str(mnt).startswith(root + os.sep) and is_removable_drive(dev, sys_root)
            and os.access(mnt, os.W_OK)]


def _mounts(proc_root: Path) -> list[tuple[Path, str]]:
    """(mount point, "major:minor") of every mount, from ``/proc/self/mountinfo``."""
    try:
        lines = (proc_root / "self" / "mountinfo").read_text().splitlines()
    except OSError:
        return []
    out = []
    for line in lines:
        # "36 35 98:0 /mnt1 /mnt/parent rw ... - ext3 /dev/root rw" (proc(5)): the 3rd
        # field is the device, the 5th the mount point with octal escapes (\040 a space).
        parts = line.split()
        if len(parts) >= 5 and re.fullmatch(r"\d+:\d+", parts[2]):
            mnt = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m[1], 8)), parts[4])
            out.append((Path(mnt), parts[2]))
    return out


def is_removable_drive(dev: str, sys_root: Path = Path("/sys")) -> bool:
    """True when block device *dev* ("major:minor") is a removable disk or hangs off a USB
    bus: the kernel's ``removable`` attribute of the disk (of the partition's parent disk),
    or a ``usbN`` bus on its sysfs device path (USB hard disks and many sticks say
    removable 0). Not a block device at all (tmpfs, major 0), a loop device or an
    internal disk: False. See the kernel's Documentation/ABI/stable/sysfs-block and
    /sys/dev/block in sysfs(5)."""
    node = Path(os.path.realpath(sys_root / "dev" / "block" / dev))
    if not node.is_dir():
        return False
    disk = node.parent if (node / "partition").exists() else node
    try:
        removable = (disk / "removable").read_text().strip() == "1"
    except OSError:
        removable = False
    try:
        path = node.relative_to(os.path.realpath(sys_root / "devices")).parts
    except ValueError:
        path = ()
    return removable or any(re.fullmatch(r"usb\d+", part) for part in path)


class _HashingReader:
    """Reads a file for tarfile while hashing exactly what was read."""

    def __init__(self, f):
        self._f = f
        self.sha = hashlib.sha256()
        self.size = 0

    def read(self, n=-1) -> bytes:
        data = self._f.read(n)
        self.sha.update(data)
        self.size += len(data)
        return data


def export_bundle(cfg, store, dest_dir: Path, *, include_delivered: bool = False, progress=None) -> ExportResult:
    """Write a bundle of the undelivered items (with *include_delivered*: every item still
    kept) into *dest_dir*. *progress(done, total)* is called after each item.

    Raises :class:`ExportError` (no key, unreadable token, disk full …).
    """
    from kiosk.sync.wire import app_version

    recipient, token = _load_keys(cfg)
    signer = store.station_key
    if signer.problem is not None:
        raise ExportError(f"USB export needs the station's signing key: {signer.problem}")
    dest_dir = Path(dest_dir)
    if not dest_dir.is_dir():
        raise ExportError(f"{dest_dir} is not a directory (is the drive mounted?)")
    ids = store.exportable_item_ids(include_delivered=include_delivered)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    final = dest_dir / f"minyi-{cfg.station.number}-{stamp}{bundle.SUFFIX}"
    part = dest_dir / f".{final.name}.part"
    try:
        part.unlink(missing_ok=True)  # a stale part of a crashed export: created afresh, 0600
        with fsutil.create_private_file(part) as out:
            writer = bundle.BundleWriter(out, recipient, {"station": cfg.station.number, "signer": signer.public,
                                                          "created_at": clock.now_iso()})
            with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                metas, left_out = _add_items(tar, store, ids, progress)
                manifest = json.dumps({"format": 1, "station": cfg.station.number, "signer": signer.public,
                                       "app_version": app_version(),
                                       "created_at": clock.now_iso(), "include_delivered": include_delivered,
                                       "items": metas, "left_out": left_out},
                                      ensure_ascii=False).encode("utf-8")
                _add_bytes(tar, MANIFEST, manifest)
                _add_bytes(tar, MANIFEST_MAC, manifest_mac(token, manifest).encode("ascii"))
                _add_bytes(tar, MANIFEST_SIG, base64.b64encode(signer.sign(manifest_message(manifest))))
            writer.finish()
            out.flush()
            os.fsync(out.fileno())
        os.replace(part, final)
        fsutil.fsync_dir(dest_dir)
    except OSError as e:
        part.unlink(missing_ok=True)
        raise ExportError(f"cannot write the bundle to {dest_dir}: {e.strerror or e}") from None
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    result = ExportResult(final, len(metas), final.stat().st_size, left_out)
    store.log_event("service_export", f"USB export: {len(metas)} items in {final.name}"
                    + (f", {len(left_out)} left out (damaged files)" if left_out else ""),
                    level="warning" if left_out else "info",
                    data={"items": len(metas), "left_out": len(left_out), "include_delivered": include_delivered})
    return result


def _load_keys(cfg):
    """``(recipient, token)``: the centre's bundle public key and the sync token the
    manifest is signed with. Raises :class:`ExportError` naming the setting."""
    if not cfg.service.bundle_public_key_file:
        raise ExportError("USB export is disabled: service.bundle_public_key_file is not set "
                          "(copy the centre's bundle.pub to the kiosk and name it there)")
    try:
        recipient = bundle.load_public_key(Path(cfg.service.bundle_public_key_file))
        token = cfg.sync.central_token()
    except bundle.KeyFileError as e:
        raise ExportError(str(e)) from None
    except ValueError as e:
        raise ExportError(f"sync.{e}") from None
    return recipient, token


def _add_items(tar: tarfile.TarFile, store, ids: list, progress) -> tuple[list[dict], list[dict]]:
    """Add each item's files to *tar*; ``(metas, left_out)``: the manifest entries of the
    items added and the items left out (damaged files) with the reason."""
    from kiosk.sync.wire import item_meta

    metas, left_out = [], []
    for n, item_id in enumerate(ids, 1):
        item = store.get_item(item_id, with_pii=True)
        problem = _add_files(tar, item)
        if problem:
            left_out.append({"id": item.id, "code": str(item.code), "reason": problem})
        else:
            metas.append(item_meta(item, with_pii=True))
        del item  # drop decrypted personal data promptly
        if progress is not None:
            progress(n, len(ids))
    return metas, left_out


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(time.time())
    tar.addfile(info, io.BytesIO(data))


def _add_files(tar: tarfile.TarFile, item) -> str | None:
    """Add the item's attachments; the problem when one is missing or changed."""
    for a in item.attachments:
        if a.purged:
            return f"attachment {a.idx} was purged (retention)"
        try:
            size = a.path.stat().st_size
        except OSError as e:
            return f"attachment {a.idx} cannot be read: {e.strerror or e}"
        if size != a.size:
            return f"attachment {a.idx} is {size} bytes on disk, {a.size} when stored"
        info = tarfile.TarInfo(f"items/{item.id}/{a.idx}")
        info.size = a.size
        info.mtime = int(time.time())
        with open(a.path, "rb") as f:
            reader = _HashingReader(f)
            tar.addfile(info, reader)
        if reader.sha.hexdigest() != a.sha256:
            return f"attachment {a.idx} no longer matches its SHA-256 (changed on disk)"
    return None
