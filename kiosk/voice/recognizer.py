"""One utterance through a fresh Vosk recognizer, with the Vosk pitfalls handled.

- The recognizer is told the audio's true sample rate (Vosk/Kaldi downsample
  internally); audio slower than the model's rate is upsampled here first, because
  Kaldi refuses to upsample unless the model's mfcc.conf allows it.
- ``Result()`` is taken every time ``AcceptWaveform()`` returns true: Vosk finalises a
  segment at each endpoint and the text of a segment not collected then is gone.
- Text is tidied (:mod:`kiosk.voice.text`): no spaces between Chinese words.
"""

from __future__ import annotations

import json
from typing import Any, Iterable

import numpy as np

from kiosk.voice.text import join, tidy


class Upsampler:
    """Streaming linear-interpolation resampler from *src* Hz up to *dst* Hz (s16le mono)."""

    def __init__(self, src: int, dst: int):
        self.step = src / dst
        self.pos = 0.0  # next output position, in input samples, relative to self.prev
        self.prev: float | None = None

    def process(self, pcm: bytes) -> bytes:
        x = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
        if x.size == 0:
            return b""
        if self.prev is not None:
            x = np.concatenate(([self.prev], x))
        idx = np.arange(self.pos, x.size - 1 + 1e-9, self.step)
        y = np.interp(idx, np.arange(x.size), x)
        self.pos = (idx[-1] + self.step if idx.size else self.pos) - (x.size - 1)
        self.prev = float(x[-1])
        return np.clip(np.rint(y), -32768, 32767).astype("<i2").tobytes()


class Transcriber:
    """Feeds s16le mono audio at *rate* to a new ``KaldiRecognizer`` for *model*.

    *grammar* restricts recognition to those phrases (free dictation when empty);
    *model_rate* is the rate the model's features expect; *partials* False skips
    ``PartialResult()`` (file transcription needs no live text).
    """

    def __init__(self, model: Any, rate: int, grammar: Iterable[str] = (), model_rate: int = 16000,
                 partials: bool = True):
        import vosk

        self.rate = rate
        self._up = Upsampler(rate, model_rate) if rate < model_rate else None
        feed_rate = float(model_rate if self._up else rate)
        phrases = list(grammar)
        if phrases:
            self._rec = vosk.KaldiRecognizer(model, feed_rate, json.dumps(phrases, ensure_ascii=False))
        else:
            self._rec = vosk.KaldiRecognizer(model, feed_rate)
        self.segments: list[str] = []
        self.partial = ""
        self.partials = partials

    def accept(self, pcm: bytes) -> tuple[str | None, bool]:
        """Feed audio; return (a newly finalised segment or None, whether the partial changed)."""
        if self._up is not None:
            pcm = self._up.process(pcm)
        if self._rec.AcceptWaveform(pcm):
            seg = tidy(json.loads(self._rec.Result()).get("text", ""))
            changed = bool(self.partial)
            self.partial = ""
            if seg:
                self.segments.append(seg)
                return seg, changed
            return None, changed
        if not self.partials:
            return None, False
        partial = tidy(json.loads(self._rec.PartialResult()).get("partial", ""))
        if partial != self.partial:
            self.partial = partial
            return None, True
        return None, False

    def finish(self) -> str | None:
        """Flush the recognizer at the end of the audio; return the last segment, if any."""
        seg = tidy(json.loads(self._rec.FinalResult()).get("text", ""))
        self.partial = ""
        if seg:
            self.segments.append(seg)
            return seg
        return None

    @property
    def text(self) -> str:
        """Everything recognised so far: final segments plus the current partial."""
        return join([*self.segments, self.partial])
