"""The service menu's one adapter to kiosk.maintenance, with the devices the app holds.

The pages never import kiosk.maintenance, kiosk.receipt or drivers/: they call these
methods, the blocking ones from worker threads (kiosk/app/feeds/mainthread.py). Devices come
from the app's ``services.devices`` (kiosk/app/services/devices.py: the fakes with
--fake-hardware, and in tests), so a self-test at the kiosk tests what residents use.
"""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from kiosk.sync import export

from kiosk.maintenance import pin, selftest, status
from kiosk.maintenance.status import RequeueRefused
from kiosk.core.devicehealth import SelfTestReason

__all__ = ["ServiceActions", "PinOutcome", "SelfTestOutcome", "RequeueRefused"]


@dataclass(frozen=True)
class PinOutcome:
    """What the PIN pad shows after OK. ``state``: ok / wrong / locked / not_set / broken."""

    state: str
    tries_left: int = 0
    wait_s: float = 0.0     # how long a lock still lasts (the page says it in words)
    detail: str = ""


@dataclass(frozen=True)
class SelfTestOutcome:
    """A recorded self-test plus what the page shows beside it (a photo, a page)."""

    result: selftest.SelfTestResult
    frame: object = None          # numpy BGR image (camera, scanner)
    audio_wav: bytes = b""        # the 3 s recording, to play back


class ServiceActions:
    """Everything the service pages do, for one app (config, store, device services)."""

    def __init__(self, cfg, store, services, *, config_path: Path | None = None):
        self.cfg = cfg
        self.store = store
        self.services = services
        self.config_path = config_path
        self.started = time.monotonic()

    # -- PIN ----------------------------------------------------------------------------

    def check_pin(self, entered: str) -> PinOutcome:
        """Check a PIN typed on the pad (blocking: scrypt)."""
        guard = pin.PinGuard.from_config(self.cfg, self.store)
        try:
            r = guard.check(entered, via="pad")
        except pin.PinLocked as e:
            return PinOutcome("locked", wait_s=e.remaining_s)
        except pin.PinNotSet:
            return PinOutcome("not_set")
        except pin.PinFileError as e:
            return PinOutcome("broken", detail=str(e))
        if r.correct:
            return PinOutcome("ok")
        if r.locked_for_s:
            return PinOutcome("locked", wait_s=r.locked_for_s)
        return PinOutcome("wrong", tries_left=r.tries_left)

    # -- pages --------------------------------------------------------------------------

    def status(self) -> dict:
        """The Status page's figures."""
        return status.status_snapshot(self.cfg, self.store, app_started_mono=self.started,
                                      now_mono=time.monotonic())

    def queue(self) -> status.QueueListing:
        """Pending, held and quarantined items (no resident content)."""
        return status.list_queue(self.store)

    def retry(self, code: str) -> None:
        """Requeue a quarantined item (raises :class:`RequeueRefused`)."""
        item = self.store.find_by_code(code)
        if item is None:
            raise RequeueRefused(f"no item with tracking code {code} at this kiosk")
        status.requeue_item(self.store, item)

    def logs(self) -> tuple[list[status.LogTail], list[dict]]:
        """The log tails and the event log."""
        return status.read_logs(self.cfg), status.recent_events(self.store, 60)

    def config_text(self) -> dict:
        """The running config, secrets masked."""
        return status.effective_config(self.cfg)

    def reload_config(self) -> str:
        """Validate the config file on disk; returns its path. Raises ``ConfigError``
        (the running config stays: a restart applies a file that passed)."""
        from kiosk import config as configmod
        path = self.config_path or configmod.resolve_path(None)
        if path is None:
            raise configmod.ConfigError(None, None, "the app runs on built-in defaults: no file to reload")
        status.reload_config(path)
        return str(path)

    # -- self-tests ---------------------------------------------------------------------

    def run_selftest(self, device: str, on_level: Callable[[float], None] | None = None) -> SelfTestOutcome:
        """Run one self-test on the app's device and record it (blocking)."""
        outcome = self._selftest(device, on_level)
        selftest.record(self.store, outcome.result)
        return outcome

    def _selftest(self, device: str, on_level) -> SelfTestOutcome:
        from kiosk.app.services.errors import FeatureUnavailable
        devices = self.services.devices
        try:
            if device == "printer":
                return SelfTestOutcome(selftest.test_printer(self.cfg, devices.printer()))
            if device == "microphone":
                from drivers.microphone import encode_wav
                # The live level for 5 s (staff speak and watch the bar), then 3 s recorded.
                r, pcm, rate = selftest.test_microphone(devices.microphone(), 3.0, on_level, live_s=5.0)
                return SelfTestOutcome(r, audio_wav=encode_wav(pcm, rate) if pcm else b"")
            if device == "camera":
                r, frame = selftest.test_camera(devices.camera("camera"))
                return SelfTestOutcome(r, frame=frame)
            if device == "scanner":
                r, page = selftest.test_scanner(devices.camera("scanner"), self.cfg.scanner)
                return SelfTestOutcome(r, frame=None if page is None else page.preview)
            if device == "code_reader":
                return SelfTestOutcome(selftest.test_code_reader(devices.code_reader(),
                                                                 self.cfg.receipt.lookup_url, 20.0))
            if device == "id_card_reader":
                return SelfTestOutcome(selftest.test_id_card_reader(devices.id_card_reader(), 20.0))
        except FeatureUnavailable as e:
            return SelfTestOutcome(selftest.SelfTestResult(device, False, f"unavailable: {e.detail}",
                                                           reason=SelfTestReason.UNAVAILABLE))
        raise selftest.UnknownDevice(device)

    def last_selftests(self) -> dict[str, dict | None]:
        """The last recorded result of every device."""
        return {d: selftest.last_result(self.store, d) for d in selftest.DEVICES}

    # -- export -------------------------------------------------------------------------

    def export_targets(self) -> list[Path]:
        """Mounted USB drives (or service.export_dir)."""
        return export.find_targets(self.cfg)

    def export(self, dest: Path, include_delivered: bool, progress) -> export.ExportResult:
        """Write the bundle (blocking; raises ``export.ExportError``)."""
        return export.export_bundle(self.cfg, self.store, dest, include_delivered=include_delivered,
                                    progress=progress)

    # -- reprint, power -----------------------------------------------------------------

    def reprint(self, code_text: str) -> str:
        """Reprint a receipt by its tracking code; returns the formatted code. Raises
        ``trackcode.CodeError`` (typo), ``LookupError`` (no such item) or
        ``RuntimeError`` (not printed, with the printer's reason)."""
        from kiosk.core.reprint import keep_reissued, reissue
        from kiosk.receipt.printing import print_item_receipt
        item = self.store.find_by_code(code_text, with_pii=True)
        if item is None:
            raise LookupError(f"no item with tracking code {code_text} at this kiosk")
        receipt = reissue(self.store, self.cfg, item)  # a new secret, as `kiosk receipt CODE` (docs/receipts.md)
        out = print_item_receipt(receipt, self.cfg, self.services.devices.printer(), store=self.store,
                                 reprint=True)
        if out.left_the_kiosk:
            keep_reissued(self.store, receipt)
        if not out.printed:
            raise RuntimeError(out.reason or out.status)
        self.store.log_event("service_reprint", f"receipt {item.code} reprinted by staff", item_id=item.id)
        return str(item.code)

    def log_action(self, kind: str, message: str) -> None:
        """An event for a staff action (restart, exit, power)."""
        self.store.log_event(kind, message)

    def power(self, action: str) -> None:
        """``systemctl poweroff|reboot`` where ``service.allow_power`` grants it.
        Raises ``RuntimeError`` with systemctl's answer when it is refused."""
        if action not in ("poweroff", "reboot") or not self.cfg.service.allow_power:
            raise RuntimeError("shut down / reboot is not allowed on this kiosk (service.allow_power)")
        self.store.log_event("service_power", f"staff asked for {action}")
        proc = subprocess.run(["systemctl", action], capture_output=True, text=True, timeout=30)
        if proc.returncode != 0:
            raise RuntimeError(f"systemctl {action}: {proc.stderr.strip()[:200] or proc.returncode}")
