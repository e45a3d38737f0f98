"""Spoken guidance: each screen's prompt (kiosk/app/prompts.py) through Kivy's audio
(SoundLoader), when the screen opens (``ui.voice_guidance``) and from the speaker button.

Playback never blocks: the file is decoded by SoundLoader on a worker thread, SDL mixes
it on its own audio thread, and Kivy's clock reports the end. The next touch anywhere stops it (the touch itself goes on to its button), and
so does leaving the screen. The voice screen's prompt is played *before* the microphone
opens — :meth:`Guidance.play` calls ``then`` once the prompt is over (ended, stopped by a
touch, or not playable) — and nothing plays while a recording runs, so a prompt is never
in a resident's recording. See docs/ui.md "Spoken guidance".
"""

from __future__ import annotations

import logging
from typing import Callable

from kivy.clock import Clock
from kivy.core.window import Window

from kiosk.app import prompts
from kiosk.app.feeds.mainthread import run_in_worker
from kiosk.app.screens import SCREENS

log = logging.getLogger(__name__)
END_MARGIN_S = 1.0  # if SDL never reports the end, the clock does (length + margin)


def _load_sound(path: str):
    """Decode one prompt (worker thread: SDL_mixer's loading touches no GL and no widget)."""
    from kivy.core.audio import SoundLoader
    sound = SoundLoader.load(path)
    if sound is None:
        raise RuntimeError(f"no audio provider can play {path}")
    return sound


class Guidance:
    """Plays one prompt at a time for the app."""

    def __init__(self, app):
        self.app = app
        self.sound = None
        self.playing_screen: str | None = None   # the first prompt of what is playing
        self.playing: str | None = None          # the prompt (or clip) playing now
        self._queue: list = []                   # the prompts still to play after it
        self._then: Callable[[], None] | None = None
        self._deadline = None
        self._warned = False
        self._work = None             # kiosk.app.session.WorkToken of the prompt loading/playing

    def start(self) -> None:
        Window.bind(on_touch_down=self._touched)
        self.app.root.bind(current=self._screen_changed)
        self.app.bind(lang=self._language_changed)
        self._screen_changed(self.app.root, self.app.root.current)

    def stop(self) -> None:
        Window.unbind(on_touch_down=self._touched)
        self.app.unbind(lang=self._language_changed)
        if self.app.root is not None:
            self.app.root.unbind(current=self._screen_changed)
        self.stop_prompt()

    # -- events -----------------------------------------------------------------------

    def _touched(self, *_):
        self.stop_prompt()   # returns None: the touch is not consumed

    def _screen_changed(self, _sm, name: str) -> None:
        self.stop_prompt()
        # The voice screen is started by KioskApp.start_path (prompt, then microphone);
        # staff pages (the service menu) are not resident screens and never speak.
        if (self.app.cfg.ui.voice_guidance and name in SCREENS and name not in prompts.SILENT_SCREENS
                and name != "voice"):
            Clock.schedule_once(lambda _dt: self._auto_play(name), 0)

    def _language_changed(self, _app, _lang: str) -> None:
        # A language button was tapped: the same screen's prompt, now in that language.
        if self.app.root is not None:
            self._screen_changed(self.app.root, self.app.root.current)

    def _auto_play(self, name: str) -> None:
        if self.app.root is not None and self.app.root.current == name:
            self.play_all(self._screen_prompts(name))

    def _screen_prompts(self, name: str) -> list[str]:
        """What screen *name* says now: its ``spoken_prompts()`` (kiosk/app/screens/base.py:
        its own prompt; the done screen after a printer fault reads the code)."""
        root = self.app.root
        return list(root.get_screen(name).spoken_prompts()) if root.has_screen(name) else [name]

    # -- playing ----------------------------------------------------------------------

    def replay(self) -> bool:
        """The speaker button: what this screen says, again from the start."""
        return self.play_all(self._screen_prompts(self.app.root.current))

    def play(self, screen: str, then: Callable[[], None] | None = None) -> bool:
        """Start *screen*'s prompt in the current language; True when it is on its way.

        The file is decoded on a worker thread (hundreds of ms for a long prompt on a
        Pi: too long for the UI thread) and played on the UI thread when ready. *then*
        runs exactly once when the prompt is over — at once when there is none to play
        (no file, guidance off for an automatic start), or when loading fails."""
        return self.play_all([screen], then)

    def play_all(self, names: list[str], then: Callable[[], None] | None = None) -> bool:
        """Play the prompts *names* one after the other (:meth:`play` for each); a touch
        stops them all. When any of them is missing only the first plays: a code read
        with a digit left out would be a wrong code."""
        self.stop_prompt()
        if then is not None and not self.app.cfg.ui.voice_guidance:
            then()
            return False
        if self._recording() or not names:
            return False
        found = [prompts.find_prompt(self.app.cfg, n, self.app.lang) for n in names]
        for p in found:
            if p.problem:
                log.warning("prompt %s/%s unusable: %s", p.lang, p.screen, p.problem)
        if found[0].missing:
            if then is not None:
                then()
            return False
        if any(p.missing for p in found):
            found = found[:1]
        self.playing_screen, self._then, self._queue = names[0], then, found
        self._load_next()
        return True

    def _load_next(self) -> None:
        prompt = self._queue.pop(0)
        self.playing = prompt.screen
        # Stale once the prompt is stopped (a touch, a screen change) or the session
        # wiped: a sound decoded after that is unloaded, never played.
        self._work = self.app.session.token()
        run_in_worker(_load_sound, prompt.file, name="prompt-load", token=self._work,
                      on_done=self._loaded, on_error=lambda _e: self._loaded(None),
                      on_stale=lambda sound: sound.unload())

    def _loaded(self, sound) -> None:
        if sound is None or self._recording():
            if sound is None and not self._warned:
                self._warned = True
                log.warning("spoken prompts unavailable: no audio output can play them")
            if sound is not None:
                sound.unload()
            self.stop_prompt()
            return
        self.sound = sound
        sound.bind(on_stop=self._ended)
        sound.play()
        self._deadline = Clock.schedule_once(lambda _dt: self._ended(sound),
                                             (sound.length or 0) + END_MARGIN_S)

    def _recording(self) -> bool:
        root = self.app.root
        return root is not None and root.has_screen("voice") and root.get_screen("voice").recording

    def _ended(self, sound) -> None:
        """*sound* played to its end: the next prompt of the sequence, or the end."""
        if sound is not self.sound:
            return
        if not self._queue:
            self.stop_prompt()
            return
        self.sound = None
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        sound.unbind(on_stop=self._ended)
        sound.unload()
        self._load_next()

    def stop_prompt(self) -> None:
        """Stop the prompt now (a touch, a screen change, the app stopping); run its *then*."""
        sound, then = self.sound, self._then
        self.sound, self.playing_screen, self.playing, self._then, self._queue = None, None, None, None, []
        if self._work is not None:
            self._work.cancel()       # a load still running is dropped when it finishes
            self._work = None
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        if sound is not None:
            sound.unbind(on_stop=self._ended)
            try:
                sound.stop()
                sound.unload()
            except Exception:  # a sound that cannot stop must not break the touch
                log.exception("stopping a prompt failed")
        if then is not None:
            then()
