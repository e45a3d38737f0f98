"""Durable file operations: write to a temp file, fsync, rename, fsync the directory.

A rename is only durable once the directory that holds it is fsynced (see the ext4
notes in the Linux ``rename(2)`` and ``fsync(2)`` manuals); a file's data is only on
disk once the file is fsynced. Everything in the kiosk that must survive a power cut
goes through here.

Files and directories holding personal data or secrets are created owner-only
(:data:`PRIVATE_FILE_MODE`, :data:`PRIVATE_DIR_MODE`) whatever the process umask:
``open(2)`` and ``mkdir(2)`` apply the umask to the mode they are given, so the mode is
set again on the new file or directory itself (docs/security.md, "Files on disk").
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import stat
from pathlib import Path
from typing import BinaryIO, Iterable

CHUNK = 64 * 1024
#: Files holding personal data or secrets: the owner reads and writes, nobody else.
PRIVATE_FILE_MODE = 0o600
#: Directories holding them: only the owner may list or enter.
PRIVATE_DIR_MODE = 0o700


class DiskFullError(OSError):
    """Writing failed because the disk (or quota) is full."""


class TooLargeError(ValueError):
    """A stream was longer than the limit it was copied under."""


class NotRegularFileError(OSError):
    """A path that must name a regular file names a FIFO, device, directory or socket.

    ``strerror`` says which (``"a FIFO (named pipe), not a regular file"``)."""


_NOT_REGULAR = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
                (stat.S_ISBLK, "a block device"), (stat.S_ISDIR, "a directory"), (stat.S_ISSOCK, "a socket"))


def _check_regular(st: os.stat_result, path) -> None:
    if not stat.S_ISREG(st.st_mode):
        kind = next((name for test, name in _NOT_REGULAR if test(st.st_mode)), "not a plain file")
        raise NotRegularFileError(errno.EINVAL, f"{kind}, not a regular file", str(path))


def read_regular_file(path, limit: int | None = None) -> bytes:
    """The content of the regular file *path*: all of it, or with *limit* at most
    ``limit + 1`` bytes (so the caller can tell "too large").

    Anything else raises :class:`NotRegularFileError` before a byte is read: reading a
    FIFO blocks until some writer opens it (fifo(7)), and a device may never end. The
    type is checked with ``stat`` before opening and again on the open descriptor, which
    is opened ``O_NONBLOCK`` so that even a FIFO swapped in between cannot block the open.
    """
    _check_regular(os.stat(path), path)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as f:
        _check_regular(os.fstat(fd), path)
        return f.read() if limit is None else f.read(limit + 1)


def make_private_dir(path) -> Path:
    """Create the directory *path* (missing parents as usual) with mode 0700 exactly,
    whatever the umask. An existing directory is left as it is: ``kiosk doctor``'s
    permissions check names one that others can enter (kiosk/doctor/permissions.py)."""
    path = Path(path)
    if path.is_dir():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.mkdir(path, PRIVATE_DIR_MODE)  # the umask can only take bits away from 0700
    except FileExistsError:
        if path.is_dir():  # another process made it meanwhile
            return path
        raise
    _set_mode(path, PRIVATE_DIR_MODE)
    return path


def _set_mode(target, mode: int) -> None:
    """Give the new file or directory *target* (a path or an open descriptor) exactly *mode*.

    The umask only ever takes bits away, so what is left can be narrower (a umask such as
    0277 takes the owner's own write bit), never wider. On a FAT or exFAT drive (a USB
    export) modes are a mount option and ``chmod`` fails with EPERM: kept as it is."""
    st = os.fstat(target) if isinstance(target, int) else os.stat(target)
    if stat.S_IMODE(st.st_mode) == mode:
        return
    try:
        os.fchmod(target, mode) if isinstance(target, int) else os.chmod(target, mode)
    except PermissionError:
        pass


def create_private_file(path) -> BinaryIO:
    """A new file *path*, open for binary writing, mode 0600 exactly whatever the umask.
    Exclusive (``O_EXCL``): an existing file, or a symlink planted there, raises
    ``FileExistsError`` instead of being written through."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, PRIVATE_FILE_MODE)
    try:
        _set_mode(fd, PRIVATE_FILE_MODE)
        return os.fdopen(fd, "wb")
    except BaseException:
        os.close(fd)
        raise


def ensure_private_file(path) -> bool:
    """Create *path* empty with mode 0600 (whatever the umask) unless it exists; True when
    created. For a file another library then opens by name: SQLite makes a missing
    database with the umask's mode, and gives its ``-wal``/``-shm`` files the database's
    own mode (``findCreateFileMode()`` in SQLite's src/os_unix.c)."""
    try:
        create_private_file(path).close()
    except FileExistsError:
        return False
    return True


def _write_fresh_private(tmp: Path, data: bytes) -> None:
    """Write *data* to temp file *tmp*, mode 0600 whatever the umask, and fsync it; a
    stale *tmp* from a crash is removed first, whatever its mode."""
    _unlink_quietly(tmp)
    with create_private_file(tmp) as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def write_private_file(path, data: bytes) -> None:
    """Replace *path* with *data* atomically and durably, mode 0600 whatever the umask:
    a temp file beside it (a stale one from a crash is removed first, whatever its
    mode), fsynced, renamed over *path*, the directory fsynced."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        _write_fresh_private(tmp, data)
        os.replace(tmp, path)
    except BaseException:
        _unlink_quietly(tmp)
        raise
    fsync_dir(path.parent)


def create_file_once(path, data: bytes) -> bool:
    """Create *path* holding *data*, mode 0600 whatever the umask, durably, unless it
    exists: True when this call created it. For a key made once and never replaced.

    The data goes to a per-process temp name first (a stale one from a crash is removed,
    so the new file gets mode 0600 whatever it had), is fsynced, and is linked to *path*:
    ``link(2)`` fails when another process created *path* meanwhile, and theirs is kept.
    The directory is fsynced before returning, so the key is on disk before anything
    that depends on it is written."""
    path = Path(path)
    make_private_dir(path.parent)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        _write_fresh_private(tmp, data)
        try:
            os.link(tmp, path)
            created = True
        except FileExistsError:
            created = False
    finally:
        _unlink_quietly(tmp)
    fsync_dir(path.parent)
    return created


def fsync_dir(path: Path) -> None:
    """Make renames and creations inside *path* durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _raise_disk_full(e: OSError) -> None:
    if e.errno in (errno.ENOSPC, errno.EDQUOT):
        raise DiskFullError(e.errno, "disk full while writing", e.filename) from e


def write_stream(dst: Path, chunks: Iterable[bytes], limit: int | None = None) -> tuple[str, int]:
    """Write *chunks* to a new file *dst* (mode 0600: it is a resident's recording, photo
    or letter), fsync it, and return (sha256 hex, size).

    *dst* must not exist (it is a temp name chosen by the caller). On any failure the
    partial file is removed and the error re-raised (ENOSPC as :class:`DiskFullError`,
    exceeding *limit* as :class:`TooLargeError`).
    """
    h = hashlib.sha256()
    size = 0
    try:
        with create_private_file(dst) as f:
            for chunk in chunks:
                size += len(chunk)
                if limit is not None and size > limit:
                    raise TooLargeError(f"larger than the limit of {limit} bytes")
                h.update(chunk)
                f.write(chunk)
            f.flush()
            os.fsync(f.fileno())
    except OSError as e:
        _unlink_quietly(dst)
        _raise_disk_full(e)
        raise
    except BaseException:
        _unlink_quietly(dst)
        raise
    return h.hexdigest(), size


def read_chunks(f: BinaryIO, size: int = CHUNK) -> Iterable[bytes]:
    """Yield a binary file's content in chunks."""
    while True:
        b = f.read(size)
        if not b:
            return
        yield b


def size_of(source: Path | bytes) -> int:
    """Bytes in *source* (a buffer, or a file's size; 0 when the file cannot be read: the
    copy that follows fails with its own error)."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return len(source)
    try:
        return Path(source).stat().st_size
    except OSError:
        return 0


def write_source(dst: Path, source: Path | bytes, limit: int | None = None) -> tuple[str, int]:
    """:func:`write_stream` of a buffer or of a file's content into *dst*."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return write_stream(dst, [bytes(source)], limit)
    with open(source, "rb") as f:
        return write_stream(dst, read_chunks(f), limit)


def discard(files: Iterable[Path], directory: Path) -> None:
    """Remove *files* and the tree *directory*, ignoring what is already gone."""
    for f in files:
        _unlink_quietly(f)
    shutil.rmtree(directory, ignore_errors=True)


def sha256_file(path: Path) -> tuple[str, int]:
    """SHA-256 hex and size of a file, read in chunks."""
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        for b in read_chunks(f, 1024 * 1024):
            h.update(b)
            size += len(b)
    return h.hexdigest(), size


def _unlink_quietly(p: Path) -> None:
    try:
        os.unlink(p)
    except OSError:  # gone already, or cannot be removed: nothing more to do here
        pass
