"""Audit rules for the words on a screen (docs/ui.md "Words from the catalogs"): a Chinese
screen shows no Latin word outside a short allowlist, and no two buttons of one screen
differ by one character. Kept apart from the size and contrast rules (a11y.py) because
they need the screen's language and the catalogs' exceptions.
"""

from __future__ import annotations

import re

from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.label import Label

from kiosk.app.offscreen.widgettree import Problem, visible_widgets, widget_name, widget_names
from kiosk.app.words import latin_words, plain_text

LATIN_ALLOWED = frozenset({"U", "QR", "MB", "KB", "GB", "ABC", "English"})
"""Latin words a Chinese screen may show: U盘, QR (code), sizes, the pinyin keyboard's
ABC key, and the language button that names English in English. Numbers, codes, times
and paths hold no such word."""

_COMMAND = re.compile(r"\bkiosk(?:\s+[a-z][a-z-]*)+")
"""A command staff type as it is (``kiosk service set-pin``): a code, not a word."""
_PLACEHOLDER = re.compile(r"\{\w+\}")
_EDGE = ".,;:!?()[]{}\"'·-–—"


def foreign_in_text(text: str, allowed: frozenset[str] = LATIN_ALLOWED) -> list[str]:
    """The Latin words of *text* (kiosk/app/words.py ``latin_words``) that are not in
    *allowed*: a run with a Latin letter that is no path (``/``), no number or code, no
    catalog placeholder and no ``kiosk …`` command."""
    text = _COMMAND.sub(" ", _PLACEHOLDER.sub(" ", text))
    out = []
    for word in latin_words(text):
        core = word.strip(_EDGE)
        if "/" in core or core in allowed or not any(c.isalpha() for c in core):
            continue
        out.append(word)
    return out


def foreign_words(root, names: dict[int, str] | None = None,
                  allowed: frozenset[str] = LATIN_ALLOWED) -> list[Problem]:
    """Latin words on a Chinese screen that are not in *allowed*: a string that did not
    come from the screen's catalog (an English sentence from a lower layer, a machine
    format). Labels marked ``verbatim`` (log lines, the config file, a lower layer's
    error text) are skipped: they show data as it came."""
    names = {**widget_names(root), **(names or {})}
    out = []
    for w in visible_widgets(root):
        if not isinstance(w, Label) or getattr(w, "verbatim", False) or not w.text.strip():
            continue
        text = plain_text(w.text, w.markup)
        out += [Problem(widget_name(w, names), "foreign word", f"{word!r} in {text[:60]!r}")
                for word in foreign_in_text(text, allowed)]
    return out


def one_edit_apart(a: str, b: str) -> bool:
    """*a* and *b* differ by exactly one character changed, added or dropped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) == 1
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def look_alike_buttons(root, names: dict[int, str] | None = None,
                       exempt: frozenset[frozenset[str]] = frozenset()) -> list[Problem]:
    """Pairs of visible buttons on one screen whose words differ by one character (再听一遍
    and 听一遍): a resident cannot tell them apart. Keys of one character (digits,
    letters) are not words; *exempt* holds pairs of texts allowed anyway (an official
    scale whose words the kiosk does not choose)."""
    names = {**widget_names(root), **(names or {})}
    buttons = [(w, plain_text(w.text, w.markup).strip()) for w in visible_widgets(root)
               if isinstance(w, ButtonBehavior) and isinstance(w, Label)]
    buttons = [(w, t) for w, t in buttons if len(t) >= 2]
    out = []
    for i, (a, ta) in enumerate(buttons):
        for b, tb in buttons[i + 1:]:
            if one_edit_apart(ta, tb) and frozenset({ta, tb}) not in exempt:
                out.append(Problem(f"{widget_name(a, names)} / {widget_name(b, names)}", "look-alike buttons",
                                   f"{ta!r} and {tb!r} differ by one character"))
    return out
