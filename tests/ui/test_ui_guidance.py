"""Spoken guidance: a prompt text per resident screen in every catalog; `kiosk prompts build`
makes real WAVs with espeak-ng; recorded prompts win by name; playback through Kivy's real
audio path (SoundLoader, SDL's dummy output) starts with the screen, stops on the next
touch, replays from the speaker button, and ends before the microphone opens."""

from __future__ import annotations

import json
import re
import shutil
import wave
from pathlib import Path

import pytest

from kiosk import config as configmod
from kiosk.cli.main import main as kiosk_main
from kiosk.app import i18n, prompts
from kiosk.app.offscreen.harness import Harness
from kiosk.app.screens import SCREENS
from ui_doubles import TestServices

MIC_WAV = Path(__file__).resolve().parents[2] / "assets" / "sounds" / "sample-zh.wav"


def test_ui_every_resident_screen_has_a_short_prompt_in_every_catalog():
    assert set(SCREENS) < set(prompts.PROMPT_NAMES)
    for lang in i18n.LANGUAGES:
        cat = i18n.catalog(lang)
        for screen in prompts.PROMPT_NAMES:
            text = cat.get(prompts.prompt_key(screen), "").strip()
            assert text, f"{lang}: no prompt text for screen {screen!r}"
            # Short sentences, one action each (docs/ui.md "Spoken guidance").
            for sentence in filter(None, (s.strip() for s in re.split(r"[。！？.!?]", text))):
                if lang == "en":
                    assert len(sentence.split()) <= 14, f"{lang} {screen}: long sentence {sentence!r}"
                else:
                    assert len(sentence) <= 24, f"{lang} {screen}: long sentence {sentence!r}"


def write_wav(path: Path, seconds: float, rate: int = 16000) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\x10\x00\xf0\xff" * int(rate * seconds / 2))
    return path


@pytest.fixture(scope="module")
def built_zh(tmp_path_factory):
    """The zh-CN prompts, built once by `kiosk prompts build` (real espeak-ng)."""
    root = tmp_path_factory.mktemp("prompts-build")
    cfg = root / "kiosk.toml"
    cfg.write_text(f'[storage]\ndata_dir = "{root}/data"\nkey_file = "{root}/keys/pii.key"\n', encoding="utf-8")
    rc = kiosk_main(["--config", str(cfg), "prompts", "build", "--lang", "zh-CN"])
    assert rc == 0
    return root / "data" / "prompts"


def test_prompts_build_makes_a_playable_wav_per_screen(built_zh):
    for screen in SCREENS:
        path = built_zh / "zh-CN" / f"{screen}.wav"
        with wave.open(str(path), "rb") as w:
            assert w.getnchannels() == 1 and w.getframerate() == 22050  # espeak-ng's output
            seconds = w.getnframes() / w.getframerate()
        assert 1.0 < seconds < 30, f"{screen}: {seconds:.1f} s"
    for clip in prompts.CLIPS:          # the done screen's words for reading a code aloud
        assert prompts.wav_duration(built_zh / "zh-CN" / f"{clip}.wav") > 0.2, clip
    assert not list(built_zh.glob("zh-CN/.*")), "no temp files left"


def test_prompts_list_marks_missing_and_recorded_ones_win(built_zh, write_config, tmp_path, capsys):
    rec = tmp_path / "recorded"
    write_wav(rec / "zh-CN" / "home.wav", 1.5)
    (rec / "zh-CN" / "done.wav").write_bytes(b"RIFF not really")
    cfg_path = write_config(f'[ui]\nprompts_dir = "{rec}"\n')
    shutil.copytree(built_zh, tmp_path / "data" / "prompts")
    capsys.readouterr()
    rc = kiosk_main(["--config", str(cfg_path), "prompts", "list", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 1 and not out["ok"]
    rows = {(p["lang"], p["screen"]): p for p in out["prompts"]}
    assert len(rows) == 3 * len(prompts.PROMPT_NAMES)
    assert rows[("zh-CN", "home")]["source"] == "recorded" and rows[("zh-CN", "home")]["duration_s"] == 1.5
    assert rows[("zh-CN", "voice")]["source"] == "generated" and not rows[("zh-CN", "voice")]["missing"]
    assert rows[("zh-CN", "done")]["missing"] and "not a playable PCM WAV" in rows[("zh-CN", "done")]["problem"]
    assert rows[("en", "home")]["missing"] and rows[("en", "home")]["file"] is None
    assert out["missing"] == 1 + 2 * len(prompts.PROMPT_NAMES)
    assert rows[("en", "home")]["text"] == i18n.tr("prompt.home", "en")


def test_doctor_warns_about_missing_prompts_and_passes_when_all_are_there(write_config, tmp_path):
    from kiosk.app.checks import prompts_check
    cfg = configmod.load(write_config())
    check = prompts_check(cfg)
    n = 3 * len(prompts.PROMPT_NAMES)
    assert check.status == "warn" and f"{n} of {n} missing" in check.detail
    prompts.build_prompts(cfg)
    check = prompts_check(cfg)
    assert check.status == "ok", check.detail
    bad = configmod.load(write_config('[ui]\nprompts_dir = "no-such-dir"\n'))
    check = prompts_check(bad)
    assert check.status == "warn" and "no-such-dir" in check.detail


def test_prompts_build_without_espeak_names_the_package(write_config, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(prompts.PromptError, match="apt install espeak-ng"):
        prompts.build_prompts(configmod.load(write_config()), ("zh-CN",))


def speaker(h, screen: str):
    """The screen's speaker button (part of its TopBar)."""
    return h.find(h.screen(screen), lambda w: type(w).__name__ == "SpeakerButton")


@pytest.fixture
def guided(write_config, tmp_path, built_zh):
    """The app with the zh-CN prompts installed and a short recorded voice prompt."""
    from kiosk.core.store import Store

    def start(ui: str = ""):
        shutil.copytree(built_zh, tmp_path / "data" / "prompts", dirs_exist_ok=True)
        cfg = configmod.load(write_config(f'[ui]\nprompts_dir = "{tmp_path}/recorded"\n{ui}'))
        write_wav(tmp_path / "recorded" / "zh-CN" / "voice.wav", 0.6)
        store = Store.open(cfg)
        services = TestServices(cfg, store, wav=MIC_WAV)
        h = Harness(cfg, store, services)
        h.start()
        made.append((h, store))
        return h, services
    made = []
    yield start
    for h, store in made:
        h.stop()
        store.close()


def test_ui_prompt_plays_through_kivy_audio_when_the_screen_opens_and_stops_on_touch(guided):
    h, _ = guided()
    g = h.app.guidance
    h.tap(h.screen("home").ids.board)
    h.wait(lambda: g.sound is not None, what="the board prompt to play")
    sound = g.sound
    assert g.playing_screen == "board" and sound.state == "play"
    expected = prompts.wav_duration(Path(prompts.find_prompt(h.app.cfg, "board", "zh-CN").file))
    assert sound.length == pytest.approx(expected, abs=0.1)
    h.tap(h.screen("board").ids.title)          # any touch, even on a label
    assert g.sound is None and sound.state == "stop", "the next touch stops the prompt"
    h.tap(speaker(h, "board"))
    h.wait(lambda: g.sound is not None, what="the speaker button to play it again")
    assert g.sound.state == "play"
    h.tap(h.screen("board").ids.back)
    h.wait(lambda: g.playing_screen == "home", what="home's own prompt")


def test_ui_voice_prompt_ends_before_the_microphone_opens(guided):
    h, services = guided()
    g, voice = h.app.guidance, h.screen("voice")
    h.tap(h.screen("home").ids.speak)
    assert h.app.root.current == "voice" and g.playing_screen == "voice"
    h.wait(lambda: g.sound is not None or voice.recording, what="the voice prompt to play")
    assert g.sound is not None and g.sound.state == "play"
    assert not voice.recording and voice.session_in_progress() is None, "no microphone during the prompt"
    h.wait(lambda: voice.recording, timeout=10, what="recording after the 0.6 s prompt")
    assert g.sound is None, "the prompt was over when the microphone opened"
    assert not g.play("voice"), "nothing plays while recording"
    voice.cancel()


def test_ui_a_touch_during_the_voice_prompt_starts_recording_at_once(guided, tmp_path):
    h, _ = guided()
    write_wav(tmp_path / "recorded" / "zh-CN" / "voice.wav", 5.0)
    voice, g = h.screen("voice"), h.app.guidance
    h.tap(h.screen("home").ids.speak)
    h.wait(lambda: g.sound is not None, what="the 5 s voice prompt to play")
    assert not voice.recording
    h.tap(voice.ids.title)
    assert voice.recording and g.sound is None
    voice.cancel()


def test_ui_a_touch_while_the_prompt_is_still_loading_cancels_it(guided):
    h, _ = guided()
    g = h.app.guidance
    assert g.play("board")
    g.stop_prompt()                 # what a touch does, before the worker has decoded it
    h.pump(10)
    import time
    time.sleep(0.5)
    h.pump(5)
    assert g.sound is None and g.playing_screen is None, "a late load never starts playing"


def test_ui_voice_guidance_off_plays_nothing_by_itself(guided):
    h, _ = guided("voice_guidance = false\n")
    g = h.app.guidance
    h.tap(h.screen("home").ids.board)
    h.pump(5)
    assert g.sound is None
    h.tap(speaker(h, "board"))
    h.wait(lambda: g.sound is not None, what="the speaker button to play anyway")
    h.tap(h.screen("board").ids.back)
    h.tap(h.screen("home").ids.speak)
    assert h.screen("voice").recording, "the microphone opens at once"
    h.screen("voice").cancel()


def test_ui_every_resident_screen_has_a_speaker_button(harness):
    # The voice screen records from the moment its prompt ends (a replay would be in the
    # recording) and the attract screen turns every touch into "go home".
    for name in SCREENS:
        if name in ("voice", "attract"):
            continue
        found = [w for w in harness.screen(name).walk(restrict=True) if type(w).__name__ == "SpeakerButton"]
        assert len(found) == 1, f"{name}: {len(found)} speaker buttons"


def test_ui_a_language_button_plays_the_prompt_in_that_language(guided, built_zh, tmp_path):
    h, _ = guided()
    write_wav(tmp_path / "recorded" / "en" / "home.wav", 2.0)
    g = h.app.guidance
    h.tap(h.screen("home").ids.lang_en)
    h.wait(lambda: g.sound is not None, what="home's English prompt")
    assert g.playing_screen == "home" and g.sound.length == pytest.approx(2.0, abs=0.05)


def _spy(g) -> list[str]:
    """The name of every prompt the guidance starts, in order (repeated digits too)."""
    started, load_next = [], g._load_next

    def spy():
        load_next()
        started.append(g.playing)
    g._load_next = spy
    return started


def test_ui_a_printer_fault_is_spoken_with_the_code_and_the_secret_digit_by_digit(guided, tmp_path):
    """docs/ui.md "The printer-fault notice": what happened, then 查询号是 0 3 7 1 … and
    查询密码是 4 8 2 9 1 3, each clip after the other; a touch stops them all."""
    from kiosk.app.services import PrintOutcome
    from kiosk.app.services.printing import PAPER_OUT
    h, _ = guided()
    for name in prompts.CLIPS:                    # short recorded clips: the test runs fast
        write_wav(tmp_path / "recorded" / "zh-CN" / f"{name}.wav", 0.12)
    g, done = h.app.guidance, h.screen("done")
    h.app.go("done")
    h.pump(3)                                     # the screen's own prompt has started
    heard = _spy(g)
    done.show_result("0371-000045-4", PrintOutcome(False, "the printer is out of paper", PAPER_OUT), "482913")
    expected = ["done_printer_problem", "code_is", *[f"digit_{d}" for d in "03710000454"],
                "secret_is", *[f"digit_{d}" for d in "482913"]]
    assert done.spoken_prompts() == expected
    h.wait(lambda: g.playing is None, timeout=30, what="the whole notice to be spoken")
    assert heard == expected, heard
    h.tap(speaker(h, "done"))                     # again from the speaker button
    h.wait(lambda: g.sound is not None, what="the notice again")
    assert g.playing_screen == "done_printer_problem" and heard[len(expected)] == "done_printer_problem"
    h.tap(done.ids.title)
    assert g.sound is None and g.playing is None, "a touch stops the whole sequence"


def test_ui_a_missing_digit_clip_reads_no_code_at_all(guided, tmp_path):
    """A code read with a digit left out would be a wrong code: only the sentence plays."""
    h, _ = guided()
    write_wav(tmp_path / "recorded" / "zh-CN" / "done_printer_problem.wav", 0.3)
    g = h.app.guidance
    h.app.go("done")
    h.pump(3)
    (tmp_path / "data" / "prompts" / "zh-CN" / "digit_7.wav").unlink()
    heard = _spy(g)
    assert g.play_all(["done_printer_problem", "code_is", "digit_0", "digit_7"])
    h.wait(lambda: g.playing is None, timeout=10, what="the sentence alone")
    assert heard == ["done_printer_problem"]
