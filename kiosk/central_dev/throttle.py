"""The staff login throttle of central-dev: failed logins counted per client address and
per user name, in bounded memory (docs/security.md, "Web pages").

One counter for the whole process let anyone on loopback lock every member of staff out
by failing five times. Now a failure counts against the address it came from and the
user name it tried: a guesser locks only that address and that name, and each lock says
which of the two it is. Unknown user names are counted like real ones, so a lock never
tells a guesser whether a name exists.

Memory is bounded: each key keeps at most its limit of failure times, and each table at
most :data:`MAX_KEYS` keys. When a table is full the key whose newest failure is oldest
is dropped; flushing a live key out that way takes :data:`MAX_KEYS` failed logins within
one window, each costing a scrypt hash.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import Callable

#: Failed logins one user name may see per window, from anywhere.
MAX_FAILURES_PER_USER = 5
#: Failed logins one client address may make per window, over all user names.
MAX_FAILURES_PER_ADDRESS = 10
FAILURE_WINDOW_S = 60.0
#: Keys kept per table (addresses, user names): the memory bound.
MAX_KEYS = 4096
#: A user name is counted by its first characters (real ones have at most 32), so a
#: megabyte-long name costs no more memory than a short one.
KEY_CHARS = 40


@dataclass(frozen=True)
class LoginLocked:
    """Logins are refused for a while; *by* is ``"address"`` or ``"user"``, *key* which one."""

    by: str
    key: str
    wait_s: float


class FailureTable:
    """Recent failure times per key: at most *limit* per *window_s*, *max_keys* keys."""

    def __init__(self, limit: int, window_s: float, max_keys: int, clock: Callable[[], float]):
        if limit < 1 or window_s <= 0 or max_keys < 1:
            raise ValueError("a failure table needs a limit and a key count of 1 or more and a positive window")
        self.limit, self.window_s, self.max_keys, self._clock = limit, window_s, max_keys, clock
        self._times: OrderedDict[str, deque[float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._times)

    def wait(self, key: str) -> float:
        """Seconds until *key* may fail again (0: now). Not thread-safe: callers lock."""
        times = self._times.get(key)
        if times is None or len(times) < self.limit:
            return 0.0
        return max(0.0, times[0] + self.window_s - self._clock())

    def record(self, key: str) -> None:
        """Count one failure of *key*, dropping the stalest key when the table is full."""
        times = self._times.pop(key, None) or deque(maxlen=self.limit)
        times.append(self._clock())
        self._times[key] = times          # newest failure last: the stalest key comes first
        while len(self._times) > self.max_keys:
            self._times.popitem(last=False)


class LoginThrottle:
    """Failed staff logins per client address and per user name. Thread-safe."""

    def __init__(self, *, per_user: int = MAX_FAILURES_PER_USER, per_address: int = MAX_FAILURES_PER_ADDRESS,
                 window_s: float = FAILURE_WINDOW_S, max_keys: int = MAX_KEYS,
                 clock: Callable[[], float] = time.monotonic):
        self.by_address = FailureTable(per_address, window_s, max_keys, clock)
        self.by_user = FailureTable(per_user, window_s, max_keys, clock)
        self._lock = threading.Lock()

    def locked(self, address: str, user: str) -> LoginLocked | None:
        """Why a login from *address* as *user* is refused now, or None when it may be tried."""
        user = user[:KEY_CHARS]
        with self._lock:
            for by, table, key in (("address", self.by_address, address), ("user", self.by_user, user)):
                if (wait := table.wait(key)) > 0:
                    return LoginLocked(by, key, wait)
        return None

    def record_failure(self, address: str, user: str) -> None:
        """Count one failed login from *address* as *user*."""
        with self._lock:
            self.by_address.record(address)
            self.by_user.record(user[:KEY_CHARS])
