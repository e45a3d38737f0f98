"""The C allocator's settings for the long-running touchscreen process (glibc malloc).

Why: a session handles camera frames, page scans, recordings and speech-recognition
buffers of megabytes each, all freed when the resident leaves. glibc serves blocks above
its *mmap threshold* with their own mapping, returned to the system on ``free``; but it
raises that threshold dynamically, up to 32 MiB, each time such a block is freed
(mallopt(3), ``M_MMAP_THRESHOLD``). After the first photo, later frames come from the heap
arenas instead, and the space they leave behind stays with the process, fragmented. Each
short-lived worker thread can also get an arena of its own (up to eight per core,
``M_ARENA_MAX``), each keeping its own free space. The soak (tests/bench/bench_soak.py
``--diagnose``) measured about 200 MB held free in the arenas and the app's RSS climbing
in steps over a day of sessions.

So the app, at start, fixes the threshold at 1 MiB (this also stops the dynamic
adjustment) and allows two arenas; and at the end of every session it calls
``malloc_trim(0)`` (malloc_trim(3)), which hands the free pages in every arena back to the
system. docs/ui.md ("Memory over a day") gives the figures.

With another C library (musl) these calls do not exist: the functions say so in their
result and change nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
from dataclasses import dataclass

log = logging.getLogger(__name__)

# mallopt(3) parameter numbers, from glibc's <malloc.h>.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8

MMAP_THRESHOLD_BYTES = 1 << 20   # camera frames, scans, audio: mapped, returned on free
ARENA_MAX = 2                     # the UI thread and the workers share two arenas


@dataclass(frozen=True)
class Tuning:
    """What :func:`tune_for_long_running` did (``applied`` False: not glibc, nothing done)."""

    applied: bool
    detail: str


@dataclass(frozen=True)
class HeapUsage:
    """The C heap, from glibc's ``mallinfo2`` (mallinfo2(3)): bytes handed out (in the
    arenas and in blocks mapped on their own), of those the ones in blocks mapped on their
    own, and bytes the arenas hold free."""

    in_use: int
    mapped: int
    free: int


class _MallInfo2(ctypes.Structure):
    _fields_ = [(f, ctypes.c_size_t) for f in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks",
                                               "fsmblks", "uordblks", "fordblks", "keepcost")]


@functools.lru_cache(maxsize=1)
def _glibc():
    """The process's C library if it has glibc's malloc controls, else None."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    if not all(hasattr(libc, f) for f in ("mallopt", "malloc_trim", "gnu_get_libc_version")):
        return None
    libc.mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    libc.malloc_trim.argtypes = (ctypes.c_size_t,)
    if hasattr(libc, "mallinfo2"):  # glibc 2.33 and later
        libc.mallinfo2.restype = _MallInfo2
    return libc


def tune_for_long_running() -> Tuning:
    """Set the mmap threshold and the arena count (see the module text); call it once, as
    early as possible: arenas made before it stay."""
    libc = _glibc()
    if libc is None:
        return Tuning(False, "not glibc: the C allocator is left as it is")
    ok = libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) == 1
    ok = libc.mallopt(M_ARENA_MAX, ARENA_MAX) == 1 and ok
    if not ok:  # mallopt returns 0 for a value it refuses; then say so, do not pretend
        log.warning("glibc refused the allocator settings (mmap threshold %d, arenas %d)",
                    MMAP_THRESHOLD_BYTES, ARENA_MAX)
        return Tuning(False, "glibc refused mallopt")
    return Tuning(True, f"mmap threshold {MMAP_THRESHOLD_BYTES >> 20} MiB, {ARENA_MAX} arenas")


def release_free_memory() -> bool:
    """Hand the allocator's free pages back to the system (malloc_trim(3)); True when
    some memory was released. A few milliseconds: call it when no one is waiting."""
    libc = _glibc()
    return bool(libc is not None and libc.malloc_trim(0))


def heap_usage() -> HeapUsage | None:
    """The C heap's use now (what tests/bench/bench_soak.py prints, and what the tests of
    the app's memory measure); None without glibc 2.33's mallinfo2."""
    libc = _glibc()
    if libc is None or not hasattr(libc, "mallinfo2"):
        return None
    mi = libc.mallinfo2()
    return HeapUsage(in_use=mi.uordblks + mi.hblkhd, mapped=mi.hblkhd, free=mi.fordblks)
