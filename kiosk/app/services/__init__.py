"""The UI's seam to everything outside it: one small service object per capability.

Screens never import the core (store, submission, lookup), kiosk.voice, kiosk.receipt,
kiosk.media, kiosk.ime or drivers/ directly: they ask ``app.services.<capability>``:

=====================  ===============================================================
``voice``              :class:`~kiosk.app.services.voice.VoiceService`: ASR model, recording
``capture``            :class:`~kiosk.app.services.capture.CaptureService`: cameras, photos, letter pages
``printing``           :class:`~kiosk.app.services.printing.PrintingService`: receipts
``lookup``             :class:`~kiosk.app.services.lookup.LookupService`: code reader, answers, ratings
``submission``         :class:`~kiosk.app.services.submission.SubmissionService`: categories, identity, commit
``input``              :class:`~kiosk.app.services.text_input.InputService`: the pinyin engine
``disclosure``         :class:`~kiosk.app.services.disclosure.DisclosureService`: the public board, whom to address
``id_card``            :class:`~kiosk.app.services.idcard.IdCardService`: the ID-card reader (刷身份证)
``states``             :class:`~kiosk.app.services.devices.DeviceStates`: device states for the heartbeat
=====================  ===============================================================

Results are typed (dataclasses such as VoiceEvent, VoiceResult, ScannedPage, CardIdentity and the
receipt layer's PrintOutcome); failures are exception subclasses (errors.py). Drivers
come from one :class:`~kiosk.app.services.devices.Devices` object, the UI's hardware
edge: tests hand :class:`Services` their own ``devices`` with fakes, everything above
it runs for real. Imports of heavy or optional modules are lazy, so a missing
capability or device disables one feature with a message instead of stopping the app.

Nothing here touches widgets. Blocking methods are called from worker threads.
"""

from __future__ import annotations

from kiosk.app.services.capture import CaptureService, ScannedPage
from kiosk.app.services.devices import DeviceStates, Devices
from kiosk.app.services.disclosure import DisclosureService
from kiosk.app.services.errors import (LOOKUP_OUTCOMES, RATING_OUTCOMES, CodeError, DiskFullError,
                                      ExpectedFailure, FeatureNotConfigured, FeatureUnavailable, ImageUnusable,
                                      MediaRefusedError, NotARepresentativeCode, NotFound, OutOfServiceError, RatingRefused,
                                      StoreError, SubmissionError, TooManyFailures, WrongSecret)
from kiosk.app.services.idcard import CardIdentity, CardNotRead, CardProblem, IdCardService
from kiosk.app.services.lookup import LookupService
from kiosk.app.services.printing import PrintingService, PrintOutcome
from kiosk.app.services.submission import SubmissionService
from kiosk.app.services.text_input import InputService
from kiosk.app.services.voice import VoiceEvent, VoiceResult, VoiceService

__all__ = ["Services", "Devices", "DeviceStates", "VoiceService", "CaptureService", "PrintingService",
           "LookupService", "SubmissionService", "InputService", "DisclosureService", "VoiceEvent", "VoiceResult",
           "ScannedPage", "PrintOutcome", "FeatureUnavailable", "FeatureNotConfigured", "IdCardService",
           "CardIdentity", "CardNotRead", "CardProblem", "ImageUnusable", "SubmissionError",
           "StoreError", "DiskFullError", "MediaRefusedError", "OutOfServiceError", "CodeError", "NotFound",
           "NotARepresentativeCode",
           "WrongSecret",
           "TooManyFailures", "RatingRefused", "ExpectedFailure", "LOOKUP_OUTCOMES", "RATING_OUTCOMES"]


class Services:
    """The capabilities of one app, built on *devices* (default: as configured, or the
    drivers' fakes with ``fake_hardware``)."""

    def __init__(self, cfg, store, *, fake_hardware: bool = False, devices: Devices | None = None):
        self.cfg = cfg
        self.store = store
        self.devices = devices if devices is not None else Devices(cfg, fake_hardware=fake_hardware)
        self.states = DeviceStates(store)
        self.voice = VoiceService(cfg, self.devices)
        self.capture = CaptureService(cfg, self.devices, self.states)
        self.printing = PrintingService(cfg, store, self.devices)
        self.lookup = LookupService(cfg, store, self.devices)
        self.submission = SubmissionService(cfg, store)
        self.input = InputService(fuzzy=cfg.ui.pinyin_fuzzy)
        self.disclosure = DisclosureService(store)
        self.id_card = IdCardService(self.devices)
