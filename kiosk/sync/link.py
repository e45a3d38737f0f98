"""The state of the kiosk's link to the centre: outage, backoff, auth alert, last contact.

One outage is one log line when it starts and one when it ends, however many retries lie
between (the retry count and last error are kept in store meta for `kiosk doctor`). The
delay between retries is exponential with full jitter and a cap, from the ``backoff``
library's generators (see the AWS architecture blog post "Exponential Backoff And
Jitter", which ``backoff.full_jitter`` implements).

A 401/403 is not an outage: the centre is up and refuses us. Forwarding pauses for
``sync.auth_pause_s`` and an alert is stored (meta ``sync.auth_alert``) until a request
succeeds again.

A refused redirect and a failure of this kiosk's own setup (an unusable
``sync.ca_bundle``) are retried like an outage, and they are also a staff alert (meta
``sync.setup_alert``, one log line and one event per distinct reason, a ``kiosk doctor``
failure) until a call succeeds: waiting does not fix them, a person has to.

:meth:`Link.failed` is the one place a :class:`~kiosk.sync.client.CentreError` turns
into one of these reactions.
"""

from __future__ import annotations

import json
import logging
import time

import backoff

from kiosk.core import clock
from kiosk.sync.client import AUTH, CONFIG, REDIRECT, CentreError

OUTAGE_KEY = "sync.outage"
AUTH_KEY = "sync.auth_alert"
SETUP_KEY = "sync.setup_alert"
CONTACT_KEY = "sync.last_contact"
CONTACT_WRITE_EVERY_S = 30.0

log = logging.getLogger("kiosk.sync")


class Link:
    """Shared by every call the daemon makes to the centre."""

    def __init__(self, store, base_s: float, cap_s: float, auth_pause_s: float, *, monotonic=time.monotonic):
        self.store = store
        self.base_s = base_s
        self.cap_s = cap_s
        self.auth_pause_s = auth_pause_s
        self._mono = monotonic
        self._delays = None
        self.next_try = 0.0
        self.failures = 0
        self.outage_since: float | None = None
        self.auth_alert = store.get_meta(AUTH_KEY) is not None
        self.setup_alert = store.get_meta(SETUP_KEY) is not None
        self._contact_written = -1e9
        # An outage recorded by a previous run is still an outage until we get through.
        if store.get_meta(OUTAGE_KEY):
            self.outage_since = self._mono()

    def ready(self) -> bool:
        """May we call the centre now?"""
        return self._mono() >= self.next_try

    def wait_s(self) -> float:
        """Seconds until the next attempt is allowed (0 when ready)."""
        return max(0.0, self.next_try - self._mono())

    def success(self) -> None:
        """A request got a valid answer: end any outage or auth alert."""
        now = self._mono()
        if self.outage_since is not None:
            took = now - self.outage_since
            msg = f"centre reachable again after {took:.0f} s and {self.failures} failed attempts"
            log.warning(msg)
            self.store.log_event("sync_recovered", msg, data={"failed_attempts": self.failures})
            self.store.set_meta(OUTAGE_KEY, None)
            self.outage_since = None
        if self.auth_alert:
            log.warning("centre accepts our credentials again")
            self.store.set_meta(AUTH_KEY, None)
            self.store.log_event("sync_auth_ok", "the centre accepts this kiosk's token again")
            self.auth_alert = False
        if self.setup_alert:
            log.warning("centre calls work again; setup alert cleared")
            self.store.set_meta(SETUP_KEY, None)
            self.store.log_event("sync_setup_ok", "centre calls work again: the setup alert is cleared")
            self.setup_alert = False
        self.failures = 0
        self._delays = None
        self.next_try = 0.0
        if now - self._contact_written >= CONTACT_WRITE_EVERY_S:
            self.store.set_meta(CONTACT_KEY, clock.now_iso())
            self._contact_written = now

    def failed(self, e: CentreError, task: str = "") -> float:
        """React to a failed call (any kind but ``rejected``); returns the delay chosen."""
        reason = f"{task}: {e}" if task else str(e)
        if e.kind == AUTH:
            return self.auth_failure(reason)
        if e.kind in (REDIRECT, CONFIG):
            self._raise_setup_alert(e.kind, reason, e.location)
        return self.failure(reason)

    def _raise_setup_alert(self, kind: str, reason: str, location: str | None) -> None:
        prev = self.store.get_meta(SETUP_KEY)
        if prev and json.loads(prev).get("reason") == reason:
            return  # the same alert again: already logged and recorded
        what = ("the centre answered with a redirect, which is never followed"
                if kind == REDIRECT else "this kiosk's setup stops centre calls")
        msg = f"{what}; staff must fix it: {reason}"
        log.error(msg)
        self.store.set_meta(SETUP_KEY, json.dumps({"since": clock.now_iso(), "kind": kind, "reason": reason,
                                                   "location": location}, ensure_ascii=False))
        self.store.log_event(f"sync_{kind}", msg, level="error", data={"location": location})
        self.setup_alert = True

    def failure(self, reason: str) -> float:
        """A transient failure: start/continue the outage; returns the delay chosen."""
        self.failures += 1
        if self.outage_since is None:
            self.outage_since = self._mono()
            msg = f"centre unreachable, will retry with backoff: {reason}"
            log.warning(msg)
            self.store.log_event("sync_outage", msg, level="warning")
        if self._delays is None:
            self._delays = backoff.expo(base=2, factor=self.base_s, max_value=self.cap_s)
            next(self._delays)  # prime the generator (backoff's generators expect a send(None))
        delay = backoff.full_jitter(next(self._delays))
        self.next_try = self._mono() + delay
        self.store.set_meta(OUTAGE_KEY, json.dumps({"since": self._outage_started_iso(), "failures": self.failures,
                                                    "last_error": reason}, ensure_ascii=False))
        return delay

    def _outage_started_iso(self) -> str:
        raw = self.store.get_meta(OUTAGE_KEY)
        try:
            return json.loads(raw)["since"] if raw else clock.now_iso()
        except (ValueError, KeyError):
            return clock.now_iso()

    def auth_failure(self, reason: str) -> float:
        """401/403: pause everything for ``auth_pause_s`` and raise the staff alert once."""
        if not self.auth_alert:
            msg = f"the centre refuses this kiosk's credentials; paused, check sync.token_file: {reason}"
            log.error(msg)
            self.store.set_meta(AUTH_KEY, json.dumps({"since": clock.now_iso(), "reason": reason},
                                                     ensure_ascii=False))
            self.store.log_event("sync_auth_failed", msg, level="error")
            self.auth_alert = True
        self.next_try = self._mono() + self.auth_pause_s
        return self.auth_pause_s
