"""What the accessibility audit says about a widget tree, and how it names a widget:
shared by the rules in a11y.py, a11y_words.py and a11y_layout.py (no rule here)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One broken rule."""

    widget: str
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"{self.widget}: {self.rule}: {self.detail}"


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


def widget_name(w, names) -> str:
    """How a problem names *w*: its kv id from *names*, else its class and text."""
    if id(w) in names:
        return names[id(w)]
    text = getattr(w, "text", "")
    return f"{type(w).__name__}({text[:24]!r})" if text else type(w).__name__


def visible_widgets(root):
    """Every widget under *root* (root included) not hidden by an opacity of 0 above it."""
    if getattr(root, "opacity", 1) <= 0:
        return
    yield root
    for child in root.children:
        yield from visible_widgets(child)
