"""Build the voice parts from the configuration (the one place that reads it).

The session and the model holder take their parts as arguments and know nothing of the
config file; the app calls these at start-up::

    holder = model_holder(cfg)          # starts loading in the background if asr.preload
    mic = microphone(cfg)               # no hardware touched until a session opens it
    session = VoiceSession(mic, holder, cfg.asr, on_event)
"""

from __future__ import annotations

from kiosk.voice.model import ModelHolder, holder_from_config


def microphone(config, fake: bool = False):
    """The configured microphone (``fake=True``: the WAV fake when a file is configured).

    With ``fake`` and no ``microphone.wav_file`` the kind is "none": the app shows the
    "no microphone" state, which is what a kiosk without one looks like.
    """
    from drivers.microphone import make_microphone

    mic = config.microphone
    if fake:
        if mic.wav_file:
            return make_microphone("wav", path=mic.wav_file, realtime=mic.wav_realtime)
        return make_microphone("none")
    return make_microphone(mic.kind, **mic.driver_options())


def model_holder(config) -> ModelHolder:
    """The process-wide model holder; loading starts now when ``asr.preload`` is true."""
    holder = holder_from_config(config)
    if config.asr.preload:
        holder.start_loading()
    return holder
