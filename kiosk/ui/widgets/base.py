"""Basic widgets: labels, buttons, panels and the level meter.

Every widget that paints its own background has ``bg_color``; the accessibility test
walks up the tree to the nearest ``bg_color`` to measure text contrast.
"""

from __future__ import annotations

from kivy.properties import BooleanProperty, ColorProperty, NumericProperty, OptionProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from kiosk.ui import theme


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


class KButton(ButtonBehavior, FreshTextLabel):
    """A big flat button with a solid background of guaranteed contrast.

    ``role`` picks the colours: primary (yellow), secondary (pale), danger (pale with red
    text). ``selected`` shows a choice as chosen (yellow).
    """

    role = OptionProperty("secondary", options=["primary", "secondary", "danger"])
    selected = BooleanProperty(False)
    bg_color = ColorProperty(theme.PALE)

    def on_kv_post(self, base_widget):
        self._restyle()
        self.bind(role=self._restyle, selected=self._restyle, state=self._restyle,
                  disabled=self._restyle)

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
