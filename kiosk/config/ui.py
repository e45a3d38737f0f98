"""The ``[ui]`` section: the touchscreen app's settings (see kiosk/config/tree.py for the rules).

A plain config record, kept outside the ``kiosk.app`` package on purpose: loading the
config (the sync daemon does too) must not import the UI or Kivy (docs/architecture.md).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from kiosk.core.languages import LANGUAGES

TOUCH_INPUTS = ("mouse", "mtdev", "hidinput")
# The fuzzy pinyin pairs ui.pinyin_fuzzy may name (docs/config.md). Named here, not in
# kiosk.ime, because config sits below the capabilities in the layer order
# (docs/architecture.md); kiosk/ime/syllables.py builds the engine's pairs from these.
PINYIN_FUZZY_PAIRS = ("z-zh", "c-ch", "s-sh", "n-l", "an-ang", "en-eng", "in-ing")


@dataclass(frozen=True)
class UISettings:
    """The touchscreen app."""

    fullscreen: bool = True
    window_width: int = 1280           # used when not fullscreen (a developer PC)
    window_height: int = 800
    default_language: str = "zh-CN"
    font_path: str = ""                # empty: the installed WenQuanYi Micro Hei
    idle_timeout_s: int = 90           # no touch for this long → "need more time?"
    idle_countdown_s: int = 20         # then this countdown, then the session is wiped
    done_return_s: int = 45            # the done screen returns home by itself after this
    touch_input: str = "mouse"         # the ONE input provider (see kiosk/app/kivyenv.py)
    touch_device: str = ""             # /dev/input/eventN for mtdev / hidinput
    show_cursor: bool = False
    screen_schedule: str = ""          # "23:00-06:00": dim the attract screen then (kiosk/app/dimmer.py)
    voice_guidance: bool = True        # play each screen's spoken prompt when it opens
    prompts_dir: str = ""              # recorded prompts <dir>/<lang>/<screen>.wav replace generated ones
    pinyin_fuzzy: list[str] = ()       # fuzzy pinyin pairs for dialect speakers, e.g. ["z-zh", "n-l"]

    def validate(self) -> None:
        if not 320 <= self.window_width <= 7680 or not 240 <= self.window_height <= 4320:
            raise ValueError("window_width: expected a window of 320x240 to 7680x4320 pixels, "
                             f"got {self.window_width}x{self.window_height}")
        if self.default_language not in LANGUAGES:
            raise ValueError(f"default_language: expected one of {', '.join(LANGUAGES)}, "
                             f"got {self.default_language!r}")
        if not 10 <= self.idle_timeout_s <= 3600:
            raise ValueError(f"idle_timeout_s: expected 10 to 3600 seconds, got {self.idle_timeout_s}")
        if not 3 <= self.idle_countdown_s <= 300:
            raise ValueError(f"idle_countdown_s: expected 3 to 300 seconds, got {self.idle_countdown_s}")
        if not 5 <= self.done_return_s <= 600:
            raise ValueError(f"done_return_s: expected 5 to 600 seconds, got {self.done_return_s}")
        if self.touch_input not in TOUCH_INPUTS:
            raise ValueError(f"touch_input: expected one of {', '.join(TOUCH_INPUTS)}, got {self.touch_input!r}")
        try:
            parse_schedule(self.screen_schedule)
        except ValueError as e:
            raise ValueError(f"screen_schedule: {e}") from None
        unknown = [p for p in self.pinyin_fuzzy if p not in PINYIN_FUZZY_PAIRS]
        if unknown:
            raise ValueError(f"pinyin_fuzzy: expected pairs among {', '.join(PINYIN_FUZZY_PAIRS)}, "
                             f"got {', '.join(map(repr, unknown))}")
        if self.touch_input != "mouse" and not self.touch_device.startswith("/dev/input/"):
            raise ValueError(f"touch_device: touch_input {self.touch_input!r} needs a device such as "
                             f"\"/dev/input/event0\", got {self.touch_device!r}")

    def resolve_paths(self, base: Path) -> "UISettings":
        out = self
        for key in ("font_path", "prompts_dir"):
            value = getattr(out, key)
            if value:
                p = Path(value).expanduser()
                out = dataclasses.replace(out, **{key: str(p if p.is_absolute() else base / p)})
        return out


def parse_schedule(text: str) -> tuple[str, str] | None:
    """``ui.screen_schedule``: "HH:MM-HH:MM" → (start, end); "" → None; else ValueError."""
    if not text:
        return None
    start, sep, end = text.partition("-")
    ok = sep and all(len(x) == 5 and x[2] == ":" and x[:2].isdigit() and x[3:].isdigit()
                     and int(x[:2]) < 24 and int(x[3:]) < 60 for x in (start, end))
    if not ok or start == end:
        raise ValueError(f"expected \"HH:MM-HH:MM\" (e.g. \"23:00-06:00\") or \"\", got {text!r}")
    return start, end
