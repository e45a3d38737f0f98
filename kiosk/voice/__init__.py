"""Voice entry: microphone capture, offline Vosk recognition with live text, model install.

Kept import-free: ``kiosk.settings`` imports ``kiosk.voice.settings`` and must stay light.
Start at ``kiosk.voice.session.VoiceSession`` and ``MicrophoneSettings.build()`` (docs/voice.md).
"""
