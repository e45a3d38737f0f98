"""Recording and recognition for the voice screen (kiosk.voice), with typed events."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable

from kiosk.app.services.errors import FeatureUnavailable


@dataclass(frozen=True)
class VoiceResult:
    """A finished recording as the UI uses it."""

    wav: bytes                 # a complete WAV file ("" of samples when the mic never opened)
    seconds: float
    text: str                  # the transcript, stripped ("" without ASR)
    asr_available: bool
    has_audio: bool            # more than a header: something was recorded
    mic_failed: bool           # ended because the microphone is absent or failed
    error: str = ""            # the microphone problem when mic_failed


@dataclass(frozen=True)
class VoiceEvent:
    """A voice-session event as the UI sees it."""

    kind: str                  # partial / segment / level / ended / error
    text: str = ""             # partial: all recognised so far; segment: the new segment
    transcript: str = ""       # segment: all recognised so far
    level: float = 0.0
    detail: str = ""           # error: what went wrong, for the log
    fault: str = ""            # error: "microphone" or "recognition" (kiosk.voice.session.VoiceFault)
    result: VoiceResult | None = None   # on "ended"


def result_from_session(r) -> VoiceResult:
    """The UI's :class:`VoiceResult` from a kiosk.voice.session.VoiceResult."""
    from kiosk.voice.session import EndReason
    return VoiceResult(wav=bytes(r.wav), seconds=float(r.seconds), text=r.text.strip(),
                       asr_available=bool(r.asr_available), has_audio=bool(r.has_audio),
                       mic_failed=r.ended_by is EndReason.ERROR, error=r.error)


def event_from_session(ev) -> VoiceEvent:
    """The UI's :class:`VoiceEvent` from a kiosk.voice.session.VoiceEvent."""
    return VoiceEvent(kind=ev.kind.value, text=ev.text, transcript=ev.transcript, level=float(ev.level),
                      detail=ev.error, fault=ev.fault.value if ev.fault else "",
                      result=result_from_session(ev.result) if ev.result is not None else None)


class VoiceService:
    """The process-wide ASR model and recording sessions on the configured microphone."""

    def __init__(self, cfg, devices, *, model=None):
        """*model*: a model holder made elsewhere (a test model); default: the configured one."""
        self.cfg = cfg
        self.devices = devices
        self._model = model
        self._lock = threading.Lock()

    def model(self):
        """The ASR model holder (kiosk.voice.model), or raise FeatureUnavailable."""
        with self._lock:
            if self._model is None:
                try:
                    from kiosk.voice.model import holder_from_config
                except ImportError as e:
                    raise FeatureUnavailable("asr", f"voice module not installed ({e.name})") from None
                self._model = holder_from_config(self.cfg)
            return self._model

    def start_loading(self) -> None:
        """Start loading the ASR model in the background (non-blocking)."""
        try:
            self.model().start_loading()
        except FeatureUnavailable:
            pass

    def asr_state(self) -> str:
        """absent / loading / ready / failed."""
        try:
            return self.model().state.value
        except FeatureUnavailable:
            return "absent"

    def open(self, on_event: Callable[[VoiceEvent], None]):
        """Start a recording session at once; *on_event* is called ON THE WORKER THREAD.

        The microphone is opened by the session's worker: a missing microphone arrives as
        an "error" event followed by an "ended" event whose result has ``mic_failed``. An
        absent ASR model is not an error: the session records anyway.
        """
        try:
            from kiosk.voice.session import VoiceSession
        except ImportError as e:
            raise FeatureUnavailable("microphone", f"voice module not installed ({e.name})") from None
        session = VoiceSession(self.devices.microphone(), self.model(), self.cfg.asr,
                               lambda ev: on_event(event_from_session(ev)))
        session.start()
        return session
