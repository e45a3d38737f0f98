"""Every screen, in every language, at 1280×800: text ≥ 32 px (titles ≥ 48 px), touch
targets ≥ 96 px on both sides, contrast ≥ 7:1. Failures name the widget."""

from __future__ import annotations

import pytest
from kivy.core.window import Window

from kiosk.app.offscreen import a11y
from kiosk.app.offscreen.render import each_sample


@pytest.mark.parametrize("lang", ["zh-CN", "zh-TW", "en"])
def test_ui_every_screen_meets_the_rules(sample_harness, lang):
    harness = sample_harness
    assert tuple(Window.size) == (1280, 800)
    problems = []
    for sample, root in each_sample(harness, lang):
        problems += [f"[{sample}] {p}" for p in a11y.audit(root)]
    assert not problems, "accessibility rules broken:\n" + "\n".join(problems)


def test_ui_audit_names_the_widget_that_breaks_a_rule(harness):
    """The audit itself can fail: a small, low-contrast, small-text button is caught."""
    from kivy.uix.boxlayout import BoxLayout

    from kiosk.app.widgets.base import KButton, KLabel
    box = BoxLayout()
    box.bg_color = (1, 1, 1, 1)
    tiny = KButton(text="OK", size_hint=(None, None), size=(60, 120), font_size=20)
    grey = KLabel(text="faint", color=(0.7, 0.7, 0.7, 1))
    box.add_widget(tiny)
    box.add_widget(grey)
    problems = a11y.audit(box, {id(tiny): "test.tiny", id(grey): "test.grey"})
    text = "\n".join(map(str, problems))
    assert "test.tiny: touch target: 60×120 px" in text
    assert "test.tiny: text size: 20 px < 32 px" in text
    assert "test.grey: contrast" in text


def test_ui_contrast_formula():
    assert a11y.contrast((0, 0, 0, 1), (1, 1, 1, 1)) == pytest.approx(21.0)
    assert a11y.contrast((1, 1, 1, 1), (1, 1, 1, 1)) == pytest.approx(1.0)
    # #767676 on white is the WCAG AA boundary, 4.54:1
    g = 0x76 / 255
    assert a11y.contrast((g, g, g, 1), (1, 1, 1, 1)) == pytest.approx(4.54, abs=0.01)
