"""Accessibility audit of a widget tree: text size, touch-target size, contrast.

Rules (docs/design.md "Resident experience rules", at the 1280×800 reference size):
body text ≥ 32 px, titles ≥ 48 px, touch targets ≥ 96 px on both sides, and a text /
background contrast ratio ≥ 7:1 (WCAG 2 relative luminance), and no Latin word split
across two lines (kiosk/app/words.py; docs/ui.md "Words fit their button"), and no Chinese
line broken inside a word or next to punctuation that may not start or end a line
(kiosk/app/linebreak.py; docs/ui.md "Chinese line breaks"). Invisible widgets
(opacity 0 anywhere above them) are skipped. Each problem names the widget: its kv id
when it has one, else its class and text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.label import Label

from kiosk.app.theme import MIN_BODY, MIN_CONTRAST, MIN_SERVICE_TARGET, MIN_TARGET, MIN_TITLE
from kiosk.app.linebreak import bad_breaks
from kiosk.app.words import plain_text, split_words

_MARKUP_SIZE = re.compile(r"\[size=(\d+(?:\.\d+)?)\]")


@dataclass(frozen=True)
class Problem:
    """One broken rule."""

    widget: str
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"{self.widget}: {self.rule}: {self.detail}"


def _channel(c: float) -> float:
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def luminance(rgba) -> float:
    """WCAG relative luminance of an RGB(A) colour with 0..1 channels."""
    r, g, b = (_channel(float(x)) for x in rgba[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(fg, bg) -> float:
    """WCAG contrast ratio between two colours (1..21)."""
    a, b = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def widget_names(root) -> dict[int, str]:
    """kv ids of every widget under *root* (``id(widget) -> "owner.id"``)."""
    names: dict[int, str] = {}
    for w in root.walk(restrict=True):
        ids = getattr(w, "ids", None) or {}
        owner = getattr(w, "name", "") or type(w).__name__
        for key, ref in ids.items():
            target = getattr(ref, "__self__", ref)
            names.setdefault(id(target), f"{owner}.{key}")
    return names


def _name(w, names) -> str:
    if id(w) in names:
        return names[id(w)]
    text = getattr(w, "text", "")
    return f"{type(w).__name__}({text[:24]!r})" if text else type(w).__name__


def _background(w):
    node = w
    while node is not None:
        bg = getattr(node, "bg_color", None)
        if bg is not None and len(bg) >= 3 and (len(bg) < 4 or bg[3] > 0):
            return bg
        node = node.parent
    return None


def min_target_for(root) -> int:
    """The touch-target rule of the screen *root*: 60 px on service pages, else 96 px."""
    return MIN_SERVICE_TARGET if str(getattr(root, "name", "")).startswith("service-") else MIN_TARGET


def audit(root, names: dict[int, str] | None = None) -> list[Problem]:
    """Every rule broken by a visible widget under *root* (root included)."""
    names = {**widget_names(root), **(names or {})}
    problems: list[Problem] = []
    target = min_target_for(root)

    def visit(w):
        if getattr(w, "opacity", 1) <= 0:
            return
        problems.extend(check(w, names, target))
        for child in w.children:
            visit(child)

    visit(root)
    return problems


def check(w, names, min_target: int = MIN_TARGET) -> list[Problem]:
    """The rules for one widget."""
    out = []
    name = _name(w, names)
    if isinstance(w, Label) and w.text.strip():
        from kiosk.app.widgets.base import KButton, Title
        minimum = MIN_TITLE if isinstance(w, Title) else MIN_BODY
        # a button draws at the size its words fit (≤ font_size): judge what is drawn
        drawn = w.font_fit().size if isinstance(w, KButton) else w.font_size
        if drawn < minimum:
            out.append(Problem(name, "text size", f"{drawn:.0f} px < {minimum} px"))
        for size in _MARKUP_SIZE.findall(w.text if w.markup else ""):
            if float(size) < minimum:
                out.append(Problem(name, "text size", f"markup size {size} px < {minimum} px"))
        fg = w.disabled_color if w.disabled else w.color
        bg = _background(w)
        if bg is None:
            out.append(Problem(name, "contrast", "no known background colour"))
        else:
            ratio = contrast(fg, bg)
            if ratio < MIN_CONTRAST:
                out.append(Problem(name, "contrast", f"{ratio:.1f}:1 < {MIN_CONTRAST:.0f}:1"))
        for cut in drawn_split_words(w):
            out.append(Problem(name, "split word", f"{cut!r}: a Latin word is split across lines"))
        for bad in drawn_bad_breaks(w):
            out.append(Problem(name, f"chinese line break: {bad.kind}", f"{bad.where!r}"))
    if isinstance(w, ButtonBehavior):
        if w.width < min_target - 0.01 or w.height < min_target - 0.01:
            out.append(Problem(name, "touch target", f"{w.width:.0f}×{w.height:.0f} px < "
                                                     f"{min_target}×{min_target} px"))
    return out


def drawn_split_words(label) -> list[str]:
    """The words *label* drew split across two lines, as ``"left / right"``.

    Reads the lines of the label's last render (the core label's ``_cached_lines``, Kivy's
    own layout with its ``line_wrap`` flags), so it judges what is on screen.
    """
    # every line break counts, Kivy's wraps and the app's own (kiosk/app/linebreak.py): a
    # break at a newline or space of the text is no cut (split_words locates each line)
    lines = [(text, True) for text, _ in drawn_lines(label)]
    return split_words(lines, plain_text(label.text, label.markup))


def drawn_lines(label) -> list[tuple[str, bool]]:
    """The lines of *label*'s last render, each with Kivy's ``line_wrap`` flag (the core
    label's ``_cached_lines``: Kivy's own layout, after the app's line breaks)."""
    return [("".join(word.text for word in line.words), bool(line.line_wrap))
            for line in label._label._cached_lines]


def drawn_bad_breaks(label):
    """The Chinese line breaks *label* drew that split a word or put punctuation at a
    forbidden end of a line (kiosk/app/linebreak.py ``bad_breaks``), judged against the
    label's own ``text``: a newline there is the author's."""
    return bad_breaks([t for t, _ in drawn_lines(label)], plain_text(label.text, label.markup))


# -- words of the screen's language ---------------------------------------------------

LATIN_ALLOWED = frozenset({"U", "QR", "MB", "KB", "GB", "English"})
"""Latin words a Chinese screen may show: U盘, QR (code), sizes, and the language button
that names English in English. Numbers, codes, times and paths hold no such word."""


def visible_widgets(root):
    """Every widget under *root* (root included) not hidden by an opacity of 0 above it."""
    if getattr(root, "opacity", 1) <= 0:
        return
    yield root
    for child in root.children:
        yield from visible_widgets(child)


def foreign_words(root, names: dict[int, str] | None = None,
                  allowed: frozenset[str] = LATIN_ALLOWED) -> list[Problem]:
    """Latin words on a Chinese screen that are not in *allowed*: a string that did not come
    from the screen's catalog (an English sentence from a lower layer, a machine format).
    A word is a run with a Latin letter (kiosk/app/words.py); digits, codes, times and
    paths are not; labels marked ``verbatim`` (log lines, the config file) are skipped."""
    from kiosk.app.words import latin_words
    names = {**widget_names(root), **(names or {})}
    out = []
    for w in visible_widgets(root):
        if not isinstance(w, Label) or getattr(w, "verbatim", False) or not w.text.strip():
            continue
        text = plain_text(w.text, w.markup)
        for word in latin_words(text):
            core = word.strip(".,;:!?()[]{}\"'·-–—")
            if "/" in core or core in allowed or not any(c.isalpha() for c in core):
                continue
            out.append(Problem(_name(w, names), "foreign word", f"{word!r} in {text[:60]!r}"))
    return out


def _one_edit_apart(a: str, b: str) -> bool:
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) == 1
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def look_alike_buttons(root, names: dict[int, str] | None = None) -> list[Problem]:
    """Pairs of visible buttons on one screen whose words differ by one character (再听一遍
    and 听一遍): a resident cannot tell them apart. Keys of one character (digits, letters)
    are not words."""
    names = {**widget_names(root), **(names or {})}
    buttons = [(w, plain_text(w.text, w.markup).strip()) for w in visible_widgets(root)
               if isinstance(w, ButtonBehavior) and isinstance(w, Label)]
    buttons = [(w, t) for w, t in buttons if len(t) >= 2]
    out = []
    for i, (a, ta) in enumerate(buttons):
        for b, tb in buttons[i + 1:]:
            if _one_edit_apart(ta, tb):
                out.append(Problem(f"{_name(a, names)} / {_name(b, names)}", "look-alike buttons",
                                   f"{ta!r} and {tb!r} differ by one character"))
    return out
