"""The microphone driver: WAV fake, WAV decoding, registry, and the real PortAudio path with no device."""

import io
import struct
import subprocess
import time
import wave

import numpy as np
import pytest

from drivers import microphone as micmod
from drivers.microphone import (KINDS, Microphone, MicrophoneUnavailable, NoMicrophone,
                                SoundDeviceMicrophone, WavFormatError, WavMicrophone, choose_rate,
                                decode_wav, encode_wav, make_microphone, rms_level)

from .conftest import silence, tone


def test_registry_and_protocol():
    assert set(KINDS) == {"sounddevice", "wav", "none"}
    for kind, opts in (("sounddevice", {"device": "USB", "rate": 48000}), ("wav", {"path": "x.wav"}),
                       ("none", {})):
        m = make_microphone(kind, **opts)  # constructors touch no hardware and no files
        assert isinstance(m, Microphone)
    with pytest.raises(ValueError, match="unknown microphone kind 'usb'.*none, sounddevice, wav"):
        make_microphone("usb")


def test_encode_wav_is_a_standard_file():
    pcm = tone(0.25, 22050)
    data = encode_wav(pcm, 22050)
    with wave.open(io.BytesIO(data)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 22050)
        assert w.readframes(w.getnframes()) == pcm
    assert decode_wav(data) == (pcm, 22050, 1)


def test_wav_microphone_reads_exact_chunks_then_less_then_nothing(tmp_path):
    pcm = tone(0.35, 16000)
    p = tmp_path / "a.wav"
    p.write_bytes(encode_wav(pcm, 16000))
    m = WavMicrophone(p, realtime=False)
    m.open()
    assert m.sample_rate == 16000
    got = [m.read(1600) for _ in range(5)]
    assert [len(g) for g in got] == [3200, 3200, 3200, 1600, 0]
    assert b"".join(got) == pcm
    m.close()


def test_wav_microphone_level(tmp_path):
    p = tmp_path / "a.wav"
    p.write_bytes(encode_wav(tone(0.1, 16000, amplitude=0.5) + silence(0.1), 16000))
    m = WavMicrophone(p)
    m.open()
    m.read(1600)
    assert m.level == pytest.approx(0.5 / np.sqrt(2), rel=0.01)  # RMS of a sine
    m.read(1600)
    assert m.level == 0.0


def test_wav_microphone_realtime_is_paced(tmp_path):
    p = tmp_path / "a.wav"
    p.write_bytes(encode_wav(silence(0.5), 16000))
    m = WavMicrophone(p, realtime=True)
    m.open()
    t0 = time.monotonic()
    while m.read(800):
        pass
    assert time.monotonic() - t0 >= 0.45  # it played for (about) its own length


def test_wav_microphone_bad_file_is_unavailable(tmp_path):
    with pytest.raises(MicrophoneUnavailable, match="cannot read"):
        WavMicrophone(tmp_path / "missing.wav").open()
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"hello, not audio")
    with pytest.raises(MicrophoneUnavailable, match="not a WAV file"):
        WavMicrophone(bad).open()


def test_no_microphone_refuses_with_a_reason():
    with pytest.raises(MicrophoneUnavailable, match="disabled in the configuration"):
        NoMicrophone().open()


@pytest.mark.parametrize("sox_args, rate, channels", [
    (["-r", "44100", "-c", "2", "-b", "16"], 44100, 2),
    (["-r", "48000", "-c", "1", "-b", "24"], 48000, 1),
    (["-r", "8000", "-c", "1", "-b", "8", "-e", "unsigned-integer"], 8000, 1),
    (["-r", "16000", "-c", "2", "-b", "32", "-e", "floating-point"], 16000, 2),
    (["-r", "22050", "-c", "1", "-b", "32", "-e", "signed-integer"], 22050, 1),
])
def test_decode_common_wavs_made_by_sox(tmp_path, sox_args, rate, channels):
    src = tmp_path / "src.wav"
    src.write_bytes(encode_wav(tone(0.5, 16000, amplitude=0.4), 16000))
    out = tmp_path / "out.wav"
    subprocess.run(["sox", "-D", str(src), *sox_args, str(out)], check=True)
    pcm, got_rate, got_channels = decode_wav(out.read_bytes())
    assert (got_rate, got_channels) == (rate, channels)
    assert len(pcm) // 2 == pytest.approx(0.5 * rate, abs=2)
    # Same signal level whatever the encoding (both channels carry the tone).
    assert rms_level(pcm) == pytest.approx(0.4 / np.sqrt(2), rel=0.03)


def test_decode_rejects_unsupported_and_broken():
    with pytest.raises(WavFormatError, match="no RIFF/WAVE header"):
        decode_wav(b"ID3\x03" + b"\x00" * 40)
    fmt = struct.pack("<HHIIHH", 2, 1, 8000, 4000, 1, 4)  # ADPCM
    data = b"RIFF" + struct.pack("<I", 36) + b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt + b"data\0\0\0\0"
    with pytest.raises(WavFormatError, match="unsupported WAV encoding"):
        decode_wav(data)
    with pytest.raises(WavFormatError, match="no 'data' chunk"):
        decode_wav(data[:-8])


def test_choose_rate():
    assert choose_rate(16000, 48000, lambda r: True) == 16000
    assert choose_rate(16000, 48000, lambda r: r == 48000) == 48000  # USB mic refusing 16 kHz
    assert choose_rate(None, 44100, lambda r: r in (44100, 16000)) == 44100
    assert choose_rate(16000, 0, lambda r: r == 32000) == 32000
    with pytest.raises(MicrophoneUnavailable, match="accepts none of the sample rates 16000"):
        choose_rate(16000, 0, lambda r: False)


def test_real_portaudio_with_no_device_is_a_clear_state():
    """This machine has no sound card: PortAudio lists no input, open() says so."""
    try:
        devices = micmod.list_input_devices()
    except MicrophoneUnavailable as e:
        pytest.skip(f"PortAudio unavailable: {e}")
    if devices:
        pytest.skip(f"this machine has capture devices: {devices}")
    m = SoundDeviceMicrophone(device=None, rate=16000)
    with pytest.raises(MicrophoneUnavailable, match="no capture device"):
        m.open()
    m.close()  # safe after a failed open
    with pytest.raises(MicrophoneUnavailable):
        m.read(160)


def test_problem_says_why_without_opening(tmp_path):
    good = tmp_path / "a.wav"
    good.write_bytes(encode_wav(silence(0.1), 16000))
    assert micmod.problem(WavMicrophone(good)) is None
    assert "cannot read" in micmod.problem(WavMicrophone(tmp_path / "missing.wav"))
    assert "disabled" in micmod.problem(NoMicrophone())
    try:
        devices = micmod.list_input_devices()
    except MicrophoneUnavailable:
        devices = None
    if devices == []:  # this machine: PortAudio present, no sound card
        assert "no capture device" in micmod.problem(SoundDeviceMicrophone(None, 16000))
