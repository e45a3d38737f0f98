"""VoiceSession with the WAV-fed microphone: endpointing, max length, stop, cancel, no model,
no device, a failing device, and the real Korean Vosk model for live text."""

import io
import threading
import time
import wave

import pytest

from drivers.microphone import (MicrophoneUnavailable, SoundDeviceMicrophone, WavMicrophone, encode_wav,
                                rms_level)
from kiosk.voice.model import ModelHolder, ModelState
from kiosk.voice.session import EndReason, EventKind, VoiceFault, VoiceSession
from kiosk.config.voice import ASRSettings

from .conftest import GRAMMAR, RATE, silence, tone


def wav_file(tmp_path, pcm, rate=RATE, name="in.wav"):
    p = tmp_path / name
    p.write_bytes(encode_wav(pcm, rate))
    return p


def absent_holder(tmp_path):
    return ModelHolder(tmp_path / "no-model-here")


def run(mic, holder, collect, timeout=60, **settings):
    s = VoiceSession(mic, holder, ASRSettings(**settings), collect)
    s.start()
    result = s.wait(timeout)
    assert result is not None, "session did not end"
    assert collect[-1].kind is EventKind.ENDED and collect[-1].result is result
    assert collect.kinds().count("ended") == 1
    return s, result


def pcm_of(result):
    with wave.open(io.BytesIO(result.wav)) as w:
        assert (w.getnchannels(), w.getsampwidth()) == (1, 2)
        return w.readframes(w.getnframes()), w.getframerate()


def test_silence_ends_and_recording_is_kept_without_model(tmp_path, collect):
    pcm = silence(0.3) + tone(1.0) + silence(5.0)
    s, r = run(WavMicrophone(wav_file(tmp_path, pcm)), absent_holder(tmp_path), collect,
               trailing_silence_seconds=1.0, chunk_seconds=0.1)
    assert r.ended_by is EndReason.SILENCE and r.ended_by == "silence"
    assert r.asr_available is False and "no speech model installed" in r.asr_reason
    assert r.text == ""
    audio, rate = pcm_of(r)
    assert rate == RATE
    # 0.3 s + 1.0 s of tone + exactly 1.0 s of trailing silence, sample-exact prefix of the input
    assert len(audio) == round(2.3 * RATE) * 2
    assert audio == pcm[:len(audio)]
    assert r.seconds == pytest.approx(2.3)
    levels = collect.of("level")
    assert len(levels) == 23 and max(e.level for e in levels) > 0.2 and levels[-1].level == 0.0
    assert s.state == "ended"


def test_max_length_is_exact(tmp_path, collect):
    pcm = tone(5.0)
    _, r = run(WavMicrophone(wav_file(tmp_path, pcm)), absent_holder(tmp_path), collect,
               max_seconds=1.25, chunk_seconds=0.1)
    assert r.ended_by is EndReason.MAX_LENGTH
    audio, _ = pcm_of(r)
    assert audio == pcm[:round(1.25 * RATE) * 2]


def test_nobody_speaks(tmp_path, collect):
    _, r = run(WavMicrophone(wav_file(tmp_path, silence(5.0))), absent_holder(tmp_path), collect,
               no_speech_seconds=1.0)
    assert r.ended_by is EndReason.SILENCE and r.seconds == pytest.approx(1.0)


def test_stop_ends_with_stopped_and_keeps_audio(tmp_path, collect):
    mic = WavMicrophone(wav_file(tmp_path, tone(10.0)), realtime=True)
    s = VoiceSession(mic, absent_holder(tmp_path), ASRSettings(), collect)
    s.start()
    time.sleep(0.4)
    assert s.state == "recording"
    s.stop()
    r = s.wait(5)
    assert r.ended_by is EndReason.STOPPED
    assert 0.2 < r.seconds < 3.0 and r.has_audio  # about the 0.4 s before "done" (loose: busy CI)


def test_cancel_is_quick(tmp_path, collect):
    mic = WavMicrophone(wav_file(tmp_path, tone(30.0)), realtime=True)
    s = VoiceSession(mic, absent_holder(tmp_path), ASRSettings(), collect)
    s.start()
    time.sleep(0.3)
    t0 = time.monotonic()
    s.cancel()
    r = s.wait(5)
    assert r is not None and r.ended_by is EndReason.CANCELLED
    assert time.monotonic() - t0 < 2.0  # one chunk (0.1 s) plus thread hand-off; loose for busy CI
    assert collect.kinds()[-1] == "ended"


def test_end_of_a_finite_source_is_stopped(tmp_path, collect):
    pcm = tone(0.5)
    _, r = run(WavMicrophone(wav_file(tmp_path, pcm)), absent_holder(tmp_path), collect,
               trailing_silence_seconds=0, no_speech_seconds=0)
    assert r.ended_by is EndReason.STOPPED and pcm_of(r)[0] == pcm


def test_device_absent_gives_a_clear_error_not_a_crash(tmp_path, collect):
    class Unplugged(WavMicrophone):  # the hardware edge: a device that is not there
        def open(self):
            raise MicrophoneUnavailable("no capture device: no microphone is connected")

    _, r = run(Unplugged(None), absent_holder(tmp_path), collect)
    assert r.ended_by is EndReason.ERROR and "no capture device" in r.error
    assert collect.kinds() == ["error", "ended"]
    assert collect.of("error")[0].fault is VoiceFault.MICROPHONE, "the screen says it without the text"
    assert r.seconds == 0 and not r.has_audio and r.asr_available is False
    assert pcm_of(r)[0] == b""


def test_real_portaudio_without_device(tmp_path, collect):
    """On this machine (no sound card) the real driver fails to open: same clear state."""
    _, r = run(SoundDeviceMicrophone(None, 16000), absent_holder(tmp_path), collect)
    assert r.ended_by is EndReason.ERROR
    assert "no capture device" in r.error or "PortAudio" in r.error


def test_device_failing_mid_recording_keeps_what_was_recorded(tmp_path, collect):
    class Unplugging(WavMicrophone):
        reads = 0

        def read(self, frames):
            self.reads += 1
            if self.reads > 5:
                raise MicrophoneUnavailable("capture device 'USB' failed: device unplugged")
            return super().read(frames)

    pcm = tone(3.0)
    _, r = run(Unplugging(wav_file(tmp_path, pcm)), absent_holder(tmp_path), collect, chunk_seconds=0.1)
    assert r.ended_by is EndReason.ERROR and "unplugged" in r.error
    assert pcm_of(r)[0] == pcm[:5 * 1600 * 2]
    assert [e.fault for e in collect.of("error")] == [VoiceFault.MICROPHONE]


def test_a_crashing_event_handler_does_not_lose_the_recording(tmp_path):
    seen = []

    def handler(event):
        seen.append(event.kind)
        raise RuntimeError("UI bug")

    s = VoiceSession(WavMicrophone(wav_file(tmp_path, tone(0.5))), absent_holder(tmp_path),
                     ASRSettings(), handler)
    s.start()
    r = s.wait(10)
    assert r.ended_by is EndReason.STOPPED and r.seconds == pytest.approx(0.5)
    assert seen[-1] is EventKind.ENDED


def test_failed_model_records_anyway(tmp_path, collect, ko_model_dir):
    def broken(path):
        raise Exception("Failed to create a model")

    holder = ModelHolder(ko_model_dir, loader=broken)
    assert holder.load(10) is ModelState.FAILED and "Failed to create a model" in holder.reason
    _, r = run(WavMicrophone(wav_file(tmp_path, tone(0.5))), holder, collect)
    assert r.asr_available is False and "could not load" in r.asr_reason and r.has_audio


def test_start_twice_is_refused(tmp_path, collect):
    s = VoiceSession(WavMicrophone(wav_file(tmp_path, tone(0.2))), absent_holder(tmp_path),
                     ASRSettings(), collect)
    s.start()
    with pytest.raises(RuntimeError):
        s.start()
    s.wait(5)


# --------------------------------------------------------------------------- real Vosk


def test_live_text_with_the_real_model(korean_audio, ko_holder, collect):
    mic = WavMicrophone(korean_audio["wav"], realtime=False)
    _, r = run(mic, ko_holder, collect, grammar=GRAMMAR, trailing_silence_seconds=1.0)
    assert r.asr_available and r.ended_by is EndReason.SILENCE
    assert r.text == "안녕하세요 감사합니다"
    kinds = collect.kinds()
    partials = collect.of("partial")
    assert partials and kinds.index("partial") < kinds.index("ended")
    texts = [e.text for e in partials]
    assert "안녕하세요" in texts and texts[-1].startswith("안녕하세요")
    # partial text grows: each is a prefix-extension or a new word, never shrinks to nothing
    assert all(t for t in texts)
    segs = collect.of("segment")
    assert " ".join(e.text for e in segs) == r.text == " ".join(r.segments)
    # the recording is the input up to the end point, sample-exact, including all speech
    audio, rate = pcm_of(r)
    assert rate == RATE and audio == korean_audio["pcm"][:len(audio)]
    assert len(audio) >= korean_audio["speech_end"]
    assert rms_level(korean_audio["pcm"][len(audio):]) < 0.01  # only silence was left out


def test_model_still_loading_when_recording_starts(korean_audio, ko_holder, collect):
    """Chunks wait for the model and are recognised once it is ready (no audio lost)."""
    gate = threading.Event()

    def slow_loader(path):
        gate.wait(10)
        return ko_holder.model  # the already-loaded real model: no second 550 MB copy

    holder = ModelHolder(ko_holder.model_dir, loader=slow_loader)
    s = VoiceSession(WavMicrophone(korean_audio["wav"]), holder,
                     ASRSettings(grammar=GRAMMAR, trailing_silence_seconds=1.0), collect)
    s.start()
    assert holder.state is ModelState.LOADING
    time.sleep(0.3)  # capture is far ahead of the model
    assert not collect.of("partial")
    gate.set()
    r = s.wait(30)
    assert r.asr_available and r.text == "안녕하세요 감사합니다"


def test_recording_commits_as_an_audio_attachment(korean_audio, ko_holder, collect, store, cfg):
    from kiosk.core.submission import submit

    _, r = run(WavMicrophone(korean_audio["wav"]), ko_holder, collect, grammar=GRAMMAR,
               trailing_silence_seconds=1.0)
    item = submit(store, cfg, text=r.text, category=None, anonymous=True, name=None, phone=None,
                  attachments=[r.attachment()], source="voice", lang="zh-CN").item
    (att,) = item.attachments
    assert (att.kind, att.media_type) == ("audio", "audio/wav")
    assert att.size == len(r.wav)


def test_microphone_and_model_from_config(write_config, tmp_path, korean_audio):
    from drivers.microphone import NoMicrophone, SoundDeviceMicrophone
    from kiosk import config as configmod
    from kiosk.voice.model import holder_from_config
    from kiosk.config.voice import SAMPLE_WAV

    cfg = configmod.load(write_config('[asr]\npreload = true\n'))
    assert isinstance(cfg.microphone.build(), SoundDeviceMicrophone)
    fake = cfg.microphone.build(fake_hardware=True)   # no wav_file: the bundled sample
    assert isinstance(fake, WavMicrophone) and str(fake.path) == str(SAMPLE_WAV) and SAMPLE_WAV.is_file()
    holder = holder_from_config(cfg)
    assert holder is holder_from_config(cfg)  # one per process
    holder.start_loading()
    assert holder.wait(5) is ModelState.ABSENT and "kiosk models install" in holder.reason
    cfg2 = configmod.load(write_config(f'[microphone]\nkind = "wav"\nwav_file = "{korean_audio["wav"]}"\n'
                                       'wav_realtime = false\n', name="b.toml"))
    mic = cfg2.microphone.build()
    assert isinstance(mic, WavMicrophone) and mic.realtime is False
    assert str(cfg2.microphone.build(fake_hardware=True).path) == str(korean_audio["wav"])
    none = configmod.load(write_config('[microphone]\nkind = "none"\n', name="c.toml"))
    assert isinstance(none.microphone.build(), NoMicrophone)
