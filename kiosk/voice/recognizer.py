"""One utterance through a fresh Vosk recognizer, with the Vosk pitfalls handled.

- The recognizer is told the audio's true sample rate (Vosk/Kaldi downsample
  internally); audio slower than the model's rate is upsampled here first, because
  Kaldi refuses to upsample unless the model's mfcc.conf allows it.
- ``Result()`` is taken every time ``AcceptWaveform()`` returns true: Vosk finalises a
  segment at each endpoint and the text of a segment not collected then is gone.
- Text is tidied (:mod:`kiosk.voice.text`): no spaces between Chinese words.
- Each final segment's words come with Vosk's confidence (``SetWords``: the posterior of
  the word in the lattice, 0 to 1; vosk-api's ``KaldiRecognizer::SetWords``), kept as
  :class:`Word` in :attr:`Transcriber.words` so that uncertain words can be shown as such.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterable

import numpy as np

from kiosk.voice.text import join, tidy


class Upsampler:
    """Streaming band-limited resampler from *src* Hz up to *dst* Hz (s16le mono).

    Windowed-sinc interpolation (Hann window, ``TAPS`` input samples each side, cutoff
    just below the input's Nyquist frequency), the method of Kaldi's own
    ``LinearResample``. Plain linear interpolation leaves images of the speech above
    the input's Nyquist frequency, and the Korean test model then "hears" extra words.
    Output lags input by ``TAPS`` samples until :meth:`flush`.
    """

    TAPS = 16
    CUTOFF = 0.95  # fraction of the input Nyquist frequency kept

    def __init__(self, src: int, dst: int):
        self.step = src / dst  # input samples per output sample
        self.buf = np.zeros(self.TAPS)  # silence before the start is the left context
        self.base = -self.TAPS  # absolute input index of buf[0]
        self.n = 0  # index of the next output sample
        self.end = 0  # real input samples received
        self._offs = np.arange(-self.TAPS + 1, self.TAPS + 1)

    def _kernel(self, d: np.ndarray) -> np.ndarray:
        fc = self.CUTOFF
        window = np.where(np.abs(d) < self.TAPS, 0.5 + 0.5 * np.cos(np.pi * d / self.TAPS), 0.0)
        return fc * np.sinc(fc * d) * window

    def _emit(self, max_t: float) -> bytes:
        n_max = int(np.floor(max_t / self.step + 1e-9))
        if n_max < self.n:
            return b""
        ts = np.arange(self.n, n_max + 1) * self.step
        idx = np.floor(ts).astype(np.int64)[:, None] + self._offs[None, :]
        y = (self._kernel(ts[:, None] - idx) * self.buf[idx - self.base]).sum(axis=1)
        self.n = n_max + 1
        keep_from = int(np.floor(self.n * self.step)) - self.TAPS + 1
        cut = keep_from - self.base
        if cut > 0:
            self.buf, self.base = self.buf[cut:], self.base + cut
        return np.clip(np.rint(y), -32768, 32767).astype("<i2").tobytes()

    def process(self, pcm: bytes) -> bytes:
        """Resample a chunk; returns the output samples whose inputs have all arrived."""
        x = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
        if x.size == 0:
            return b""
        self.buf = np.concatenate((self.buf, x))
        self.end += x.size
        return self._emit(self.end - 1 - self.TAPS)

    def flush(self) -> bytes:
        """The remaining output at the end of the stream."""
        if self.end == 0:
            return b""
        self.buf = np.concatenate((self.buf, np.zeros(self.TAPS)))
        return self._emit(self.end - self.step)


@dataclass(frozen=True)
class Word:
    """One recognised word: its text, Vosk's confidence (0-1) and its time in the audio (s)."""

    text: str
    conf: float
    start: float
    end: float

    def as_dict(self) -> dict:
        return {"word": self.text, "conf": round(self.conf, 3), "start": round(self.start, 2),
                "end": round(self.end, 2)}


def words_of(result: dict) -> list[Word]:
    """The words of one Vosk ``Result()`` (``[unk]`` dropped, as from the text)."""
    return [Word(w["word"], float(w.get("conf", 1.0)), float(w.get("start", 0.0)), float(w.get("end", 0.0)))
            for w in result.get("result", ()) if w.get("word") and w["word"] != "[unk]"]


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
        self._rec.SetWords(True)
        self.segments: list[str] = []
        self.words: list[Word] = []
        self.partial = ""
        self.partials = partials

    def accept(self, pcm: bytes) -> tuple[str | None, bool]:
        """Feed audio; return (a newly finalised segment or None, whether the partial changed)."""
        if self._up is not None:
            pcm = self._up.process(pcm)
        if self._rec.AcceptWaveform(pcm):
            seg = self._take(self._rec.Result())
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
        if self._up is not None:
            tail = self._up.flush()
            if tail and self._rec.AcceptWaveform(tail):
                seg = self._take(self._rec.Result())
                if seg:
                    self.segments.append(seg)
        seg = self._take(self._rec.FinalResult())
        self.partial = ""
        if seg:
            self.segments.append(seg)
            return seg
        return None

    def _take(self, raw: str) -> str:
        """The tidied text of one final result; its words join :attr:`words`."""
        result = json.loads(raw)
        self.words.extend(words_of(result))
        return tidy(result.get("text", ""))

    @property
    def text(self) -> str:
        """Everything recognised so far: final segments plus the current partial."""
        return join([*self.segments, self.partial])
