"""Configuration sections owned by kiosk.voice (see kiosk/config/tree.py for the rules)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

# What ``kiosk run --fake-hardware`` plays when no ``microphone.wav_file`` is configured.
SAMPLE_WAV = Path(__file__).resolve().parents[2] / "assets" / "sounds" / "sample-zh.wav"


@dataclass(frozen=True)
class MicrophoneSettings:
    """The capture device.

    ``kind`` picks the driver in ``drivers.microphone.KINDS``: ``sounddevice`` (a real
    device through PortAudio), ``wav`` (the fake: plays ``wav_file``) or ``none`` (no
    microphone; voice entry is disabled with a message).
    """

    kind: str = "sounddevice"
    # PortAudio device index, or a (case-insensitive, partial) name such as "USB";
    # "" = the system's default input.
    device: str | int = ""
    # Preferred capture rate; the device's own rate is used when it refuses this one
    # and the recognizer is told the true rate. 0 = the device's default rate.
    sample_rate: int = 16000
    wav_file: str = ""
    wav_realtime: bool = True

    def validate(self) -> None:
        # The driver's registry is the one list of kinds; imported here, not at module
        # import, so that loading the config imports no driver (docs/architecture.md).
        from drivers.microphone import KINDS
        if self.kind not in KINDS:
            raise ValueError(f"kind: expected one of {', '.join(KINDS)}, got {self.kind!r}")
        if isinstance(self.device, int) and self.device < 0:
            raise ValueError(f"device: expected a device index ≥ 0 or a name, got {self.device}")
        if self.sample_rate != 0 and not 8000 <= self.sample_rate <= 192000:
            raise ValueError(f"sample_rate: expected 0 (device default) or 8000 to 192000 Hz, got {self.sample_rate}")
        if self.kind == "wav" and not self.wav_file:
            raise ValueError("wav_file: expected the path of a WAV file when kind = \"wav\"")

    def resolve_paths(self, base: Path) -> "MicrophoneSettings":
        if not self.wav_file:
            return self
        p = Path(self.wav_file).expanduser()
        return dataclasses.replace(self, wav_file=str(p if p.is_absolute() else base / p))

    def driver_options(self) -> dict:
        """Keyword arguments for ``drivers.microphone.make_microphone(self.kind, ...)``."""
        if self.kind == "sounddevice":
            return {"device": self.device if self.device != "" else None,
                    "rate": self.sample_rate or None}
        if self.kind == "wav":
            return {"path": self.wav_file, "realtime": self.wav_realtime}
        return {}

    def build(self, *, fake_hardware: bool = False):
        """The microphone (``drivers.microphone``), not opened: no hardware touched.

        With *fake_hardware*, the WAV-fed fake playing ``wav_file`` (or the bundled
        Mandarin sample when none is set). The one factory: the app, the CLI and
        ``kiosk doctor`` all call it.
        """
        from drivers.microphone import make_microphone
        if fake_hardware:
            return make_microphone("wav", path=self.wav_file or str(SAMPLE_WAV),
                                   realtime=self.wav_realtime)
        return make_microphone(self.kind, **self.driver_options())


@dataclass(frozen=True)
class ASRSettings:
    """Offline speech recognition and when a recording ends."""

    # Where `kiosk models install` puts models ("" = <storage.data_dir>/models); the
    # model in use is its `current` link.
    models_dir: str = ""
    # A model directory to use instead of the installed `current` one ("" = current).
    model_dir: str = ""
    # Audio per read from the microphone; also the granularity of the level meter and
    # of the silence timer.
    chunk_seconds: float = 0.1
    # The recording ends after this much quiet following speech (0 = never on silence).
    trailing_silence_seconds: float = 2.0
    # The recording ends when nobody has spoken for this long after start (0 = never).
    no_speech_seconds: float = 10.0
    # The recording ends at this length, whatever happens.
    max_seconds: float = 120.0
    # A chunk quieter than this (RMS, dB relative to full scale) counts as silence.
    silence_threshold_dbfs: float = -40.0
    # Restrict recognition to these phrases (Vosk grammar); empty = free dictation.
    # Useful for tests and for command words; "[unk]" catches everything else.
    grammar: list[str] = ()
    # Load the model in the background when the app starts (else on first use).
    preload: bool = True

    def validate(self) -> None:
        if not 0.02 <= self.chunk_seconds <= 1.0:
            raise ValueError(f"chunk_seconds: expected 0.02 to 1.0 seconds, got {self.chunk_seconds}")
        if self.trailing_silence_seconds != 0 and not 0.3 <= self.trailing_silence_seconds <= 30:
            raise ValueError("trailing_silence_seconds: expected 0 (off) or 0.3 to 30 seconds, "
                             f"got {self.trailing_silence_seconds}")
        if self.no_speech_seconds != 0 and not 1 <= self.no_speech_seconds <= 300:
            raise ValueError(f"no_speech_seconds: expected 0 (off) or 1 to 300 seconds, got {self.no_speech_seconds}")
        if not 1 <= self.max_seconds <= 1800:
            raise ValueError(f"max_seconds: expected 1 to 1800 seconds, got {self.max_seconds}")
        if not -90 <= self.silence_threshold_dbfs <= 0:
            raise ValueError(f"silence_threshold_dbfs: expected -90 to 0 dBFS, got {self.silence_threshold_dbfs}")
        for phrase in self.grammar:
            if not phrase.strip():
                raise ValueError("grammar: expected non-empty phrases")

    def resolve_paths(self, base: Path) -> "ASRSettings":
        def absolute(value: str) -> str:
            if not value:
                return value
            p = Path(value).expanduser()
            return str(p if p.is_absolute() else base / p)
        return dataclasses.replace(self, models_dir=absolute(self.models_dir),
                                   model_dir=absolute(self.model_dir))
