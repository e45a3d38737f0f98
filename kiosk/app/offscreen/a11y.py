"""Accessibility audit of a widget tree: text size, touch-target size, contrast.

Rules (docs/design.md "Resident experience rules", at the 1280×800 reference size):
body text ≥ 32 px, titles ≥ 48 px, touch targets ≥ 96 px on both sides, and a text /
background contrast ratio ≥ 7:1 (WCAG 2 relative luminance), and no Latin word split
across two lines (kiosk/app/words.py; docs/ui.md "Words fit their button"), and no Chinese
line broken inside a word or next to punctuation that may not start or end a line
(kiosk/app/linebreak.py; docs/ui.md "Chinese line breaks"), and the layout rules of
a11y_layout.py (list rows aligned, selection shown by more than colour, meters labelled).
The words rules (no foreign word, no look-alike buttons) are in a11y_words.py. Invisible widgets
(opacity 0 anywhere above them) are skipped. Each problem names the widget: its kv id
when it has one, else its class and text.
"""

from __future__ import annotations

import re

from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.label import Label

from kiosk.app.theme import MIN_BODY, MIN_CONTRAST, MIN_SERVICE_TARGET, MIN_TARGET, MIN_TITLE
from kiosk.app.linebreak import bad_breaks
from kiosk.app.words import plain_text, split_words
from kiosk.app.offscreen.a11y_layout import layout_problems
from kiosk.app.offscreen.widgettree import Problem, visible_widgets, widget_name, widget_names

_MARKUP_SIZE = re.compile(r"\[size=(\d+(?:\.\d+)?)\]")


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
    target = min_target_for(root)
    problems = [p for w in visible_widgets(root) for p in check(w, names, target)]
    return problems + layout_problems(root, names)


def check(w, names, min_target: int = MIN_TARGET) -> list[Problem]:
    """The rules for one widget."""
    out = []
    name = widget_name(w, names)
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
