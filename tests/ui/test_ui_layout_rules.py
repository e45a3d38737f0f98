"""The audit's layout rules (kiosk/app/offscreen/a11y_layout.py, docs/ui.md "Layout rules
the audit checks"): each one fails on a planted fault and passes the app's own widgets.

A representative without a photo pushed his card's words to the left edge; on the finish
screen yellow meant both "chosen" and "submit", and only colour showed the choice; the
microphone's level bar had no label and read as a time bar.
"""

from __future__ import annotations

from kivy.factory import Factory
from kivy.properties import BooleanProperty, ColorProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.widget import Widget

from kiosk.app import theme
from kiosk.app.offscreen import a11y, a11y_layout
from kiosk.app.offscreen.render import show_sample
from kiosk.app.widgets.base import KButton, KLabel, LevelMeter


class PlantedRow(BoxLayout):
    """A list row: a picture column, then words."""


def _row(picture_width: float, y: float) -> PlantedRow:
    row = PlantedRow(size_hint=(None, None), size=(800, 120), pos=(0, y), spacing=20)
    row.add_widget(Widget(size_hint_x=None, width=picture_width))
    row.add_widget(KLabel(text="王秀英"))
    row.do_layout()
    return row


def _show(h, widget):
    """Lay *widget* out in the window for one frame (positions as drawn), then take it out."""
    from kivy.core.window import Window
    Window.add_widget(widget)
    h.pump(2)
    return widget


def test_ui_rows_of_a_list_must_start_their_text_at_one_x(harness):
    box = FloatLayout(size=(800, 400))
    with_photo, without = _row(160, 200), _row(0, 40)
    box.add_widget(with_photo)
    box.add_widget(without)
    names = {id(box): "t.list"}
    problems = [str(p) for p in a11y_layout.misaligned_rows(box, names)]
    assert problems == ["t.list: list row alignment: rows of PlantedRow start their text at 20 px / 180 px"], problems
    without.children[-1].width = 160       # the placeholder holds the photo's place
    without.do_layout()
    assert a11y_layout.misaligned_rows(box, names) == []


def test_ui_a_representative_without_a_photo_keeps_the_cards_in_line(sample_harness):
    h = sample_harness
    show_sample(h, "representatives", "zh-CN")
    cards = [w for w in h.screen("representatives").ids.rows.children if type(w).__name__ == "RepresentativeCard"]
    assert sorted(bool(c.card.photo) for c in cards) == [False, True], "the sample has one of each"
    assert len({round(a11y_layout.text_indent(c)) for c in cards}) == 1
    placeholder = next(c for c in cards if not c.card.photo).ids.frame
    assert placeholder.width == 160 and ("Ellipse", 0) in a11y_layout.drawn_shapes(placeholder)


class ColourOnlyChoice(KLabel):
    """A planted option that shows "chosen" by its background colour alone."""

    selected = BooleanProperty(False)
    bg_color = ColorProperty(theme.PALE)

    def on_selected(self, *_):
        self.bg_color = theme.YELLOW if self.selected else theme.PALE


Factory.register("ColourOnlyChoice", cls=ColourOnlyChoice)
_CHOICE_KV = """
<ColourOnlyChoice>:
    canvas.before:
        Color:
            rgba: self.bg_color
        Rectangle:
            pos: self.pos
            size: self.size
"""


def test_ui_a_choice_shown_by_colour_alone_or_in_the_main_action_colour_fails(harness):
    from kivy.lang import Builder
    Builder.load_string(_CHOICE_KV)
    box = BoxLayout()
    chosen, other = ColourOnlyChoice(text="匿名", selected=True), ColourOnlyChoice(text="留下姓名")
    submit = KButton(text="提交", role="primary")
    for w in (chosen, other, submit):
        box.add_widget(w)
    problems = [str(p) for p in a11y_layout.colour_only_selection(box, {id(chosen): "t.anonymous"})]
    assert len(problems) == 2, problems
    assert problems[0].startswith("t.anonymous: selection by colour only: chosen '匿名'")
    assert problems[1].startswith("t.anonymous: selection looks like the main action")


def test_ui_the_app_shows_a_choice_by_border_and_check_not_by_yellow(harness):
    box = BoxLayout()
    chosen, other = KButton(text="匿名", selected=True), KButton(text="留下姓名")
    submit = KButton(text="提交", role="primary")
    for w in (chosen, other, submit):
        box.add_widget(w)
    _show(harness, box)
    try:
        assert a11y_layout.colour_only_selection(box, {}) == []
        extra = set(a11y_layout.drawn_shapes(chosen)) - set(a11y_layout.drawn_shapes(other))
        assert ("Line", 3) in extra and ("Ellipse", 0) in extra, "a border and the check's disc"
        assert tuple(chosen.bg_color) != tuple(submit.bg_color)
        chosen.check_mark = False           # a tab, a field: the border alone still differs
        assert a11y_layout.colour_only_selection(box, {}) == []
    finally:
        box.parent.remove_widget(box)


def test_ui_a_meter_without_a_label_on_its_row_fails(harness):
    from kivy.uix.progressbar import ProgressBar
    column = BoxLayout(orientation="vertical", size=(1000, 200), size_hint=(None, None))
    column.add_widget(KLabel(text="正在录音，请说出您要反映的事情。"))      # above it: no label
    bare = LevelMeter()
    column.add_widget(bare)
    row = BoxLayout(size_hint_y=None, height=56)
    row.add_widget(KLabel(text="声音大小", size_hint_x=None, width=220))
    named = ProgressBar(max=1, value=0.4)
    row.add_widget(named)
    column.add_widget(row)
    _show(harness, column)
    try:
        problems = [str(p) for p in a11y_layout.unlabelled_meters(column, {id(bare): "t.level"})]
        assert problems == ["t.level: unlabelled meter: no label beside it on its row says what it measures"]
    finally:
        column.parent.remove_widget(column)


def test_ui_the_audit_runs_the_layout_rules(sample_harness):
    """a11y.audit (what `kiosk screens` reports) includes them: the voice screen's bar is
    caught once its label is hidden."""
    h = sample_harness
    show_sample(h, "voice", "zh-CN")
    voice = h.screen("voice")
    assert not [p for p in a11y.audit(voice) if p.rule == "unlabelled meter"]
    voice.ids.meter_label.opacity = 0
    try:
        assert [p.widget for p in a11y.audit(voice) if p.rule == "unlabelled meter"] == ["voice.meter"]
    finally:
        voice.ids.meter_label.opacity = 1
