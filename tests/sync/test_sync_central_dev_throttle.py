"""central-dev's staff login throttle: per client address and per user name, bounded
memory (kiosk/central_dev/throttle.py, docs/security.md "Web pages").

The HTTP tests log in over real waitress on 127.0.0.1 from several loopback source
addresses (Linux answers the whole of 127.0.0.0/8 on ``lo``), as a local guesser could."""

from __future__ import annotations

import pytest
import requests
from requests.adapters import HTTPAdapter

from kiosk.central_dev.throttle import (FAILURE_WINDOW_S, MAX_FAILURES_PER_ADDRESS, MAX_FAILURES_PER_USER,
                                        LoginLocked, LoginThrottle)

from .test_sync_central_dev_doors import forms_of

RIGHT = "the right passphrase"


class FromAddress(HTTPAdapter):
    """Connections from one local source address."""

    def __init__(self, ip: str):
        self.ip = ip
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.ip, 0)
        super().init_poolmanager(*args, **kwargs)


def login(central, source: str, user: str, password: str) -> requests.Response:
    """One login through the form, from *source*."""
    s = requests.Session()
    s.mount("http://", FromAddress(source))
    csrf = forms_of(s.get(central.url + "/login", timeout=5).text)[0]["fields"]["csrf"]
    return s.post(central.url + "/login", data={"csrf": csrf, "user": user, "password": password},
                  allow_redirects=False, timeout=10)


def test_a_guesser_on_another_address_does_not_lock_staff_out(central):
    central.app.staff.set_password("staff", RIGHT)
    codes = [login(central, "127.0.0.2", f"guess{i}", "wrong").status_code
             for i in range(MAX_FAILURES_PER_ADDRESS + 1)]
    assert codes == [403] * MAX_FAILURES_PER_ADDRESS + [429]
    refused = login(central, "127.0.0.2", "staff", RIGHT)
    assert refused.status_code == 429 and "from this address (127.0.0.2)" in refused.text
    assert login(central, "127.0.0.1", "staff", RIGHT).status_code == 303


def test_a_locked_user_is_told_so_and_other_users_still_log_in(central):
    central.app.staff.set_password("staff", RIGHT)
    central.app.staff.set_password("alice", "alice's own passphrase")
    # One guess from each of several addresses: the per-user count catches it.
    for i in range(MAX_FAILURES_PER_USER):
        assert login(central, f"127.0.0.{10 + i}", "staff", "wrong").status_code == 403
    locked = login(central, "127.0.0.1", "staff", RIGHT)
    assert locked.status_code == 429 and "central_session" not in locked.cookies
    assert "The user “staff” is locked after too many failed logins" in locked.text
    assert login(central, "127.0.0.1", "alice", "alice's own passphrase").status_code == 303


def test_an_unknown_user_name_locks_like_a_real_one(central):
    # Otherwise whether a name locks would tell a guesser which users exist.
    central.app.staff.set_password("staff", RIGHT)
    codes = {name: [login(central, f"127.0.1.{i}", name, "wrong").status_code
                    for i in range(MAX_FAILURES_PER_USER + 1)] for name in ("staff", "nobody")}
    assert codes["staff"] == codes["nobody"] == [403] * MAX_FAILURES_PER_USER + [429]


class Clock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_memory_stays_bounded_however_many_addresses_and_names_fail():
    throttle = LoginThrottle(max_keys=64, clock=Clock())
    for i in range(20_000):
        throttle.record_failure(f"10.{i // 65536}.{i // 256 % 256}.{i % 256}", f"user{i}" + "x" * 10_000)
    assert len(throttle.by_address) == len(throttle.by_user) == 64
    assert max(len(k) for k in throttle.by_user._times) <= 40


def test_a_lock_ends_after_the_window_and_survives_other_keys_failing():
    clock = Clock()
    throttle = LoginThrottle(per_user=2, per_address=100, max_keys=16, clock=clock)
    throttle.record_failure("127.0.0.1", "staff")
    clock.t += 1
    throttle.record_failure("127.0.0.2", "staff")
    assert throttle.locked("127.0.0.3", "staff") == LoginLocked("user", "staff", FAILURE_WINDOW_S - 1)
    for i in range(15):                      # fewer other keys than the table holds
        throttle.record_failure("127.0.0.9", f"other{i}")
    assert throttle.locked("127.0.0.3", "staff") is not None
    clock.t += FAILURE_WINDOW_S - 1
    assert throttle.locked("127.0.0.3", "staff") is None


@pytest.mark.parametrize("kw", [{"per_user": 0}, {"per_address": 0}, {"window_s": 0}, {"max_keys": 0}])
def test_nonsense_limits_are_refused(kw):
    with pytest.raises(ValueError):
        LoginThrottle(**kw)
