"""A secret key kept in a file of its own: made once, while nothing depends on it, and never again.

The personal-data key (kiosk/core/pii.py), the receipt-secret key (kiosk/core/receiptkey.py)
and the station's signing key (kiosk/core/stationkey.py) follow one rule (docs/store.md,
"The personal-data key"; docs/security.md, "Station keys"). A missing file is created
(0600, durably, the first of two racing processes wins: :func:`kiosk.core.fsutil.create_file_once`)
only while nothing depends on the key yet. Once something does (encrypted names, receipt
secrets checked with it, a public key the centre pinned), a missing, empty, unreadable
or corrupt file is never replaced: a new key would silently orphan what the old one made.

:func:`load` applies the rule and reads the file; what is wrong comes back as a
:class:`KeyFileFault` whose :attr:`~KeyFileFault.fault` says which case it is. Each key's
module turns that into its own named error, in its own words.
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Callable, TypeVar

from kiosk.core import fsutil

K = TypeVar("K")


class Fault(enum.Enum):
    """Why a key file cannot be used."""

    MISSING = "missing"              # absent while something depends on it: never re-made
    NOT_CREATED = "not_created"      # absent, nothing depends on it, and this look may not create it
    CANNOT_CREATE = "cannot_create"  # absent, and creating it failed (a full disk, a read-only dir)
    NOT_REGULAR = "not_regular"      # a FIFO, device, directory or socket
    UNREADABLE = "unreadable"        # permissions, I/O error
    EMPTY = "empty"                  # nothing but white space
    CORRUPT = "corrupt"              # not a key of this kind


class KeyFileFault(Exception):
    """The key file *path* cannot be used, for reason *fault*; *detail* is the system's
    words for an OS error (``"Permission denied"``, ``"a FIFO (named pipe), not a
    regular file"``), else empty."""

    def __init__(self, fault: Fault, path: Path, detail: str = ""):
        self.fault = fault
        self.path = path
        self.detail = detail
        super().__init__(f"{path}: {fault.value}" + (f" ({detail})" if detail else ""))


def load(path: Path, decode: Callable[[bytes], K], *, in_use: Callable[[], bool],
         new_key: Callable[[], bytes], create: bool = True, limit: int | None = None) -> K:
    """The key in *path*, as ``decode(raw bytes)`` gives it (a ValueError there: corrupt).

    A missing file is made from ``new_key()`` when ``in_use()`` is false (asked only then)
    and *create* allows it (false: a read-only look such as ``kiosk doctor``). *limit*
    bounds how much is read. Raises :class:`KeyFileFault` for everything else.
    """
    path = Path(path)
    try:
        return _read(path, decode, limit)
    except (FileNotFoundError, NotADirectoryError):  # ENOTDIR: a file where its directory should be
        pass
    if in_use():
        raise KeyFileFault(Fault.MISSING, path)
    if not create:
        raise KeyFileFault(Fault.NOT_CREATED, path)
    try:
        fsutil.create_file_once(path, new_key())
        return _read(path, decode, limit)
    except OSError as e:  # a full disk, a read-only or foreign-owned key dir
        raise KeyFileFault(Fault.CANNOT_CREATE, path, e.strerror or str(e)) from None


def _read(path: Path, decode: Callable[[bytes], K], limit: int | None) -> K:
    """The decoded key; an absent file's FileNotFoundError or NotADirectoryError passes
    (the caller decides whether to make one)."""
    try:
        raw = fsutil.read_regular_file(path, limit)
    except (FileNotFoundError, NotADirectoryError):
        raise
    except fsutil.NotRegularFileError as e:
        raise KeyFileFault(Fault.NOT_REGULAR, path, e.strerror) from None
    except OSError as e:
        raise KeyFileFault(Fault.UNREADABLE, path, e.strerror or str(e)) from None
    if not raw.strip():
        raise KeyFileFault(Fault.EMPTY, path)
    try:
        return decode(raw)
    except (ValueError, TypeError):
        raise KeyFileFault(Fault.CORRUPT, path) from None
