"""Basic widgets: labels, buttons, panels and the level meter.

Every widget that paints its own background has ``bg_color``; the accessibility test
walks up the tree to the nearest ``bg_color`` to measure text contrast.
"""

from __future__ import annotations

from dataclasses import dataclass

from kivy.core.text import Label as CoreLabel
from kivy.core.text.markup import MarkupLabel as CoreMarkupLabel
from kivy.utils import get_hex_from_color
from kivy.properties import BooleanProperty, ColorProperty, NumericProperty, OptionProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from kiosk.app import theme
from kiosk.app import linebreak
from kiosk.app.words import is_wide, markup_runs, markup_with_breaks, plain_text

# The font options that change a word's width (kivy.core.text.LabelBase options).
_SHAPING = ("font_name", "bold", "italic", "font_family", "font_context", "font_features",
            "font_hinting", "font_kerning", "font_direction", "font_script_name",
            "base_direction", "text_language")


class FreshTextLabel(Label):
    """A Label that renders changed text into a texture the last frame did not draw.

    Kivy re-uses a label's texture when the new text has the same pixel size and refills it
    while the next frame is being drawn (``kivy.core.text.LabelBase.refresh`` →
    ``Texture.ask_update``). On Mesa llvmpipe (software GL) that in-place update made one
    frame cost 30–45 ms instead of 12 ms, and 50–200 ms while speech recognition shared the
    two cores: the elapsed-time clock and the live partial text change every second, so
    every change stalled the UI (tests/bench/bench_ui.py). On a GPU both ways are cheap.

    So each label keeps two textures and alternates: the new text goes into the one shown
    *before* the current one. A brand-new texture per change (the first fix) avoided the
    stall too, but the process grew by about 0.5 MB per change under llvmpipe and never
    gave it back — 150 MB per 300 changes of one label, the app's main leak in
    tests/bench/bench_soak.py (compare kivy/kivy#5660, native memory of the SDL2 text
    path that Python never sees). Two alternating textures allocate only when the text's
    pixel size changes.
    """

    verbatim = BooleanProperty(False)
    """The label shows data as it came (log lines, the config file, a server's reason), not
    the app's words: the test that every word on a screen comes from the catalogs skips it."""

    _spare_texture = None
    _layout_key = None
    _layout = ""

    def texture_update(self, *largs):
        shown = self._label.texture
        # The spare was drawn two changes ago, not by the last frame: refilling it does not
        # wait for the rasteriser. None (first change, or a size change) makes a new one.
        self._label.texture = self._spare_texture
        text = self.laid_out_text()
        if self.markup:
            self._texture_update_markup(text)
        else:
            self._label.text = text
            super().texture_update(*largs)
        now = self._label.texture
        if now is not shown:
            # Kivy's shared 1-pixel texture (empty text) is never ours to refill.
            self._spare_texture = None if shown is self._label.texture_1px else shown

    def _texture_update_markup(self, text: str) -> None:
        """Kivy's ``Label.texture_update`` for markup (kivy/uix/label.py, Kivy 2.3.1), drawing
        *text* (the laid-out text) instead of ``self.text``: that method reads ``self.text``."""
        if self._label.__class__ is not CoreMarkupLabel:
            self._create_label()
        self.texture = None
        if not text or (self.halign == "justify" or self.strip) and not text.strip():
            self.texture_size = (0, 0)
            self.is_shortened = False
            self.refs, self._label._refs = {}, {}
            self.anchors, self._label._anchors = {}, {}
            return
        if self.halign == "justify" or self.strip:
            text = text.strip()
        color = get_hex_from_color(self.disabled_color if self.disabled else self.color)
        self._label.text = f"[color={color}]{text}[/color]"
        self._label.refresh()
        if self._label.texture:
            self._label.texture.bind()   # render now: the references need it (as Kivy does)
        self.refs, self.anchors = self._label.refs, self._label.anchors
        if self._label.texture is not None:
            self.texture = self._label.texture
            self.texture_size = list(self.texture.size)
        self.is_shortened = self._label.is_shortened

    def text_width(self, text_size=None) -> float | None:
        """The width lines wrap at (Kivy: ``text_size`` minus the horizontal padding),
        None when the label does not wrap."""
        tw = (self.text_size if text_size is None else text_size)[0]
        return None if tw is None else tw - self.padding[0] - self.padding[2]

    def laid_out_text(self) -> str:
        """``text`` with the line breaks a Chinese reader expects (kiosk/app/linebreak.py):
        between words, never before closing or after opening punctuation, at the font size
        drawn. Text without a CJK character, a label that does not wrap and a shortened one
        are left to Kivy, which wraps at spaces. Computed once per change of text, width
        or font."""
        width = self.text_width()
        if width is None or self.shorten or not any(is_wide(c) for c in self.text):
            return self.text
        key = (self.text, self.markup, width, self.bold,
               tuple(self._label.options.get(k) for k in ("font_size",) + _SHAPING))
        if key != self._layout_key:
            self._layout_key, self._layout = key, self._break_lines(width)
        return self._layout

    def _break_lines(self, width: float) -> str:
        size = self._label.options.get("font_size", self.font_size)
        if not self.markup:
            measure_run = self._measurer()
            text = self.text
            breaks = linebreak.break_text(text, width, lambda i, j: measure_run(text[i:j], size, self.bold))
            return linebreak.apply_breaks(text, breaks)
        runs, pos = [], 0          # (start, end, size, bold) of each markup run, plain offsets
        for run_text, run_size, bold in markup_runs(self.text):
            runs.append((pos, pos + len(run_text), run_size or size, self.bold or bold))
            pos += len(run_text)
        plain = plain_text(self.text, True)
        measure_run = self._measurer()

        def measure(i: int, j: int) -> float:
            return sum(measure_run(plain[max(i, a):min(j, b)], sz, bd)
                       for a, b, sz, bd in runs if a < j and b > i)
        return markup_with_breaks(self.text, linebreak.break_text(plain, width, measure))

    def _measurer(self):
        """``measure(text, size, bold)``: the width in px of *text* in this label's font
        (get_extents sizes the text with the font, SDL2_ttf TTF_SizeUTF8: no texture; one
        core label per size and weight)."""
        shaping = {k: self._label.options[k] for k in _SHAPING if k in self._label.options}
        labels: dict = {}

        def measure(text: str, size: float, bold: bool) -> float:
            if not text:
                return 0.0
            core = labels.get((size, bold))
            if core is None:
                core = labels[(size, bold)] = CoreLabel(**{**shaping, "bold": bold}, font_size=size)
            return core.get_extents(text)[0]
        return measure


class KLabel(FreshTextLabel):
    """Body text: wraps to its width, ≥ 32 px."""


class Title(KLabel):
    """A screen title: ≥ 48 px."""


class Notice(KLabel):
    """A message to the resident (a feature is unavailable, a check failed)."""


@dataclass(frozen=True)
class FontFit:
    """The size a button's text is drawn at, and whether every word fits at it."""

    size: float
    fits: bool


def fitting_font_size(wanted: float, floor: float, width: float, widest) -> tuple[float, bool]:
    """The largest font size ≤ *wanted* (whole pixels) at which ``widest(size)`` — the
    width of the widest word at that size — is ≤ *width*, and whether one ≥ *floor* exists.

    Widths grow about linearly with the size, so the first guess is the proportional size
    and a few one-pixel steps correct for hinting: two or three measurements, not a scan.
    When no size from *floor* up fits, returns ``(floor, False)``: the word will be split
    and the accessibility audit reports it (never shrunk below the readable minimum).
    """
    need = widest(wanted)
    if need <= width:
        return wanted, True
    size = max(floor, min(wanted - 1, int(wanted * width / need)))
    need = widest(size)
    while need > width and size > floor:
        size -= 1
        need = widest(size)
    while size + 1 < wanted and widest(size + 1) <= width:  # the guess undershot
        size += 1
    return size, need <= width


class KButton(ButtonBehavior, FreshTextLabel):
    """A big flat button with a solid background of guaranteed contrast.

    ``role`` picks the colours: primary (yellow, the screen's main action), secondary
    (pale), danger (pale with red text). ``selected`` shows a choice as chosen: sky blue
    with a navy border and, with ``check_mark``, a check in the corner (kiosk/app/kv/widgets.kv)
    — more than a colour, and never the main action's yellow.

    Words are never split across lines (docs/ui.md "Words fit their button"): ``font_size``
    is the size asked for, and the label is drawn at ``font_fit().size``, the largest size
    up to it at which the widest Latin word fits the text width, but never below
    ``min_font_size`` (the audit's body-text minimum). Words are measured with the core
    label's text extents (no texture) once per change of text, size or width; the one
    texture render per change stays FreshTextLabel's. Markup ``[size=…]`` spans keep the
    size they ask for: size them with :meth:`fitted_size` (the home tiles' big words).
    """

    role = OptionProperty("secondary", options=["primary", "secondary", "danger"])
    selected = BooleanProperty(False)
    check_mark = BooleanProperty(True)
    """Draw the check when selected (off where "selected" means "here": a tab, a field)."""
    border_width = NumericProperty(3)
    """The selection border's line width in px (thinner on the service tabs' two lines)."""
    bg_color = ColorProperty(theme.PALE)
    min_font_size = NumericProperty(theme.MIN_BODY)
    """The smallest size :meth:`font_fit` may shrink to (the audit's body-text minimum)."""

    _fit_key = None
    _fit = None

    def on_kv_post(self, base_widget):
        self._restyle()
        self.bind(role=self._restyle, selected=self._restyle, state=self._restyle,
                  disabled=self._restyle)
        self.fbind("min_font_size", self._trigger_texture)

    def texture_update(self, *largs):
        self._label.options["font_size"] = self.font_fit().size
        super().texture_update(*largs)

    def fitted_size(self, text: str, wanted: float, text_size, bold: bool = False,
                    one_line: bool = False) -> float:
        """The size to draw *text* (plain) at inside this button so no word of it is split:
        for a markup ``[size=…]`` span. Pass ``self.text_size`` so a kv rule re-runs on resize.

        *one_line*: the size at which all of *text* fits on one line, when one from
        ``min_font_size`` up exists (a tile's short hint: one line in every tile keeps
        the tiles' big words level); else as without it (the words fit, the lines wrap)."""
        width = self.text_width(text_size)
        if one_line:
            whole = self._fit_words([(text, bold)], wanted, width)
            if whole.fits:
                return whole.size
        return self._fit_words([(w, bold) for w in _units(text)], wanted, width).size

    def font_fit(self) -> FontFit:
        """The size the text is (or will be) drawn at: ``font_size``, shrunk until the widest
        word fits the text width but not below ``min_font_size``. Measured once per change."""
        width = self.text_width()
        key = (self.text, self.markup, self.font_size, width, self.min_font_size,
               tuple(self._label.options.get(k) for k in _SHAPING))
        if key == self._fit_key:
            return self._fit
        self._fit_key, self._fit = key, self._fit_words(self._words_at_own_size(), self.font_size, width)
        return self._fit

    def _fit_words(self, words: list[tuple[str, bool]], wanted: float, width: float | None) -> FontFit:
        if width is None or not words:
            return FontFit(wanted, True)
        floor = min(self.min_font_size, wanted)
        return FontFit(*fitting_font_size(wanted, floor, width, self._widest(words)))

    def _words_at_own_size(self) -> list[tuple[str, bool]]:
        if not self.markup:
            return [(w, self.bold) for w in _units(self.text)]
        return [(w, self.bold or bold) for text, size, bold in markup_runs(self.text)
                if size is None for w in _units(text)]

    def _widest(self, words: list[tuple[str, bool]]):
        """``widest(size)``: the width in px of the widest of *words* (``(word, bold)``)."""
        measure = self._measurer()
        return lambda size: max(measure(w, size, b) for w, b in words)

    def _restyle(self, *_):
        if self.disabled:
            self.bg_color, self.color = theme.DISABLED_BG, theme.DISABLED_FG
            return
        down = self.state == "down"
        if self.selected:
            self.bg_color = theme.SKY_DOWN if down else theme.SKY
            self.color = theme.NAVY
        elif self.role == "primary":
            self.bg_color = theme.YELLOW_DOWN if down else theme.YELLOW
            self.color = theme.BLACK
        else:
            self.bg_color = theme.PALE_DOWN if down else theme.PALE
            self.color = theme.DARK_RED if self.role == "danger" else theme.NAVY


def _units(text: str) -> list[str]:
    """The pieces of *text* no line may split: Latin words, and Chinese words with their
    punctuation (kiosk/app/linebreak.py ``units``)."""
    return [u for line in text.split("\n") for u in linebreak.units(line) if not u.isspace()]


class Panel(BoxLayout):
    """A white area with black text (the text being written, the transcript)."""

    bg_color = ColorProperty(theme.WHITE)


class LevelMeter(Widget):
    """The microphone level (0..1) as a bar, so residents see they are heard."""

    level = NumericProperty(0.0)
    bg_color = ColorProperty(theme.DISABLED_BG)
