"""Installing a Vosk model: fetch, verify, extract safely, switch atomically.

Steps, each with its own error class so that the maintainer (and the tests) can tell
what went wrong; on any error the model in use is left exactly as it was:

1. **Fetch** — a URL is streamed into ``<models_dir>/.downloads/<file>.part`` with
   progress; when the server honours ``Range`` a second run resumes where the first
   stopped (:class:`IncompleteDownload` keeps the part file for that). A local zip (a
   USB stick) or a model directory is used in place.
2. **Verify** — SHA-256 against ``--sha256`` or the built-in table of known archives
   (:class:`ChecksumMismatch`; a bad download is deleted so the next run starts clean).
3. **Extract** into a hidden staging directory beside the models, refusing absolute
   paths, ``..`` components and symlinks (:class:`UnsafeArchive`) and broken zips
   (:class:`CorruptArchive`), and checking free space first.
4. **Check** the extracted tree is a whole Vosk model (:class:`ModelIncomplete`).
5. **Switch** — rename the staged directory into place, fsync, then replace the
   ``current`` symlink with ``rename(2)``, which is atomic: a power cut leaves either
   the old or the new model current, never neither.
"""

from __future__ import annotations

import datetime
import fcntl
import hashlib
import json
import os
import shutil
import stat
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Callable
from urllib.parse import urlparse

from kiosk.core.fsutil import fsync_dir
from kiosk.voice import models as layout

DOWNLOADS = ".downloads"
CHUNK = 256 * 1024
# How to get a model onto a kiosk with no network, quoted by every network error.
OFFLINE_HELP = ("to install without a network, download {name} on another computer, copy it "
                "to a USB stick and run: kiosk models install /media/usb/{name}")

Progress = Callable[[int, int | None], None]  # (bytes so far, total or None)


class ModelInstallError(Exception):
    """Installing a model failed; the model in use is unchanged. ``code`` names the failure."""

    code = "install_failed"


class SourceNotFound(ModelInstallError):
    """The local file or directory given as the source does not exist."""

    code = "source_not_found"


class DownloadError(ModelInstallError):
    """The server refused or failed the download (HTTP error, bad response)."""

    code = "download_failed"


class OfflineError(DownloadError):
    """The model server cannot be reached (no network, DNS, refused connection)."""

    code = "offline"


class IncompleteDownload(DownloadError):
    """The connection ended before the whole file arrived; run again to resume."""

    code = "incomplete_download"


class ChecksumMismatch(ModelInstallError):
    """The file's SHA-256 is not the expected one."""

    code = "checksum_mismatch"


class CorruptArchive(ModelInstallError):
    """The file is not a readable zip archive (truncated or damaged)."""

    code = "corrupt_archive"


class UnsafeArchive(ModelInstallError):
    """The archive holds paths that would land outside the model directory."""

    code = "unsafe_archive"


class ModelIncomplete(ModelInstallError):
    """The archive or directory lacks files every Vosk model needs."""

    code = "model_incomplete"


class NotEnoughSpace(ModelInstallError):
    """The disk cannot hold the extracted model."""

    code = "not_enough_space"


@dataclass(frozen=True)
class InstallResult:
    """What was installed."""

    name: str
    path: Path
    sha256: str
    verified: bool  # False when no expected checksum was known (a directory, an unknown zip)
    source: str
    size_bytes: int
    previous: str | None

    def as_dict(self) -> dict:
        return {"name": self.name, "path": str(self.path), "sha256": self.sha256,
                "verified": self.verified, "source": self.source, "size_bytes": self.size_bytes,
                "previous": self.previous}


def is_url(source: str) -> bool:
    return urlparse(source).scheme in ("http", "https")


def _file_name(source: str) -> str:
    name = PurePosixPath(urlparse(source).path).name if is_url(source) else Path(source).name
    return name or "model.zip"


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            h.update(block)
    return h.hexdigest()


# --------------------------------------------------------------------------- download


def download(url: str, dest: Path, progress: Progress | None = None, timeout: float = 30.0) -> Path:
    """Stream *url* into *dest* (resuming ``dest + '.part'``); return *dest* when complete."""
    import requests

    part = dest.with_name(dest.name + ".part")
    have = part.stat().st_size if part.exists() else 0
    # identity: the byte offsets of a resumed download must be those of the file itself
    headers = {"Accept-Encoding": "identity", **({"Range": f"bytes={have}-"} if have else {})}
    name = dest.name
    try:
        resp = requests.get(url, headers=headers, stream=True, timeout=timeout)
    except requests.exceptions.ConnectionError as e:
        raise OfflineError(f"cannot reach {urlparse(url).netloc} ({_reason(e)}); "
                           + OFFLINE_HELP.format(name=name)) from None
    except requests.exceptions.RequestException as e:
        raise DownloadError(f"download of {url} failed ({_reason(e)}); "
                            + OFFLINE_HELP.format(name=name)) from None
    with resp:
        if resp.status_code == 416 and have:
            # Our part file is as long as (or longer than) the file: start again.
            part.unlink()
            return download(url, dest, progress, timeout)
        if resp.status_code not in (200, 206):
            raise DownloadError(f"the server answered HTTP {resp.status_code} for {url}; "
                                + OFFLINE_HELP.format(name=name))
        if resp.status_code == 206:
            start = _content_range_start(resp.headers.get("Content-Range", ""))
            if start != have:
                raise DownloadError(f"the server resumed at byte {start}, not {have}; "
                                    f"delete {part} and try again")
            mode = "ab"
        else:
            have, mode = 0, "wb"  # no Range support: start from the beginning
        length = resp.headers.get("Content-Length")
        total = have + int(length) if length and length.isdigit() else None
        got = _save_body(resp, part, mode, have, total, progress)
        if total is not None and got < total:
            raise IncompleteDownload(f"the download stopped after {got} of {total} bytes; "
                                     "run the same command again to resume it")
    os.replace(part, dest)
    return dest


def _save_body(resp, part: Path, mode: str, have: int, total: int | None,
               progress: Progress | None) -> int:
    """Write *resp*'s body to *part* (appending after *have* bytes with mode ``"ab"``) and
    fsync it; return the bytes the part file now holds. A dropped connection raises
    :class:`IncompleteDownload` and keeps what arrived, for the next resume."""
    import requests
    import urllib3

    got = have
    try:
        with open(part, mode) as f:
            try:
                while True:
                    # read1: return what has arrived, so that a dropped connection
                    # loses nothing already received (iter_content's read(amt) raises
                    # IncompleteRead and discards the partial block).
                    block = resp.raw.read1(CHUNK)
                    if not block:
                        break
                    f.write(block)
                    got += len(block)
                    if progress:
                        progress(got, total)
            finally:
                f.flush()
                os.fsync(f.fileno())
    except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError, OSError) as e:
        raise IncompleteDownload(
            f"the download stopped after {got} of {total or '?'} bytes ({_reason(e)}); "
            "run the same command again to resume it") from None
    return got


def _content_range_start(value: str) -> int:
    # "bytes 100-199/200" (RFC 9110 §14.4)
    try:
        return int(value.split()[1].split("-")[0])
    except (IndexError, ValueError):
        return -1


def _reason(e: Exception) -> str:
    text = str(e)
    return text if len(text) < 200 else text[:200] + "…"


# --------------------------------------------------------------------------- extraction


def safe_members(zf: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The archive's members, or :class:`UnsafeArchive` if any would escape the target."""
    out = []
    for info in zf.infolist():
        name = info.filename
        p = PurePosixPath(name.replace("\\", "/"))
        mode = info.external_attr >> 16
        if p.is_absolute() or ".." in p.parts or (p.parts and ":" in p.parts[0]):
            raise UnsafeArchive(f"the archive holds an unsafe path {name!r} (absolute or with '..'); "
                                "it was not installed")
        if stat.S_ISLNK(mode):
            raise UnsafeArchive(f"the archive holds a symbolic link {name!r}; it was not installed")
        out.append(info)
    return out


def extract_zip(archive: Path, target: Path) -> None:
    """Extract *archive* into the empty directory *target*, refusing unsafe entries."""
    try:
        with zipfile.ZipFile(archive) as zf:
            members = safe_members(zf)
            need = sum(i.file_size for i in members)
            free = shutil.disk_usage(target).free
            if need > free:
                raise NotEnoughSpace(f"the model needs {need // 2**20} MB but only {free // 2**20} MB "
                                     f"are free on {target.parent}")
            for info in members:
                zf.extract(info, target)
    except zipfile.BadZipFile as e:
        raise CorruptArchive(f"{archive.name} is not a complete zip archive ({e}); "
                             "a truncated download or a damaged copy") from None
    except (zipfile.LargeZipFile, EOFError, zlib.error) as e:
        raise CorruptArchive(f"{archive.name} is damaged ({e})") from None


def _model_root(staging: Path) -> Path:
    """The directory inside *staging* that is the model (the archive's single top folder)."""
    if not layout.missing_files(staging):
        return staging
    entries = [p for p in staging.iterdir() if not p.name.startswith("__MACOSX")]
    if len(entries) == 1 and entries[0].is_dir():
        return entries[0]
    return staging


# --------------------------------------------------------------------------- install


def install(source: str, root: Path, expected_sha256: str | None = None,
            progress: Progress | None = None) -> InstallResult:
    """Install the model at *source* (URL, zip file or directory) under *root* and make it current.

    *expected_sha256* defaults to the built-in checksum of a known archive name. Raises a
    :class:`ModelInstallError` subclass (ValueError for a malformed *expected_sha256*);
    the current model is then unchanged.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    if expected_sha256 and not _is_hex64(expected_sha256):
        raise ValueError(f"--sha256 must be 64 hexadecimal digits, got {expected_sha256!r}")
    expected = (expected_sha256 or layout.KNOWN_SHA256.get(_file_name(source)) or "").lower() or None
    with _install_lock(root):
        for leftover in root.glob(".staging-*"):  # an install cut short by a power failure
            shutil.rmtree(leftover, ignore_errors=True)
        archive, cleanup_archive = _fetch(source, root, progress)
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=root))
        try:
            digest, verified = _unpack(archive, staging, expected, bool(expected_sha256))
            model = _model_root(staging)
            missing = layout.missing_files(model)
            if missing:
                raise ModelIncomplete(f"{_file_name(source)} is not a complete Vosk model: missing "
                                      + ", ".join(missing))
            name = _free_name(root, model.name if model != staging else Path(_file_name(source)).stem)
            meta = {"name": name, "source": source, "sha256": digest, "verified": verified,
                    "installed_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
            (model / layout.META).write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
            _fsync_tree(model)
            os.chmod(model, 0o755)  # mkdtemp's 0700 when the zip had no top folder
            final = root / name
            os.rename(model, final)
            fsync_dir(root)
            previous = layout.current_name(root)
            switch_current(root, name)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
            if cleanup_archive:
                # Installed, or a complete download that failed a check: never keep (and
                # never resume onto) a bad file. Interrupted downloads stay as .part.
                archive.unlink(missing_ok=True)
    return InstallResult(name=name, path=final, sha256=digest, verified=verified, source=source,
                         size_bytes=layout.dir_size(final), previous=previous)


def _fetch(source: str, root: Path, progress: Progress | None) -> tuple[Path, bool]:
    """``(archive, downloaded)``: the local zip file or directory of *source*, downloaded
    into ``<root>/downloads`` when it is a URL (then the caller deletes it after the install)."""
    if is_url(source):
        downloads = root / DOWNLOADS
        downloads.mkdir(exist_ok=True)
        return download(source, downloads / _file_name(source), progress), True
    archive = Path(source).expanduser()
    if not archive.exists():
        raise SourceNotFound(f"{archive} does not exist (expected a URL, a .zip file or a model directory)")
    return archive, False


def _unpack(archive: Path, staging: Path, expected: str | None, sha_given: bool) -> tuple[str, bool]:
    """Copy the model directory or verify and extract the zip *archive* into *staging*;
    ``(sha256, verified)`` of the archive ("" and False for a directory). *sha_given*: the
    user passed --sha256, which a directory cannot satisfy."""
    if archive.is_dir():
        if sha_given:
            raise ChecksumMismatch("--sha256 checks a zip file; a directory cannot be verified with it")
        shutil.copytree(archive, staging / archive.name, symlinks=False)
        return "", False
    digest = sha256_of(archive)
    if expected and digest != expected:
        raise ChecksumMismatch(f"SHA-256 of {archive.name} is {digest}, expected {expected}; "
                               "the file is damaged or not the model you meant")
    extract_zip(archive, staging)
    return digest, expected is not None


def switch_current(root: Path, name: str) -> None:
    """Point ``<root>/current`` at *name* atomically (symlink + rename(2) + fsync of the dir)."""
    tmp = root / f".{layout.CURRENT}.new"
    tmp.unlink(missing_ok=True)
    os.symlink(name, tmp)  # relative: the models dir can move (a restored backup)
    os.replace(tmp, root / layout.CURRENT)
    fsync_dir(root)


def _free_name(root: Path, name: str) -> str:
    name = name or "model"
    if name.startswith("."):
        name = "model" + name
    if name == layout.CURRENT:
        name = "model-current"
    if not (root / name).exists():
        return name
    n = 2
    while (root / f"{name}-{n}").exists():
        n += 1
    return f"{name}-{n}"


def _fsync_tree(top: Path) -> None:
    for dirpath, _, files in os.walk(top):
        for f in files:
            fd = os.open(os.path.join(dirpath, f), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fsync_dir(Path(dirpath))


def _is_hex64(s: str) -> bool:
    return len(s) == 64 and all(c in "0123456789abcdefABCDEF" for c in s)


class _install_lock:
    """One install at a time per models directory (flock on a lock file)."""

    def __init__(self, root: Path):
        self.path = root / ".install.lock"
        self.fd = -1

    def __enter__(self):
        self.fd = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self.fd)
            raise ModelInstallError("another `kiosk models install` is running for "
                                    f"{self.path.parent}; wait for it to finish") from None
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)
