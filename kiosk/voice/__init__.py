"""Voice entry: microphone capture, offline Vosk recognition with live text, model install.

Kept import-free: ``kiosk.settings`` imports ``kiosk.voice.settings`` and must stay light.
Start at ``kiosk.voice.session.VoiceSession`` and ``kiosk.voice.wiring`` (docs/voice.md).
"""
