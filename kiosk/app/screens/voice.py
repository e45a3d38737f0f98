"""Voice: recording starts the moment "speak" is tapped; live text, level, time, "done".

The voice session (kiosk.voice, via ``services.voice.open``) runs its own worker thread
and calls back ON THAT THREAD; every event hops to the UI thread through call_in_ui
before any widget is touched, guarded by the recording's work token: events of a
cancelled recording or a wiped session are dropped.
"""

from __future__ import annotations

import logging
import time

from kivy.clock import Clock
from kivy.properties import BooleanProperty

from kiosk.app.feeds.mainthread import call_in_ui
from kiosk.app.screens.base import KioskScreen
from kiosk.app.services import FeatureUnavailable, VoiceEvent, VoiceResult

log = logging.getLogger(__name__)


SHOWN_CHARS = 72


def mmss(seconds: float) -> str:
    s = max(0, int(seconds))
    return f"{s // 60}:{s % 60:02d}"


class VoiceScreen(KioskScreen):
    """Recording in progress."""

    recording = BooleanProperty(False)

    def __init__(self, **kw):
        super().__init__(**kw)
        self._session = None
        self._segments: list[str] = []
        self._started = 0.0
        self._tick = None
        self._token = None

    # -- start / stop -----------------------------------------------------------------

    def start(self) -> bool:
        """Open the microphone and start recording now; False when it cannot."""
        self.reset()
        app = self.app
        self._token = token = self.session.token()
        try:
            self._session = app.services.voice.open(lambda ev: call_in_ui(self._on_event, ev, token=token))
        except FeatureUnavailable as e:
            log.warning("voice unavailable: %s", e)
            return False
        self.recording = True
        app.busy = True
        self._started = time.monotonic()
        state = app.services.voice.asr_state()
        if state in ("absent", "failed"):
            self.ids.status.text = app.t("voice.no_asr")
        elif state == "loading":
            self.ids.status.text = app.t("voice.loading_asr")
        self._tick = Clock.schedule_interval(self._update_clock, 0.5)
        self._update_clock()
        return True

    def done(self) -> None:
        """The resident finished: stop; the "ended" event carries the recording."""
        if self._session is not None and self.recording:
            self.ids.done.disabled = True
            self.ids.status.text = self.app.t("common.working")
            self._session.stop()

    def cancel(self) -> None:
        """Throw the recording away and go back home."""
        self._drop_session()
        self.app.reset_session()

    def session_in_progress(self):
        """The running voice session (kiosk.voice), or None."""
        return self._session

    def cancel_recording(self) -> None:
        """Abandon the recording without leaving the screen (the app is stopping)."""
        self._drop_session()

    def _drop_session(self) -> None:
        if self._token is not None:
            self._token.cancel()  # late events of this recording are dropped
            self._token = None
        if self._session is not None:
            try:
                self._session.cancel()
            except Exception:
                log.exception("voice cancel failed")
        self._session = None
        self._stop_recording_state()

    def _stop_recording_state(self) -> None:
        self.recording = False
        self.app.busy = False
        if self._tick is not None:
            self._tick.cancel()
            self._tick = None

    def reset(self) -> None:
        if self._session is not None:
            self._drop_session()
        self._segments = []
        self.ids.partial.text = ""
        self.ids.status.text = ""
        self.ids.clock.text = ""
        self.ids.meter.level = 0
        self.ids.done.disabled = False

    # -- events (already on the UI thread) -----------------------------------------------

    def _update_clock(self, *_):
        limit = self.app.cfg.asr.max_seconds
        elapsed = time.monotonic() - self._started
        self.ids.clock.text = self.app.t("voice.elapsed", elapsed=mmss(elapsed),
                                         remaining=mmss(limit - elapsed))
        if elapsed >= limit:
            self.done()

    def _on_event(self, ev: VoiceEvent) -> None:
        if ev.kind == "level":
            self.ids.meter.level = ev.level
        elif ev.kind == "partial":
            self._show_text(ev.text)                  # everything recognised so far
        elif ev.kind == "segment":
            self._segments.append(ev.text)
            self._show_text(ev.transcript or "".join(self._segments))
        elif ev.kind == "error":
            # The session goes on or ends with "ended"; say what happened meanwhile, in
            # the resident's words (the technical detail is in the log, kiosk.voice).
            key = "voice.error_recognition" if ev.fault == "recognition" else "voice.error_microphone"
            self.ids.status.text = self.app.t(key)
        elif ev.kind == "ended":
            self._ended(ev.result)

    def _show_text(self, text: str) -> None:
        # The newest words matter while speaking: show the end (about three lines).
        self.ids.partial.text = text if len(text) <= SHOWN_CHARS else "…" + text[-SHOWN_CHARS:]

    def _ended(self, result: VoiceResult) -> None:
        self._stop_recording_state()
        self._session = None
        self._token = None
        states = self.app.services.states
        if not result.has_audio:
            if result.mic_failed:
                # No microphone (or it failed before any audio): disable voice, say why.
                states.publish("microphone", "error", result.error)
                self.app.reset_session()
                self.app.screen("home").disable("voice", "voice.no_mic")
            else:
                self.ids.status.text = self.app.t("voice.too_short")
                self.ids.done.disabled = True
            return
        states.publish("microphone", "ok", "")
        s = self.session
        s.clear_audio()
        s.audio = result.wav
        s.audio_seconds = result.seconds
        s.asr_available = result.asr_available
        s.text = result.text
        s.source = "voice"
        self.app.go("review")
