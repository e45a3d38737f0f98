"""The on-screen pinyin keyboard and numeric pad, driven by real touches."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from kiosk.app.widgets.keyboard import CandidateButton


@dataclass
class Cand:
    text: str
    consumed: int


class ScriptedEngine:
    """A fixed table standing in for kiosk.ime.pinyin: the widget's logic is under test."""

    TABLE = {
        "woxiang": [Cand("我想", 7), Cand("我", 2), Cand("窝", 2)],
        "xiang": [Cand("想", 5), Cand("向", 5), Cand("像", 5)],
        "wo": [Cand("我", 2), Cand("窝", 2)],
        "w": [Cand("我", 1)],
        "ni": [Cand(c, 2) for c in "你呢泥拟尼妮倪逆腻匿昵溺"],
    }

    def candidates(self, letters, limit=9):
        return self.TABLE.get(letters, [])[:limit]


@pytest.fixture
def write(harness):
    app = harness.app
    harness.tap(harness.screen("home").ids.write)
    screen = harness.screen("write")
    screen.ids.kb.engine = ScriptedEngine()
    screen.ids.kb.reset()
    harness.pump(2)
    return screen


def bar(screen):
    return [w for w in screen.ids.kb.ids.candidates.children[::-1] if isinstance(w, CandidateButton)]


def test_ui_keyboard_composes_and_picks_a_candidate(harness, write):
    kb = write.ids.kb
    harness.type(kb, "woxiang")
    harness.pump(1)
    assert kb.composing == "woxiang"
    assert [b.text for b in bar(write)] == ["我想", "我", "窝"]
    harness.tap(bar(write)[1])                       # "我" consumes "wo"
    assert write.text == "我" and kb.composing == "xiang"
    assert [b.text for b in bar(write)][:1] == ["想"]
    harness.tap(harness.key(kb, "\b"))               # backspace edits the pinyin first
    assert kb.composing == "xian" and write.text == "我"
    harness.type(kb, "g")
    harness.tap(harness.key(kb, "，"))               # punctuation takes the first candidate
    assert write.text == "我想，" and kb.composing == ""
    harness.tap(harness.key(kb, "\b"))               # nothing composed: deletes text
    assert write.text == "我想"


def test_ui_keyboard_pages_through_many_candidates(harness, write):
    kb = write.ids.kb
    harness.type(kb, "ni")
    harness.pump(1)
    first_page = [b.text for b in bar(write)]
    assert 1 <= len(first_page) < 12
    harness.tap(harness.key(kb, "\x10"))             # "more"
    harness.pump(1)
    second = [b.text for b in bar(write)]
    assert second and second[0] == "你呢泥拟尼妮倪逆腻匿昵溺"[len(first_page)]


def test_ui_keyboard_english_mode_digits_and_space(harness, write):
    kb = write.ids.kb
    harness.tap(harness.key(kb, "\x0f"))             # 中 → En
    assert kb.mode == "en"
    harness.type(kb, "ok")
    harness.tap(harness.key(kb, " "))
    harness.tap(harness.key(kb, "\x0e"))             # digits and symbols page
    harness.type(kb, "42")
    assert write.text == "ok 42"


def test_ui_numpad_types_digits(harness):
    h = harness
    h.app.go("identity")
    h.pump(2)
    ident = h.screen("identity")
    h.tap(ident.ids.phone_field)
    h.type(ident.ids.pad, "0371-1")
    h.tap(h.key(ident.ids.pad, "\b"))
    assert ident.phone_text == "0371-"


def test_ui_keyboard_real_pinyin_offers_the_phrase(harness):
    h = harness
    h.tap(h.screen("home").ids.write)
    write = h.screen("write")
    kb = write.ids.kb
    assert kb.engine is not None and kb.mode == "zh"
    h.type(kb, "woxiangfanying")
    h.pump(1)
    texts = [b.text for b in bar(write)][:3]
    assert "我想反映" in texts, f"first candidates for woxiangfanying: {texts}"
    h.tap(bar(write)[texts.index("我想反映")])
    assert write.text == "我想反映" and kb.composing == ""
