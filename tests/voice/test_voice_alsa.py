"""The real audio path: PortAudio capture from an ALSA ``file`` PCM into the real Vosk model.

An ALSA ``file`` PCM with ``infile`` is a real capture device that returns the file
sample-exactly (docs/platform.md, "Audio"). ``ALSA_CONFIG_PATH`` must be set before PortAudio
initialises, so each test runs a child process with it set.
"""

import io
import json
import os
import subprocess
import sys
import wave
from pathlib import Path

import pytest

from kiosk.doctor import OK, WARN

from .conftest import GRAMMAR, RATE

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent


def alsa_env(tmp_path, raw: Path) -> dict:
    conf = tmp_path / "asound-kiosktest.conf"
    conf.write_text(f"""
# A capture device that plays a raw s16le 16 kHz mono file (alsa-lib pcm_file plugin).
pcm.kiosktest {{
    type file
    slave.pcm null
    file "/dev/null"
    infile "{raw}"
    format raw
}}
""", encoding="utf-8")
    env = dict(os.environ)
    env["ALSA_CONFIG_PATH"] = f"/usr/share/alsa/alsa.conf:{conf}"
    env["PYTHONPATH"] = str(REPO)
    return env


@pytest.fixture(scope="module")
def alsa_run(tmp_path_factory, korean_audio, ko_model_dir):
    """Run the child once: capture + live recognition through PortAudio; its report."""
    tmp = tmp_path_factory.mktemp("alsa")
    env = alsa_env(tmp, korean_audio["raw"])
    proc = subprocess.run([sys.executable, str(HERE / "alsa_child.py"), str(tmp), str(ko_model_dir),
                           json.dumps(GRAMMAR, ensure_ascii=False)],
                          env=env, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads((tmp / "report.json").read_text(encoding="utf-8"))
    return report, (tmp / "session.wav").read_bytes()


def test_portaudio_sees_the_alsa_device(alsa_run):
    report, _ = alsa_run
    assert any(d["name"] == "kiosktest" for d in report["devices"])
    assert "no capture device named 'USB Microphone'" in report["missing_name"]
    assert "kiosktest" in report["missing_name"]  # the message lists what is there
    assert report["device_name"] == "kiosktest" and report["sample_rate"] == RATE
    assert report["by_index"] == {"name": "kiosktest", "rate": RATE, "bytes": 3200}
    # No preferred rate: the device's own default (ALSA reports 44100) is opened and told.
    assert report["device_default_rate"]["name"] == "kiosktest"
    assert report["device_default_rate"]["rate"] == report["devices"][0]["default_rate"] != RATE


def test_live_text_through_real_capture(alsa_run):
    report, _ = alsa_run
    assert report["model_state"] == "ready", report["model_reason"]
    assert report["asr_available"] is True
    kinds = [e["kind"] for e in report["events"]]
    assert kinds[-1] == "ended" and "error" not in kinds
    # partial text arrives before the end, and grows to the words spoken
    first_partial = kinds.index("partial")
    assert first_partial < kinds.index("ended")
    partial_texts = [e["text"] for e in report["events"] if e["kind"] == "partial"]
    assert partial_texts[0] == "안녕하세요"
    assert "안녕하세요 감사합니다" in partial_texts
    # ... and well before the audio ended: the first partial came during the speech
    assert report["events"][first_partial]["seconds"] < report["seconds"] - 1.0
    assert report["text"] == "안녕하세요 감사합니다"
    assert report["ended_by"] == "silence"  # silence ended the session
    levels = [e["level"] for e in report["events"] if e["kind"] == "level"]
    assert len(levels) == round(report["seconds"] / 0.1)  # one per chunk, for the meter
    assert levels[0] == 0.0 and max(levels) > 0.05 and levels[-1] < 0.01


def test_saved_recording_equals_the_input(alsa_run, korean_audio):
    report, wav = alsa_run
    with wave.open(io.BytesIO(wav)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, RATE)
        audio = w.readframes(w.getnframes())
    pcm = korean_audio["pcm"]
    assert len(audio) >= korean_audio["speech_end"]  # every spoken sample is there
    assert audio == pcm[:len(audio)]  # sample-exact
    assert report["seconds"] == pytest.approx(len(audio) / 2 / RATE)
    assert not any(pcm[len(audio):])  # what was not recorded is the trailing silence only


def test_doctor_reports_the_device(tmp_path, korean_audio, write_config):
    env = alsa_env(tmp_path, korean_audio["raw"])
    cfg = write_config('[microphone]\ndevice = "kiosktest"\n')
    proc = subprocess.run([sys.executable, "-m", "kiosk", "--config", str(cfg), "--json", "doctor"],
                          env=env, capture_output=True, text=True, timeout=60)
    checks = {c["name"]: c for c in json.loads(proc.stdout)["checks"]}
    assert checks["microphone"]["status"] == OK, checks["microphone"]
    assert "'kiosktest'" in checks["microphone"]["detail"]
    assert "16000 Hz mono 16-bit supported" in checks["microphone"]["detail"]
    assert checks["speech_model"]["status"] == WARN  # nothing installed in this data dir: optional
