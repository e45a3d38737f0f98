"""Is the wall clock trustworthy? Raspberry Pi boards have no RTC.

After a power cut a Pi boots with the time of its last shutdown (fake-hwclock) until
NTP syncs. Nothing in the kiosk depends on the clock for correctness (tracking codes are
sequence numbers); we only record whether each timestamp can be believed, so receipts
and the centre can mark it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import time
from datetime import datetime, timezone

# Nothing this software stores can predate its own release.
EARLIEST_PLAUSIBLE = datetime(2026, 1, 1, tzinfo=timezone.utc).timestamp()
# systemd-timesyncd touches this file once the clock is synchronised (timesyncd.conf(5)).
TIMESYNC_FLAG = "/run/systemd/timesync/synchronized"
TIME_ERROR = 5  # adjtimex(2): "the system clock is not synchronized to a reliable server"


@functools.lru_cache(maxsize=1)
def _libc() -> ctypes.CDLL:
    # Once per process: ctypes.util.find_library runs ldconfig (a fork and exec) on every
    # call, which cost ~1 ms inside every commit (docs/store.md, "Performance").
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def _kernel_says_synced() -> bool | None:
    """adjtimex(2) with modes=0 only reads; TIME_ERROR means not NTP-synchronised."""
    try:
        libc = _libc()
        buf = ctypes.create_string_buffer(512)  # struct timex is ~208 bytes; modes=0 first
        state = libc.adjtimex(buf)
    except (OSError, AttributeError):
        return None
    if state < 0:
        return None
    return state != TIME_ERROR


def clock_trusted(now: float | None = None) -> bool:
    """True when the wall clock is NTP-synchronised and plausible."""
    if os.environ.get("KIOSK_CLOCK_TRUSTED") in ("0", "1"):  # tests and bench runs
        return os.environ["KIOSK_CLOCK_TRUSTED"] == "1"
    now = time.time() if now is None else now
    if now < EARLIEST_PLAUSIBLE:
        return False
    if os.path.exists(TIMESYNC_FLAG):
        return True
    return bool(_kernel_says_synced())


def now_iso() -> str:
    """UTC now as ISO 8601 with milliseconds."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def parse_utc(iso: str) -> datetime:
    """An ISO 8601 time as an aware datetime, UTC when it has no offset (the store's
    times all carry one); ValueError when it is not such a time."""
    t = datetime.fromisoformat(str(iso))
    return t.replace(tzinfo=timezone.utc) if t.tzinfo is None else t


def age_s(iso: str | None, now: datetime | None = None) -> float | None:
    """Seconds since an ISO 8601 time (None when absent or unreadable; never negative)."""
    if not iso:
        return None
    try:
        t = parse_utc(iso)
    except ValueError:
        return None
    return max(0.0, ((now or datetime.now(timezone.utc)) - t).total_seconds())
