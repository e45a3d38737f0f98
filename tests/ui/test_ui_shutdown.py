"""Stopping the app stops the device threads first and waits for them.

A daemon thread still inside OpenCV (camera preview) or Vosk when the interpreter shuts
down makes the process abort with "terminate called without an active exception"; in
CI that was an exit status of 134 after every test had passed.
"""

from __future__ import annotations

import threading

from kiosk.app.offscreen.harness import Harness
from ui_doubles import TestServices, speech_wav


def _device_threads():
    names = ("kiosk-camera", "kiosk-code-reader", "voice-session")
    return [t for t in threading.enumerate() if t.name in names and t.is_alive()]


def test_ui_stop_devices_ends_preview_reader_and_recording_threads(cfg, store):
    h = Harness(cfg, store, TestServices(cfg, store, wav=speech_wav()))
    h.start()
    try:
        h.tap(h.screen("home").ids.photo)
        photo = h.screen("photo")
        h.wait(lambda: photo.feed is not None and photo.ids.preview.texture is not None, what="the preview")
        shown = photo.ids.preview.texture
        assert any(t.name == "kiosk-camera" for t in _device_threads())
        assert h.app.stop_devices() is True
        assert photo.feed is None and photo.ids.preview.texture is shown   # the screen keeps its picture
        assert not any(t.name == "kiosk-camera" for t in _device_threads())

        h.app.reset_session()
        h.tap(h.screen("home").ids.speak)
        voice = h.screen("voice")
        assert voice.recording
        assert h.app.stop_devices() is True
        assert voice.session_in_progress() is None and not voice.recording

        h.app.reset_session()
        h.tap(h.screen("home").ids.lookup)
        assert h.screen("lookup").feed is not None
        assert h.app.stop_devices() is True
        assert _device_threads() == []
    finally:
        h.stop()
