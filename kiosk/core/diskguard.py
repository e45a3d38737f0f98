"""The disk guard: what the kiosk may still store when the card fills up.

Three states, from the free space of the file system that holds the data dir
(``statvfs``: blocks available to an unprivileged user, as the kiosk user sees them):

* ``ok`` - at least ``storage.min_free_mb`` free: everything is stored.
* ``low`` - below ``min_free_mb``: items with attachments (recordings, photos, letters)
  are refused *before* anything is written (:class:`MediaRefusedError`); text items are
  still stored, from the reserve between ``min_free_mb`` and ``storage.hard_floor_mb``.
  An item whose attachments would take the disk below ``min_free_mb`` counts as low too.
* ``critical`` - below ``hard_floor_mb``: every write to the store is refused
  (:class:`OutOfServiceError`); the app shows its out-of-service screen with the
  station's hotline. Nothing stored is touched.

The guard reads the disk at every check (one ``statvfs``, microseconds), so the kiosk
recovers by itself as soon as space is freed. docs/store.md describes the states.

Beside the thresholds, the guard keeps a small *ballast* file in the data dir: SQLite
needs a few pages of free space just to open a WAL database (its ``-shm`` index), so a
card filled to the last block would leave the store unopenable and every command with a
traceback. The ballast is released when an open fails for lack of space (the store then
opens and refuses writes as ``critical``) and is put back once the disk has room again.
"""

from __future__ import annotations

import contextlib
import enum
import os
from dataclasses import dataclass
from pathlib import Path

MB = 1024 * 1024
BALLAST_NAME = ".diskguard-ballast"
BALLAST_BYTES = 1 * MB
# An I/O error from SQLite with less than this free is taken for a full disk.
NEARLY_FULL_BYTES = 1 * MB


class DiskState(str, enum.Enum):
    """How much the kiosk may still store."""

    OK = "ok"
    LOW = "low"            # text only
    CRITICAL = "critical"  # nothing: out of service


@dataclass(frozen=True)
class DiskReading:
    """One look at the data dir's file system against the thresholds."""

    state: DiskState
    free_mb: float
    total_mb: float
    min_free_mb: int
    hard_floor_mb: int

    def describe(self) -> str:
        """One line for logs, doctor and errors."""
        return (f"{self.free_mb:.1f} MB free of {self.total_mb:.0f} MB (media needs "
                f"{self.min_free_mb} MB, any item {self.hard_floor_mb} MB)")

    def as_alert(self) -> dict:
        """The heartbeat's ``disk`` object (docs/openapi.yaml, Heartbeat)."""
        return {"state": self.state.value, "free_mb": int(self.free_mb), "total_mb": int(self.total_mb),
                "min_free_mb": self.min_free_mb, "hard_floor_mb": self.hard_floor_mb}


class DiskSpaceError(Exception):
    """The disk guard refused a write; ``reading`` is the disk state it saw."""

    def __init__(self, message: str, reading: DiskReading):
        super().__init__(message)
        self.reading = reading


class MediaRefusedError(DiskSpaceError):
    """Below ``storage.min_free_mb``: an item with attachments was refused, nothing written.

    A text-only item (or voice as text, without the recording) would still be stored.
    """


class OutOfServiceError(DiskSpaceError):
    """Below ``storage.hard_floor_mb``: every write is refused until space is freed."""


class DiskGuard:
    """Checks the data dir's free space before the store writes."""

    def __init__(self, data_dir: Path, min_free_mb: int = 0, hard_floor_mb: int = 0):
        if not 0 <= hard_floor_mb <= min_free_mb:
            raise ValueError(f"hard_floor_mb ({hard_floor_mb}) must be between 0 and "
                             f"min_free_mb ({min_free_mb})")
        self.data_dir = Path(data_dir)
        self.min_free_mb = min_free_mb
        self.hard_floor_mb = hard_floor_mb

    @classmethod
    def from_settings(cls, storage) -> "DiskGuard":
        """The guard for a :class:`kiosk.config.tree.StorageSettings`."""
        return cls(storage.data_path, storage.min_free_mb, storage.hard_floor_mb)

    # -- reading the disk ---------------------------------------------------------------

    def free_bytes(self) -> tuple[int, int]:
        """(free, total) bytes of the data dir's file system, as the kiosk user sees them."""
        st = os.statvfs(self.data_dir)
        return st.f_bavail * st.f_frsize, st.f_blocks * st.f_frsize

    def read(self, extra_bytes: int = 0) -> DiskReading:
        """The state now, as if *extra_bytes* more were written first."""
        free, total = self.free_bytes()
        free -= extra_bytes
        if free < self.hard_floor_mb * MB or free <= 0:
            state = DiskState.CRITICAL
        elif free < self.min_free_mb * MB:
            state = DiskState.LOW
        else:
            state = DiskState.OK
        return DiskReading(state, max(free, 0) / MB, total / MB, self.min_free_mb, self.hard_floor_mb)

    # -- the checks the store makes -------------------------------------------------------

    def check_write(self) -> DiskReading:
        """Before any store write: raise :class:`OutOfServiceError` below the hard floor."""
        reading = self.read()
        if reading.state is DiskState.CRITICAL:
            raise OutOfServiceError("disk almost full: the kiosk is out of service and stores "
                                    f"nothing until space is freed ({reading.describe()})", reading)
        return reading

    def check_item(self, media_bytes: int) -> DiskReading:
        """Before committing an item with *media_bytes* of attachments (0 = text only)."""
        reading = self.check_write()
        if media_bytes and self.read(media_bytes).state is not DiskState.OK:
            raise MediaRefusedError("disk nearly full: items with recordings, photos or letters "
                                    "are refused; text is still stored "
                                    f"({reading.describe()})", reading)
        self.keep_ballast(reading)
        return reading

    def is_out_of_space(self, err: BaseException) -> bool:
        """True when *err* (an OSError or sqlite3 error) came from a full disk."""
        import errno
        import sqlite3
        if isinstance(err, OSError):
            return err.errno in (errno.ENOSPC, errno.EDQUOT)
        if isinstance(err, sqlite3.Error):
            code = getattr(err, "sqlite_errorcode", 0) & 0xFF
            if code == sqlite3.SQLITE_FULL:
                return True
            # A full disk while SQLite extends its -wal or -shm file surfaces as a plain
            # I/O error (SQLITE_IOERR_WRITE / _SHMSIZE ...): believe the disk, not the code.
            return code == sqlite3.SQLITE_IOERR and self.free_bytes()[0] < max(self.hard_floor_mb * MB,
                                                                                 NEARLY_FULL_BYTES)
        return False

    # -- the ballast ------------------------------------------------------------------------

    @property
    def ballast_path(self) -> Path:
        return self.data_dir / BALLAST_NAME

    def _ballast_size(self) -> int:
        try:
            return self.ballast_path.stat().st_blocks * 512
        except OSError:
            return 0

    def release_ballast(self) -> bool:
        """Give the ballast's space back (to let SQLite open on a full disk)."""
        try:
            self.ballast_path.unlink()
            return True
        except FileNotFoundError:
            return False

    def keep_ballast(self, reading: DiskReading | None = None) -> None:
        """Put the ballast back when the disk is healthy again (best effort)."""
        if self._ballast_size() >= BALLAST_BYTES:
            return
        reading = reading or self.read()
        # Only with room to spare, so that taking the ballast back never tips the state.
        if reading.free_mb * MB < (self.min_free_mb * MB) + 4 * BALLAST_BYTES:
            return
        with contextlib.suppress(OSError):
            fd = os.open(self.ballast_path, os.O_WRONLY | os.O_CREAT, 0o600)
            try:
                os.posix_fallocate(fd, 0, BALLAST_BYTES)
            except OSError:
                os.close(fd)
                fd = -1
                self.ballast_path.unlink(missing_ok=True)
            finally:
                if fd >= 0:
                    os.close(fd)


VOLATILE_FS = ("tmpfs", "ramfs", "overlay")


@dataclass(frozen=True)
class Mount:
    """The mount a path lives on (from /proc/self/mountinfo, proc(5))."""

    mount_point: str
    fs_type: str
    source: str

    @property
    def volatile(self) -> bool:
        """RAM-backed (tmpfs) or an overlay, e.g. a read-only root's RAM overlay."""
        return self.fs_type in VOLATILE_FS


def mount_of(path: Path) -> Mount | None:
    """The mount holding *path*, or None where /proc is not readable."""
    target = os.path.realpath(path)
    best: Mount | None = None
    try:
        lines = Path("/proc/self/mountinfo").read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    for line in lines:
        left, _, right = line.partition(" - ")
        fields, rest = left.split(), right.split()
        if len(fields) < 5 or len(rest) < 2:
            continue
        point = fields[4].replace("\\040", " ")
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and (best is None or len(point) >= len(best.mount_point)):
            best = Mount(point, rest[0], rest[1])
    return best
