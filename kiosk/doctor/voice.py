"""Doctor checks for voice entry: the microphone and the speech model.

Neither check opens a stream or loads the model (the app may be using the microphone,
and a model load costs seconds and hundreds of MB); they say whether voice entry will
work and, when not, what to do. Both are optional on a fresh install: no microphone on
the system's default input, or no model installed yet, is a WARN saying what is off. A
device or model the config names explicitly that is not there, or a broken model, is a
FAIL: the config promises something this machine does not have.
"""

from __future__ import annotations

import os
from pathlib import Path

from kiosk.config import ConfigError
from kiosk.doctor import FAIL, OK, SKIP, WARN, Check

DISABLED = "voice entry is disabled; residents can still type"


def microphone_check(mic) -> Check:
    """The configured microphone as one check (``mic`` is a ``MicrophoneSettings``)."""
    from drivers.microphone import MicrophoneUnavailable, WavFormatError, decode_wav

    if mic.kind == "none":
        return Check("microphone", SKIP, "microphone.kind = \"none\": " + DISABLED)
    if mic.kind == "wav":
        try:
            _, rate, channels = decode_wav(Path(mic.wav_file).read_bytes())
        except (OSError, WavFormatError) as e:
            return Check("microphone", FAIL, f"fake microphone file {mic.wav_file}: {e}; {DISABLED}")
        return Check("microphone", WARN, f"fake microphone playing {mic.wav_file} ({rate} Hz, "
                                         f"{channels} ch): no real capture device in use")
    dev = mic.build()  # kind "sounddevice": a SoundDeviceMicrophone
    try:
        info = dev.find_device()
    except MicrophoneUnavailable as e:
        named = mic.device != ""  # "" = the system's default input (docs/config.md)
        return Check("microphone", FAIL if named else WARN, f"{e}; {DISABLED}")
    detail = (f"{info['name']!r} (index {info['index']}), {info['max_input_channels']} input "
              f"channels, default {int(info.get('default_samplerate') or 0)} Hz")
    if mic.sample_rate:
        try:
            import sounddevice as sd
            sd.check_input_settings(device=info["index"], channels=1, dtype="int16",
                                    samplerate=mic.sample_rate)
            detail += f"; {mic.sample_rate} Hz mono 16-bit supported"
        except Exception:
            detail += (f"; {mic.sample_rate} Hz mono refused, the device's own rate will be used "
                       "and the recognizer told")
    return Check("microphone", OK, detail)


def model_check(cfg) -> Check:
    """The speech model the config selects, by its files (not loaded)."""
    from kiosk.voice import models as layout

    path = layout.model_path(cfg.asr, cfg.storage)
    problem = layout.model_problem(path)
    if problem:
        # Nothing installed where `kiosk models install` puts it: optional, a WARN. An
        # asr.model_dir that is missing, or any model that is incomplete, is broken.
        absent = not cfg.asr.model_dir and not os.path.lexists(path)
        return Check("speech_model", WARN if absent else FAIL,
                     f"{problem}; voice items are kept as recordings without text. Install with "
                     "`kiosk models install` (needs internet) or from a USB stick: "
                     "`kiosk models install /media/usb/vosk-model-small-cn-0.22.zip`")
    real = path.resolve()
    meta = layout.read_meta(real)
    size = layout.dir_size(real) / 2**20
    how = ("sha256 verified" if meta.get("verified") else
           "sha256 not verified" if meta else "not installed by `kiosk models install`")
    return Check("speech_model", OK, f"{real.name} at {real} ({size:.0f} MB, "
                                     f"{layout.model_sample_rate(real)} Hz features; {how})")


def checks(ctx) -> list[Check]:
    try:
        cfg = ctx.config
    except ConfigError:
        return [Check("microphone", SKIP, "config invalid"), Check("speech_model", SKIP, "config invalid")]
    out = []
    for fn, arg in ((microphone_check, cfg.microphone), (model_check, cfg)):
        try:
            out.append(fn(arg))
        except Exception as e:  # a doctor reports, never crashes
            out.append(Check("microphone" if fn is microphone_check else "speech_model", FAIL,
                             f"check crashed: {e!r}"))
    return out
