"""The band-limited upsampler used when a microphone is slower than the model's rate."""

import numpy as np
import pytest

from kiosk.voice.recognizer import Upsampler


def sine(rate, seconds=1.0, hz=1000.0, amp=10000.0):
    t = np.arange(round(rate * seconds)) / rate
    return (np.sin(2 * np.pi * hz * t) * amp).astype("<i2").tobytes()


@pytest.mark.parametrize("src, chunk", [(8000, 800), (11025, 999), (8000, 1), (12000, 4096)])
def test_sine_is_reproduced_at_16k_in_any_chunking(src, chunk):
    pcm = sine(src)
    up = Upsampler(src, 16000)
    out = b"".join(up.process(pcm[i:i + 2 * chunk]) for i in range(0, len(pcm), 2 * chunk)) + up.flush()
    y = np.frombuffer(out, "<i2").astype(float)
    assert len(y) == pytest.approx(16000, abs=2)
    ref = np.sin(2 * np.pi * 1000 * np.arange(len(y)) / 16000) * 10000
    # away from the edges, within ~1 LSB of the ideal signal (linear interpolation is ~100 off)
    assert np.abs(y[64:-64] - ref[64:-64]).max() < 3


def test_streaming_equals_one_shot():
    pcm = sine(8000, hz=333.0)
    a = Upsampler(8000, 16000)
    whole = a.process(pcm) + a.flush()
    b = Upsampler(8000, 16000)
    parts = b"".join(b.process(pcm[i:i + 202]) for i in range(0, len(pcm), 202)) + b.flush()
    assert whole == parts


def test_no_images_above_the_input_nyquist():
    """A 3.5 kHz tone at 8 kHz must not leave a 4.5 kHz image at 16 kHz."""
    up = Upsampler(8000, 16000)
    y = np.frombuffer(up.process(sine(8000, hz=3500.0)) + up.flush(), "<i2").astype(float)
    spec = np.abs(np.fft.rfft(y * np.hanning(len(y))))
    freqs = np.fft.rfftfreq(len(y), 1 / 16000)
    tone = spec[np.argmin(np.abs(freqs - 3500))]
    image = spec[np.argmin(np.abs(freqs - 4500))]
    assert image < tone / 10


def test_empty():
    up = Upsampler(8000, 16000)
    assert up.process(b"") == b"" and up.flush() == b""
