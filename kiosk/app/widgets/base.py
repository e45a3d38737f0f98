"""Basic widgets: labels, buttons, panels and the level meter.

Every widget that paints its own background has ``bg_color``; the accessibility test
walks up the tree to the nearest ``bg_color`` to measure text contrast.
"""

from __future__ import annotations

from dataclasses import dataclass

from kivy.core.text import Label as CoreLabel
from kivy.properties import BooleanProperty, ColorProperty, NumericProperty, OptionProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from kiosk.app import theme
from kiosk.app.words import latin_words, markup_runs

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

    _spare_texture = None

    def texture_update(self, *largs):
        shown = self._label.texture
        # The spare was drawn two changes ago, not by the last frame: refilling it does not
        # wait for the rasteriser. None (first change, or a size change) makes a new one.
        self._label.texture = self._spare_texture
        super().texture_update(*largs)
        now = self._label.texture
        if now is not shown:
            # Kivy's shared 1-pixel texture (empty text) is never ours to refill.
            self._spare_texture = None if shown is self._label.texture_1px else shown


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

    ``role`` picks the colours: primary (yellow), secondary (pale), danger (pale with red
    text). ``selected`` shows a choice as chosen (yellow).

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

    def text_width(self, text_size=None) -> float | None:
        """The width lines wrap at (Kivy: ``text_size`` minus the horizontal padding),
        None when the label does not wrap."""
        tw = (self.text_size if text_size is None else text_size)[0]
        return None if tw is None else tw - self.padding[0] - self.padding[2]

    def fitted_size(self, text: str, wanted: float, text_size, bold: bool = False) -> float:
        """The size to draw *text* (plain) at inside this button so no word of it is split:
        for a markup ``[size=…]`` span. Pass ``self.text_size`` so a kv rule re-runs on resize."""
        return self._fit_words([(w, bold) for w in latin_words(text)], wanted,
                               self.text_width(text_size)).size

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
            return [(w, self.bold) for w in latin_words(self.text)]
        return [(w, self.bold or bold) for text, size, bold in markup_runs(self.text)
                if size is None for w in latin_words(text)]

    def _widest(self, words: list[tuple[str, bool]]):
        """``widest(size)``: the width in px of the widest of *words* (``(word, bold)``)."""
        shaping = {k: self._label.options[k] for k in _SHAPING if k in self._label.options}

        def widest(size: float) -> float:
            # get_extents sizes the text with the font (SDL2_ttf TTF_SizeUTF8): no texture.
            measure = {b: CoreLabel(**{**shaping, "bold": b}, font_size=size)
                       for b in {b for _, b in words}}
            return max(measure[b].get_extents(w)[0] for w, b in words)
        return widest

    def _restyle(self, *_):
        if self.disabled:
            self.bg_color, self.color = theme.DISABLED_BG, theme.DISABLED_FG
            return
        primary = self.role == "primary" or self.selected
        down = self.state == "down"
        if primary:
            self.bg_color = theme.YELLOW_DOWN if down else theme.YELLOW
            self.color = theme.BLACK
        else:
            self.bg_color = theme.PALE_DOWN if down else theme.PALE
            self.color = theme.DARK_RED if self.role == "danger" else theme.NAVY


class Panel(BoxLayout):
    """A white area with black text (the text being written, the transcript)."""

    bg_color = ColorProperty(theme.WHITE)


class LevelMeter(Widget):
    """The microphone level (0..1) as a bar, so residents see they are heard."""

    level = NumericProperty(0.0)
    bg_color = ColorProperty(theme.DISABLED_BG)
