"""Chinese lines break between words and never next to forbidden punctuation
(docs/ui.md "Chinese line breaks", kiosk/app/linebreak.py).

Kivy cut space-free Chinese wherever the line was full: the home tile read 点一下，直 / 接说,
the service tabs U盘导 / 出 and 退出维 / 护, and on the lookup-with-secret screen a line
started with 。. Every label and button now lays its lines out itself, and the audit
reads the lines Kivy drew to catch any that still break badly.
"""

from __future__ import annotations

import pytest

from kiosk.app import linebreak
from kiosk.app.offscreen import a11y
from kiosk.app.offscreen.render import each_sample


def _char_measure(text):
    """A fixed-pitch measure: 10 px a narrow character, 20 px a wide one."""
    from kiosk.app.words import is_wide

    def measure(i, j):
        return sum(20 if is_wide(c) else 10 for c in text[i:j])
    return measure


def _lines(text, width):
    return linebreak.apply_breaks(text, linebreak.break_text(text, width, _char_measure(text))).split("\n")


def test_units_keep_words_whole_and_punctuation_with_its_word():
    assert linebreak.units("点一下，直接说") == ["点", "一下，", "直接", "说"]
    assert linebreak.units("查询密码 482 913（查看答复时需要）") == [
        "查询", "密码", " ", "482", " ", "913", "（查看", "答复", "时", "需要）"]
    assert "工作站 ·" in linebreak.units("24小时民意工作站 · 版本 0.1.0")  # a separator never starts a line
    assert "0.1.0" in linebreak.units("版本 0.1.0")
    assert "——" in linebreak.units("打印机故障——请记下")      # one mark: never split in two


def test_traditional_text_is_segmented_through_its_simplified_form():
    """jieba's dictionary is Simplified: 對照 and 回執 used to come out as 對/照回/執."""
    assert linebreak.words("請對照回執再輸一次。") == ("請", "對照", "回執", "再輸", "一次", "。")
    assert "印表機" in linebreak.words("印表機沒有確認")


def test_lines_break_between_words_and_never_before_closing_punctuation():
    text = "请输入回执上的6位查询密码，查看答复和评价。只想看办理进度，请点“只看进度”。"
    for width in range(70, 800, 10):     # from the widest unit, 进度”。, up
        lines = _lines(text, width)
        assert "".join(lines) == text
        assert linebreak.bad_breaks(lines, text) == [], (width, lines)
        assert all(sum(20 if ord(c) > 0x2e80 else 10 for c in line) <= width for line in lines
                   if len(linebreak.units(line)) > 1), (width, lines)
    assert _lines("点一下，直接说", 100) == ["点一下，", "直接说"]
    assert _lines("退出维护", 60) == ["退出", "维护"]


def test_only_a_unit_wider_than_the_line_is_cut_and_indentation_stays():
    assert _lines("工作人员", 40) == ["工作", "人员"]
    assert _lines("中华人民共和国", 40) == ["中华", "人民", "共和", "国"]   # one word, cut by character
    assert _lines('  "name": "24小时民意工作站"', 1000) == ['  "name": "24小时民意工作站"']
    assert _lines("a  b", 15) == ["a", "b"]
    # A path too wide for the line is cut by character, but a line never starts with its ".".
    cut = _lines("station-signing.key", 150)
    assert "".join(cut) == "station-signing.key" and not any(line[0] in ".,;:" for line in cut[1:]), cut


def test_the_checker_catches_each_kind_of_bad_break():
    """The audit's rule can fail: planted breaks of each kind are named."""
    bad = linebreak.bad_breaks
    assert [b.kind for b in bad(["点一下，直", "接说"], "点一下，直接说")] == ["split word"]
    assert str(bad(["点一下，直", "接说"], "点一下，直接说")[0]) == "split word: '点一下，直 / 接说'"
    assert [b.kind for b in bad(["查看答复和评价", "。只想"], "查看答复和评价。只想")] == ["forbidden line start"]
    assert [b.kind for b in bad(["答复时（", "需要）"], "答复时（需要）")] == ["forbidden line end"]
    assert [b.kind for b in bad(["U盘导", "出"], "U盘导出")] == ["split word"]
    # allowed: between words, at a space, at the text's own newline
    assert bad(["点一下，", "直接说"], "点一下，直接说") == []
    assert bad(["版本", "0.1.0"], "版本 0.1.0") == []
    assert bad(["直", "接"], "直\n接") == []


def test_ui_audit_names_a_label_that_kivy_cut_inside_a_word(harness):
    """A plain Kivy Label (no app line breaking) is cut by Kivy: 点一下，直 / 接说. The audit
    names it; the app's KLabel at the same width breaks between words."""
    from kivy.uix.label import Label

    from kiosk.app.widgets.base import KLabel
    h = harness
    screen = h.app.root.current_screen
    widgets = {}
    for name, cls in (("plain", Label), ("app", KLabel)):
        w = cls(text="点一下，直接说", font_size=36, size_hint=(None, None), size=(200, 120),
                font_name=screen.ids.title.font_name)
        w.text_size = (200, None)
        screen.add_widget(w)
        widgets[name] = w
    h.pump(3)
    names = {id(w): f"test.{k}" for k, w in widgets.items()}
    plain = [str(p) for p in a11y.check(widgets["plain"], names) if "chinese" in p.rule]
    assert plain and plain[0].startswith("test.plain: chinese line break: split word: "), plain
    assert [t for t, _ in a11y.drawn_lines(widgets["app"])] == ["点一下，", "直接说"]
    assert not [p for p in a11y.check(widgets["app"], names) if "chinese" in p.rule]


@pytest.mark.parametrize("lang", ["zh-CN", "zh-TW"])
def test_ui_no_screen_breaks_a_chinese_line_badly(harness, lang):
    """Every screen as `kiosk screens` renders it: each bad break named with its screen,
    widget and the line around it."""
    problems, lines = [], 0
    for sample, root in each_sample(harness, lang):
        for w in root.walk(restrict=True):
            if hasattr(w, "_label") and getattr(w, "opacity", 1) > 0 and w.text:
                lines += len(a11y.drawn_lines(w))
        problems += [f"[{lang}-{sample}] {p}" for p in a11y.audit(root) if "chinese" in p.rule]
    assert lines > 200, "the audit read too few drawn lines to judge"
    assert not problems, "bad Chinese line breaks:\n" + "\n".join(problems)


@pytest.mark.parametrize("lang", ["zh-CN", "zh-TW"])
def test_ui_home_tiles_hints_fit_on_one_line(harness, lang):
    """点一下，直接说 on one line, so 说 stays level with 写, 拍 and 信."""
    h = harness
    h.app.set_language(lang)
    h.pump(3)
    home = h.screen("home")
    for name in ("speak", "write", "photo", "letter"):
        lines = [t for t, _ in a11y.drawn_lines(home.ids[name]) if t]
        assert len(lines) == 2, (name, lines)
