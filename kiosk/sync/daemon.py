"""`kiosk sync`: one loop that forwards, polls, beats and purges; a waitress thread that
serves the pull API.

The loop is single-threaded on purpose: every call to the centre goes through one
:class:`~kiosk.sync.link.Link`, so an outage is one backoff schedule for everything,
and the store sees the daemon as one orderly writer beside the UI process.

Never imports Kivy (tests/sync checks this): the daemon must keep running when the
touchscreen app crashes.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import asdict

from kiosk.core.diskguard import DiskState
from kiosk.sync import backchannel
from kiosk.sync.client import REJECTED, CentreClient, CentreError
from kiosk.sync.forwarder import DrainResult, Forwarder
from kiosk.sync.link import Link

log = logging.getLogger("kiosk.sync")


class SyncDaemon:
    """The sync daemon for one store and config."""

    def __init__(self, config, store, *, client: CentreClient | None = None, notifier=None):
        self.config = config
        self.settings = config.sync
        self.store = store
        self.client = client or CentreClient(self.settings, config.station.number)
        s = self.settings
        self.link = Link(store, s.backoff_base_s, s.backoff_cap_s, s.auth_pause_s)
        self.notifier = notifier
        self.forwarder = Forwarder(store, self.client, self.link, s.batch_size,
                                   tick=notifier.pet if notifier else None)
        self.started = time.monotonic()
        self._due = {"status": 0.0, "config": 0.0, "heartbeat": 0.0, "retention": 0.0}
        self._server = None
        self._out_of_service = False

    # -- the centre-facing tasks ------------------------------------------------------

    def _call(self, name: str, fn):
        """Run one back-channel task through the link; returns its result or None."""
        if not self.link.ready():
            return None
        try:
            out = fn()
        except CentreError as e:
            if e.kind == REJECTED:
                log.error("%s: the centre rejected the request: %s", name, e)
                self.link.success()
            else:
                self.link.failed(e, name)
            return None
        self.link.success()
        return out

    def heartbeat(self):
        """Send one heartbeat now (service events in it are marked sent once accepted)."""
        from kiosk.core.devicehealth import mark_events_sent

        def beat():
            body = backchannel.heartbeat_body(self.store, self.started, time.monotonic(), self.config)
            self.client.heartbeat(body)
            mark_events_sent(self.store, body)
            return True
        return self._call("heartbeat", beat)

    def step(self, now: float | None = None, *, force: bool = False) -> dict:
        """One round: forward what is queued (the kiosk's first duty), then the due periodic tasks."""
        now = time.monotonic() if now is None else now
        s = self.settings
        out: dict = {}
        intervals = {"config": s.config_poll_interval_s, "heartbeat": s.heartbeat_interval_s,
                     "status": s.status_poll_interval_s}
        if self.store.guard.read().state is DiskState.CRITICAL:
            return self._step_out_of_service(now, force)
        if self._out_of_service:
            log.info("disk has room again: forwarding resumes")
            self._out_of_service = False
        # Retention is local: it runs on schedule whatever the centre does.
        if force or now >= self._due["retention"]:
            out["purged"] = backchannel.purge_expired(self.store, s.retention_days)
            self._due["retention"] = now + s.retention_interval_s
        # Bounded per round so heartbeats and status polls keep their schedule while a
        # long backlog drains; --once (force) drains everything.
        limit = None if force else 10 * s.batch_size
        drained = self.forwarder.drain(limit) if self.link.ready() else DrainResult(stopped="waiting to retry")
        out["forward"] = asdict(drained)
        if drained.stopped:
            # The centre just failed us: nothing more this round. Letting a heartbeat
            # succeed right after would end the "outage" and reset the backoff while
            # items still cannot get through (one log pair per retry instead of one).
            return out
        for task in ("config", "heartbeat", "status"):
            if not force and now < self._due[task]:
                continue
            if not self.link.ready():
                continue
            if task == "config":
                res = self._call("config", lambda: backchannel.fetch_config(self.store, self.client))
                if res is not None:
                    # Photos are retried on every config poll until cached; a refused
                    # photo never fails the config task (it is logged once).
                    photos = self._call("photos", lambda: backchannel.fetch_photos(
                        self.store, self.client, self.config))
                    out["photos"] = asdict(photos) if photos is not None else None
            elif task == "heartbeat":
                res = self.heartbeat()
            else:
                res = self._call("status", lambda: backchannel.pull_updates(self.store, self.client))
            out[task] = res
            if res is None:
                break  # failed: the link's backoff decides when to try again (same reason as above)
            self._due[task] = now + intervals[task]
        return out

    def _step_out_of_service(self, now: float, force: bool) -> dict:
        # Below the disk guard's hard floor the store refuses every write, so nothing
        # can be forwarded (a delivery could not be recorded) or fetched. The heartbeat
        # only reads: it still goes out and carries disk.state = "critical" to the
        # centre. It bypasses the link, whose bookkeeping would write too.
        out: dict = {"forward": asdict(DrainResult(stopped="out of service: disk full"))}
        if force or now >= self._due["heartbeat"]:
            try:
                self.client.heartbeat(backchannel.heartbeat_body(self.store, self.started, time.monotonic()))
                out["heartbeat"] = True
            except CentreError as e:
                log.warning("heartbeat while out of service failed: %s", e)
                out["heartbeat"] = None
            self._due["heartbeat"] = now + self.settings.heartbeat_interval_s
        if not self._out_of_service:
            log.error("disk full: forwarding paused, only heartbeats are sent (%s)",
                      self.store.guard.read().describe())
        self._out_of_service = True
        return out

    def run_once(self) -> dict:
        """`kiosk sync --once`: every task once and the whole queue (until the first failure)."""
        out = self.step(force=True)
        # Status updates may refer to items delivered in this same pass: poll once more.
        if out["forward"]["delivered"] and self.link.ready():
            more = self._call("status", lambda: backchannel.pull_updates(self.store, self.client))
            if more:
                out["status"] = (out.get("status") or 0) + more
        out["ok"] = (out["forward"]["stopped"] is None and not out["forward"]["unreadable"]
                     and not self.link.auth_alert
                     and all(out.get(t) is not None for t in ("config", "heartbeat", "status")))
        return out

    # -- the daemon -------------------------------------------------------------------

    def start_pull_api(self) -> int | None:
        """Serve the pull API on a waitress thread; returns the bound port (None: disabled)."""
        s = self.settings
        if not s.pull_api_enabled:
            return None
        from kiosk.sync import pullapi
        self._server = pullapi.serve(self.store, s)
        port = self._server.port
        log.info("pull API listening on %s:%s", s.pull_api_host, port)
        return port

    def stop_pull_api(self) -> None:
        """Stop serving the pull API."""
        if self._server is not None:
            self._server.stop()
            self._server = None

    def run_forever(self, stop: threading.Event) -> None:
        """Loop until *stop* is set: sleep until the next task is due or the queue poll."""
        log.info("sync daemon started for station %s -> %s", self.config.station.number, self.settings.central_url)
        if self.notifier:
            self.notifier.ready(f"forwarding to {self.settings.central_url}")
        try:
            while not stop.is_set():
                if self.notifier:
                    self.notifier.pet()
                try:
                    self.step()
                except Exception:  # one bad round must not end the daemon; systemd would restart it anyway
                    log.exception("sync round failed")
                    stop.wait(self.settings.poll_interval_s)
                    continue
                wait = self.settings.poll_interval_s
                if not self.link.ready():
                    wait = max(0.01, min(wait, self.link.wait_s()))
                elif self.forwarder.pending(1):
                    wait = 0  # more queued than one round takes: go on at once
                stop.wait(wait)
        finally:
            if self.notifier:
                self.notifier.stopping()
            self.client.close()
            log.info("sync daemon stopped")


STORE_RETRY_S = 15.0  # how often a daemon waiting for disk space tries to open the store
PET_S = 5.0           # watchdog pets meanwhile (WatchdogSec=120 in the sync unit)


def wait_for_store(store, cfg, notifier, stop: threading.Event) -> bool:
    """Until the store opens: READY with the reason (so systemd does not time the start
    out), watchdog pets, a retry every STORE_RETRY_S, and heartbeats that tell the centre
    why nothing arrives (``store.state = "unopenable"``, the disk alert). False when
    stopped meanwhile. Used by `kiosk sync` on a store opened with ``wait_for_disk``."""
    if store.is_open:
        return True
    reason = "disk full: the store cannot be opened yet"
    log.error("%s: nothing can be forwarded until space is freed (looking again every %.0f s)",
              reason, STORE_RETRY_S)
    if notifier is not None:
        notifier.ready(f"waiting: {reason}")
    client = CentreClient(cfg.sync, cfg.station.number)
    started = time.monotonic()
    next_try, next_beat = started + STORE_RETRY_S, started
    try:
        while True:
            now = time.monotonic()
            if now >= next_beat:
                next_beat = now + cfg.sync.heartbeat_interval_s
                try:
                    client.heartbeat(backchannel.unopenable_heartbeat_body(store, started, now, reason))
                except CentreError as e:  # the centre is another problem; the wait goes on
                    log.warning("heartbeat (store unopenable) not delivered: %s", e)
            if now >= next_try:
                if store.try_open():
                    log.info("disk has room again: the store is open, forwarding starts")
                    return True
                next_try = time.monotonic() + STORE_RETRY_S
            if stop.wait(max(0.05, min(PET_S, next_try - time.monotonic(), next_beat - time.monotonic()))):
                return False
            if notifier is not None:
                notifier.pet()
    finally:
        client.close()
