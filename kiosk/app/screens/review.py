"""Review a recording: editable text, replay, re-record in one tap, submit in one tap."""

from __future__ import annotations

import logging

from kiosk.app.screens.base import KioskScreen

log = logging.getLogger(__name__)


class ReviewScreen(KioskScreen):
    """After "done": the third tap (submit) stores the item with the defaults."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self._sound = None

    def on_pre_enter(self, *_):
        s = self.session
        app = self.app
        self.notice("")
        self.ids.recorded.text = app.t("review.recorded", seconds=int(round(s.audio_seconds)))
        self.ids.transcript.text = s.text or app.t("review.no_text")
        if not s.asr_available and not s.text:
            self.notice(app.t("voice.no_asr"))

    def on_leave(self, *_):
        self._stop_sound()

    def replay(self) -> None:
        """Play the recording back (through Kivy's audio; missing audio is a message)."""
        self._stop_sound()
        s = self.session
        try:
            from kivy.core.audio import SoundLoader
            path = None
            if s.audio:
                path = s.tmp_dir / "replay.wav"
                path.write_bytes(s.audio)
            sound = SoundLoader.load(str(path)) if path else None
            if sound is None:
                raise RuntimeError("no audio output")
            sound.play()
            self._sound = sound
        except Exception as e:
            log.warning("replay unavailable: %s", e)
            self.notice(self.app.t("review.replay_unavailable"))

    def _stop_sound(self) -> None:
        if self._sound is not None:
            try:
                self._sound.stop()
                self._sound.unload()
            except Exception:
                pass
            self._sound = None

    def rerecord(self) -> None:
        self._stop_sound()
        self.session.clear_audio()
        self.app.start_path("voice", keep_session=True)

    def edit(self) -> None:
        self.app.edit_text(return_to="review")

    def reset(self) -> None:
        self._stop_sound()
        self.ids.transcript.text = ""
        self.ids.recorded.text = ""
        self.notice("")
