"""Spoken prompts: one short WAV per resident screen and language, plus the clips the done
screen reads a code with (:data:`CLIPS`; no Kivy here).

The words are in the string catalogs (``prompt.<screen>``, assets/i18n/*.json). ``kiosk
prompts build`` turns them into WAV files offline with espeak-ng under
``<storage.data_dir>/prompts/<lang>/<screen>.wav``. A district replaces any of them with a
recorded human voice by dropping ``<ui.prompts_dir>/<lang>/<screen>.wav`` (same names);
a recorded prompt always wins over a generated one. See docs/ui.md "Spoken guidance".
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

from kiosk.app import i18n
from kiosk.app.screens import SCREENS
from kiosk.core.records import STAGES

# espeak-ng voices (espeak-ng --voices): Mandarin reads both character sets.
VOICES = {"zh-CN": "cmn", "zh-TW": "cmn", "en": "en"}
WORDS_PER_MINUTE = 140   # espeak-ng's default is 175: slower for elderly listeners
ESPEAK_TIMEOUT_S = 60
# Screens that never speak by themselves (docs/ui.md "Spoken guidance"): the attract
# screen is shown to nobody in particular, and repeating itself all night helps no one.
SILENT_SCREENS = ("attract",)
DIGITS = tuple(f"digit_{d}" for d in range(10))
#: The answer screen says the loop's current stage with one of these (words: ``stage.<stage>``).
STAGE_CLIPS = tuple(f"stage_{s}" for s in STAGES)
# Prompts that are no screen's own: what the done screen says when the receipt did not
# (or may not) print, and the words it reads the code and the secret with, digit by digit;
# what the answer screen says of the loop (its stage, a new round, an overdue matter).
CLIPS = ("done_printer_problem", "done_unconfirmed", "code_is", "secret_is", *DIGITS,
         "stage_now", *STAGE_CLIPS, "answer_reopened", "answer_overdue")
PROMPT_NAMES = SCREENS + CLIPS


class PromptError(Exception):
    """A prompt cannot be built or read; ``str()`` says which and why."""


@dataclass(frozen=True)
class Prompt:
    """One screen's prompt in one language, as found on disk."""

    screen: str
    lang: str
    text: str
    file: str | None          # the file that would play, None when missing
    source: str | None        # "recorded" (ui.prompts_dir) / "generated" / None
    duration_s: float | None
    problem: str | None = None  # a file that exists but cannot be played

    @property
    def missing(self) -> bool:
        return self.file is None or self.problem is not None


def prompt_key(screen: str) -> str:
    """The catalog key of the prompt *screen* (a screen's name or one of :data:`CLIPS`);
    a stage clip says the stage's own words, as the answer screen's timeline shows them."""
    if screen in STAGE_CLIPS:
        return "stage." + screen[len("stage_"):]
    return f"prompt.{screen}"


def digit_clips(text: str) -> list[str]:
    """The clips that read the digits of *text* one by one (a tracking code, a secret);
    what is not a digit (a dash, a space) is not read."""
    return [f"digit_{c}" for c in text if c.isascii() and c.isdigit()]


def prompt_text(screen: str, lang: str) -> str:
    """The catalog text of *screen*'s prompt in *lang*."""
    return i18n.tr(prompt_key(screen), lang)


def generated_dir(cfg) -> Path:
    return Path(cfg.storage.data_dir) / "prompts"


def wav_duration(path: Path) -> float:
    """Length of a PCM WAV file in seconds; PromptError when it is not one."""
    try:
        with wave.open(str(path), "rb") as w:
            frames, rate = w.getnframes(), w.getframerate()
    except (wave.Error, EOFError, OSError) as e:
        raise PromptError(f"{path}: not a playable PCM WAV file ({e})") from None
    if frames <= 0 or rate <= 0:
        raise PromptError(f"{path}: the WAV file holds no sound")
    return frames / rate


def find_prompt(cfg, screen: str, lang: str) -> Prompt:
    """The prompt that plays on *screen* in *lang*: recorded, else generated, else missing."""
    text = prompt_text(screen, lang)
    candidates = []
    if cfg.ui.prompts_dir:
        candidates.append(("recorded", Path(cfg.ui.prompts_dir) / lang / f"{screen}.wav"))
    candidates.append(("generated", generated_dir(cfg) / lang / f"{screen}.wav"))
    for source, path in candidates:
        if path.is_file():
            try:
                return Prompt(screen, lang, text, str(path), source, round(wav_duration(path), 2))
            except PromptError as e:
                return Prompt(screen, lang, text, str(path), source, None, str(e))
    return Prompt(screen, lang, text, None, None, None)


def list_prompts(cfg, langs=i18n.LANGUAGES) -> list[Prompt]:
    """Every resident screen's prompt and every clip (:data:`CLIPS`) in every language."""
    return [find_prompt(cfg, s, lang) for lang in langs for s in PROMPT_NAMES]


def espeak_binary() -> str:
    """Path of espeak-ng; PromptError naming the package when it is not installed."""
    found = shutil.which("espeak-ng")
    if not found:
        raise PromptError("espeak-ng not found: install it with `apt install espeak-ng`")
    return found


def build_one(text: str, lang: str, out: Path, binary: str) -> float:
    """Synthesise *text* into *out* (atomically); returns its duration."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.stem}-", suffix=".wav", dir=out.parent)
    os.close(fd)
    try:
        res = subprocess.run([binary, "-v", VOICES[lang], "-s", str(WORDS_PER_MINUTE), "-w", tmp, text],
                             capture_output=True, text=True, timeout=ESPEAK_TIMEOUT_S)
        if res.returncode != 0:
            raise PromptError(f"espeak-ng failed for {out.name} ({lang}): {res.stderr.strip()[:200]}")
        duration = wav_duration(Path(tmp))
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, out)
        return duration
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def build_prompts(cfg, langs=i18n.LANGUAGES, out_dir: Path | None = None) -> list[Prompt]:
    """Generate every screen's prompt and every clip for *langs* into *out_dir* (default:
    the generated prompts directory). Recorded prompts are never touched. Raises PromptError."""
    binary = espeak_binary()
    root = Path(out_dir) if out_dir else generated_dir(cfg)
    built = []
    for lang in langs:
        for screen in PROMPT_NAMES:
            path = root / lang / f"{screen}.wav"
            text = prompt_text(screen, lang)
            built.append(Prompt(screen, lang, text, str(path), "generated",
                                round(build_one(text, lang, path, binary), 2)))
    return built
