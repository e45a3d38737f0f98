"""Where the UI gets its hardware from, and where it reports what state the hardware is in.

:class:`Devices` hands out UNOPENED drivers built from the config (the fakes shipped in
drivers/ with ``fake_hardware``). It is the hardware edge of the UI: tests replace
devices by subclassing it, and everything above it (voice sessions, the receipt layer,
photo and page processing) is the real code.
"""

from __future__ import annotations

import json
import logging

from kiosk.app.services.errors import FeatureNotConfigured, FeatureUnavailable

log = logging.getLogger(__name__)


class DeviceStates:
    """Device states for the sync daemon's heartbeat (store meta ``device.<name>``)."""

    def __init__(self, store):
        self.store = store

    def publish(self, name: str, state: str, detail: str = "") -> None:
        """Record ``{"state": ok|absent|error, "detail": …}`` for device *name*."""
        try:
            self.store.set_meta(f"device.{name}", json.dumps({"state": state, "detail": detail},
                                                             ensure_ascii=False))
        except Exception:  # a heartbeat detail must never break the UI
            log.exception("could not publish device state %s", name)


class Devices:
    """Unopened drivers as configured (``fake_hardware``: the drivers' fakes)."""

    def __init__(self, cfg, *, fake_hardware: bool = False):
        self.cfg = cfg
        self.fake_hardware = fake_hardware
        self._fake_printer = None

    def microphone(self):
        """The microphone driver (the WAV-fed fake with ``fake_hardware``)."""
        try:
            return self.cfg.microphone.build(fake_hardware=self.fake_hardware)
        except ImportError as e:
            raise FeatureUnavailable("microphone", f"microphone driver not installed ({e.name})") from None

    def printer(self):
        """The byte-collecting fake printer with ``fake_hardware`` (one per app, so its
        bytes can be read back); None = the receipt layer builds the configured one."""
        if not self.fake_hardware:
            return None
        if self._fake_printer is None:
            self._fake_printer = self.cfg.printer.build(fake_hardware=True)
        return self._fake_printer

    def camera(self, role: str):
        """The photo camera (role "camera") or the document camera ("scanner")."""
        try:
            return getattr(self.cfg, role).build(fake_hardware=self.fake_hardware)
        except ImportError as e:
            raise FeatureUnavailable(role, f"camera driver not installed ({e.name})") from None

    def code_reader(self):
        """The receipt code reader; FeatureUnavailable when this kiosk has none."""
        s = self.cfg.code_reader
        if s.kind == "none" and not self.fake_hardware:  # not a fault: residents type the number
            raise FeatureUnavailable("code_reader", "no code reader configured (code_reader.kind = \"none\")")
        try:
            return s.build(fake_hardware=self.fake_hardware)
        except Exception as e:  # driver missing or misconfigured: typing the code still works
            raise FeatureUnavailable("code_reader", str(e)) from None

    def id_card_reader(self):
        """The ID-card reader (unopened; the fake reader with its sample card with
        ``fake_hardware``). FeatureNotConfigured when this kiosk has none; FeatureUnavailable
        when its driver cannot be made (pyserial missing)."""
        s = self.cfg.id_card_reader
        if s.kind == "none" and not self.fake_hardware:  # not a fault: residents type their name
            raise FeatureNotConfigured("id_card_reader", "no ID-card reader configured "
                                       "(id_card_reader.kind = \"none\")")
        try:
            return s.build(fake_hardware=self.fake_hardware)
        except Exception as e:  # driver missing or misconfigured: typing the name still works
            raise FeatureUnavailable("id_card_reader", str(e)) from None
