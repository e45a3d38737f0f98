"""Audit rules for how a screen is laid out (docs/ui.md "Layout rules the audit checks"):

- **list row alignment**: rows of one kind in one list start their text at the same x
  (a representative without a photo once pushed his words to the left edge);
- **selection by colour only**: a chosen option differs from an unchosen one of its kind by
  a drawn shape (a border, a check mark), not only by its colours, and a chosen option
  never wears the main action's colour (yellow once meant both);
- **unlabelled meter**: a level or progress bar has a label beside it on its own row (the
  microphone's level bar, bare under a sentence, read as a time bar).

Each rule reads the widgets as laid out and drawn (positions in window coordinates, the
canvas instructions), as a11y.py does for sizes and contrast.
"""

from __future__ import annotations

from kivy.graphics import Color, Ellipse, Line, Rectangle, RoundedRectangle
from kivy.uix.label import Label
from kivy.uix.progressbar import ProgressBar

from kiosk.app.offscreen.widgettree import Problem, visible_widgets, widget_name

ALIGN_TOLERANCE_PX = 4
# Kivy's own layout classes hold any children (a keyboard row, a button bar): only rows
# of a class the app defines are list rows.
_PLAIN_LAYOUTS = frozenset({"BoxLayout", "GridLayout", "AnchorLayout", "FloatLayout", "RelativeLayout",
                            "StackLayout", "ScrollView", "Widget", "PageLayout", "ScatterLayout"})


def layout_problems(root, names: dict[int, str]) -> list[Problem]:
    """Every layout rule broken under *root*."""
    return misaligned_rows(root, names) + colour_only_selection(root, names) + unlabelled_meters(root, names)


# -- list rows ------------------------------------------------------------------------

def _window_x(w) -> float:
    return w.to_window(*w.pos)[0]


def text_indent(row) -> float | None:
    """How far right of *row*'s left edge its first visible text starts (px), None when
    the row shows no text."""
    xs = [_window_x(w) for w in visible_widgets(row) if w is not row and isinstance(w, Label) and w.text.strip()]
    return min(xs) - _window_x(row) if xs else None


def misaligned_rows(root, names: dict[int, str]) -> list[Problem]:
    """Lists whose rows of one class start their text at different x positions."""
    out = []
    for parent in visible_widgets(root):
        groups: dict[type, list] = {}
        for row in parent.children:
            if (row.opacity > 0 and row.children and not isinstance(row, Label)
                    and type(row).__name__ not in _PLAIN_LAYOUTS):
                groups.setdefault(type(row), []).append(row)
        for cls, rows in groups.items():
            indents = sorted({round(i) for i in map(text_indent, rows) if i is not None})
            if len(indents) > 1 and indents[-1] - indents[0] > ALIGN_TOLERANCE_PX:
                out.append(Problem(widget_name(parent, names), "list row alignment",
                                   f"rows of {cls.__name__} start their text at "
                                   + " / ".join(f"{x} px" for x in indents)))
    return out


# -- selection ------------------------------------------------------------------------

_SHAPES = (Line, Rectangle, RoundedRectangle, Ellipse)


def drawn_shapes(w) -> list[tuple]:
    """The shapes *w*'s canvases draw, colour left out: ``(kind, line width)`` of each
    shape drawn with a visible colour (a shape after an alpha-0 Color is not drawn)."""
    shapes, alpha = [], 1.0
    for canvas in (w.canvas.before, w.canvas, w.canvas.after):
        for instr in canvas.children:
            if isinstance(instr, Color):
                alpha = instr.a
            elif isinstance(instr, _SHAPES) and alpha > 0:
                if isinstance(instr, Line):
                    if len(instr.points) >= 4:
                        shapes.append(("Line", round(instr.width)))
                elif instr.size[0] > 0 and instr.size[1] > 0:
                    shapes.append((type(instr).__name__, 0))
    return sorted(shapes)


def _selectable(w) -> bool:
    return isinstance(getattr(w, "selected", None), bool)


def _same_colour(a, b) -> bool:
    return a is not None and b is not None and all(abs(x - y) < 0.01 for x, y in zip(a[:3], b[:3]))


def colour_only_selection(root, names: dict[int, str]) -> list[Problem]:
    """Chosen options that look like unchosen ones of their kind but for colour, and chosen
    options in the colour of the screen's main action (a ``role`` 'primary' button)."""
    shown = list(visible_widgets(root))
    out = []
    for w in shown:
        if not (_selectable(w) and w.selected):
            continue
        others = [o for o in (w.parent.children if w.parent else ())
                  if type(o) is type(w) and o is not w and o.opacity > 0 and _selectable(o) and not o.selected]
        if others and drawn_shapes(w) == drawn_shapes(others[0]):
            out.append(Problem(widget_name(w, names), "selection by colour only",
                               f"chosen {w.text!r} draws the same shapes as {others[0].text!r}"
                               if hasattr(w, "text") else "the chosen option draws the same shapes"))
        primary = next((p for p in shown if getattr(p, "role", None) == "primary" and not getattr(p, "selected", False)
                        and _same_colour(getattr(p, "bg_color", None), getattr(w, "bg_color", None))), None)
        if primary is not None:
            out.append(Problem(widget_name(w, names), "selection looks like the main action",
                               f"chosen and {widget_name(primary, names)} share the colour "
                               f"{tuple(round(c, 2) for c in w.bg_color[:3])}"))
    return out


# -- meters ---------------------------------------------------------------------------

def _is_meter(w) -> bool:
    from kiosk.app.widgets.base import LevelMeter
    return isinstance(w, (LevelMeter, ProgressBar))


def _beside(label, meter) -> bool:
    """*label* sits on *meter*'s row: they overlap vertically by at least half the
    meter's height and not horizontally."""
    (lx, ly), (mx, my) = label.to_window(*label.pos), meter.to_window(*meter.pos)
    overlap = min(ly + label.height, my + meter.height) - max(ly, my)
    apart = lx + label.width <= mx + 1 or mx + meter.width <= lx + 1
    return overlap >= meter.height / 2 and apart


def unlabelled_meters(root, names: dict[int, str]) -> list[Problem]:
    """Meters (LevelMeter, Kivy's ProgressBar) with no visible label beside them in their
    own layout: a bar under a sentence is read as a time bar."""
    out = []
    for meter in visible_widgets(root):
        if not _is_meter(meter) or meter.parent is None:
            continue
        labels = [w for w in meter.parent.children if w is not meter and w.opacity > 0
                  and isinstance(w, Label) and w.text.strip()]
        if not any(_beside(label, meter) for label in labels):
            out.append(Problem(widget_name(meter, names), "unlabelled meter",
                               "no label beside it on its row says what it measures"))
    return out
