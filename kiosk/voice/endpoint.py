"""When a recording ends by itself: trailing silence, nobody speaking, or the length limit.

Energy based, so it works the same whether or not the speech model is available (the
recording alone is a valid item). A chunk is speech when its RMS level is at or above
the threshold; speech "has started" once loud audio lasted ``MIN_SPEECH_SECONDS`` in a
row, so a single knock on the kiosk does not arm the silence timer.
"""

from __future__ import annotations

import math

MIN_SPEECH_SECONDS = 0.15


def dbfs_to_level(dbfs: float) -> float:
    """A dBFS threshold as an RMS level relative to full scale (−40 dBFS → 0.01)."""
    return 10 ** (dbfs / 20.0)


def level_to_dbfs(level: float) -> float:
    """An RMS level as dBFS (−inf for silence)."""
    return 20 * math.log10(level) if level > 0 else float("-inf")


class Endpointer:
    """Decides, chunk by chunk, whether the recording should end and why.

    Lengths are counted in frames at *rate*, so the decision is exact for any chunk
    size. A limit of 0 disables that rule (except *max_seconds*, which always holds).
    """

    def __init__(self, rate: int, trailing_silence_seconds: float, no_speech_seconds: float,
                 max_seconds: float, threshold_dbfs: float):
        self.rate = rate
        self.threshold = dbfs_to_level(threshold_dbfs)
        self.trailing_frames = round(trailing_silence_seconds * rate)
        self.no_speech_frames = round(no_speech_seconds * rate)
        self.max_frames = max(1, round(max_seconds * rate))
        self.min_speech_frames = round(MIN_SPEECH_SECONDS * rate)
        self.frames = 0
        self.speech_started = False
        self._loud_run = 0
        self._quiet_run = 0

    @property
    def remaining_frames(self) -> int:
        """Frames left before the length limit."""
        return max(0, self.max_frames - self.frames)

    def update(self, frames: int, level: float) -> str | None:
        """Account for a chunk of *frames* at RMS *level*; return "silence", "max_length" or None."""
        self.frames += frames
        if level >= self.threshold:
            self._loud_run += frames
            self._quiet_run = 0
            if self._loud_run >= self.min_speech_frames:
                self.speech_started = True
        else:
            self._loud_run = 0
            self._quiet_run += frames
        if self.frames >= self.max_frames:
            return "max_length"
        if self.speech_started:
            if self.trailing_frames and self._quiet_run >= self.trailing_frames:
                return "silence"
        elif self.no_speech_frames and self.frames >= self.no_speech_frames:
            return "silence"
        return None
