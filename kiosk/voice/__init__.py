"""Voice entry: microphone capture, offline Vosk recognition with live text, model install.

Kept import-free: ``kiosk.config.tree`` imports ``kiosk.config.voice`` and must stay light.
Start at ``kiosk.voice.session.VoiceSession`` and ``MicrophoneSettings.build()`` (docs/voice.md).
"""
