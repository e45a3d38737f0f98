"""Latin words are never split across lines (docs/ui.md "Words fit their button").

English labels used to wrap mid-word on narrow buttons — the service tabs "Statu / s",
"Que / ue", the number pad's "Dele / te", the home tile "Spea / k". KButton now shrinks
its font until the widest word fits (never below the audit's 32 px), and the audit fails
any label that splits a word anyway.
"""

from __future__ import annotations

import json

import pytest

from kiosk.app.offscreen import a11y
from kiosk.app.offscreen.render import show_sample
from kiosk.app.words import latin_words, split_words

NAV_TABS = ("service.nav_status", "service.nav_selftests", "service.nav_queue", "service.nav_logs",
            "service.nav_export", "service.nav_config", "service.nav_system", "service.leave")


def _drawn(h, button):
    """Split words and drawn size of *button*, as rendered."""
    h.pump(2)
    return a11y.drawn_split_words(button), button.font_fit().size


def test_ui_english_service_tabs_and_number_pad_keep_words_whole(harness):
    h = harness
    h.app.set_language("en")
    show_sample(h, "service-status", "en")
    nav = h.screen("service-status").ids.nav
    tabs = [w for w in nav.children if w.text]
    assert sorted(t.text for t in tabs) == sorted(h.app.t(k, "en") for k in NAV_TABS)
    for tab in tabs:
        split, size = _drawn(h, tab)
        assert not split, f"tab {tab.text!r} is drawn split: {split}"
        assert size >= a11y.MIN_BODY
    show_sample(h, "service-pin", "en")
    pad = h.screen("service-pin").ids.pad
    delete = pad.ids.delete
    assert delete.text == "Delete"
    split, size = _drawn(h, delete)
    assert not split, f"the number pad's {delete.text!r} is drawn split: {split}"
    assert size >= a11y.MIN_BODY


def test_ui_a_button_shrinks_its_font_until_the_longest_word_fits(harness):
    from kiosk.app.widgets.base import KButton
    h = harness
    button = KButton(text="Environment and health", font_size=44, size_hint=(None, None),
                     size=(250, 112))
    h.app.root.current_screen.add_widget(button)
    split, size = _drawn(h, button)
    assert not split and button.font_fit().fits
    assert a11y.MIN_BODY <= size < 44, "44 px 'Environment' is wider than 218 px: it must shrink"
    assert button._label.options["font_size"] == size   # what is drawn
    assert button._widest([("Environment", False)])(size) <= 250 - 32
    assert button._widest([("Environment", False)])(size + 1) > 250 - 32, "not the largest size that fits"
    button.text = "OK"          # a short word: back to the size asked for
    assert _drawn(h, button) == ([], 44)


def test_ui_audit_fails_a_word_too_wide_for_its_button_even_at_the_minimum(harness):
    """A deliberately too-narrow button: shrinking stops at 32 px, the word is split, the
    audit says so by name (never a silent split, never text below 32 px)."""
    from kiosk.app.widgets.base import KButton
    h = harness
    button = KButton(text="Environment", size_hint=(None, None), size=(120, 112))
    h.app.root.current_screen.add_widget(button)
    split, size = _drawn(h, button)
    assert size == a11y.MIN_BODY and not button.font_fit().fits
    assert split, "Kivy cut the word, and drawn_split_words must see it"
    problems = [str(p) for p in a11y.check(button, {id(button): "test.narrow"})]
    assert any(p.startswith("test.narrow: split word: ") and "a Latin word is split" in p
               for p in problems), problems
    assert not any("text size" in p for p in problems)


@pytest.mark.parametrize("lang", ["zh-CN", "zh-TW", "en"])
def test_ui_each_home_tile_word_is_as_big_as_fits(harness, lang):
    """The tiles' big words are fitted by the same KButton mechanism: 说/写 at the full
    104 px, "Speak" as large as its tile allows — drawn on one line."""
    from kiosk.app import theme as T
    from kiosk.app.words import markup_runs
    h = harness
    h.app.set_language(lang)
    h.pump(3)
    home = h.screen("home")
    shrunk = []
    for name in ("speak", "write", "photo", "letter"):
        tile = home.ids[name]
        assert not a11y.drawn_split_words(tile), f"{lang} {name}: {tile.text!r}"
        (word, size, bold), *_ = markup_runs(tile.text)
        assert word == tile.glyph and bold
        if latin_words(tile.glyph):
            assert a11y.MIN_BODY <= size <= T.CHOICE
            assert tile._widest([(word, True)])(size) <= tile.text_width()
            assert size == T.CHOICE or tile._widest([(word, True)])(size + 1) > tile.text_width()
            shrunk.append(size < T.CHOICE)
        else:
            assert size == T.CHOICE
    assert any(shrunk) == (lang == "en"), "English 'Speak' is too wide at 104 px: it shrinks"


def test_ui_changing_a_fitted_button_renders_once_and_keeps_two_textures(harness):
    """The font-size search measures text extents, it does not render: one texture refill
    per text change, alternating between two textures (FreshTextLabel)."""
    from kiosk.app.widgets.base import KButton
    h = harness
    button = KButton(text="Environment", font_size=44, size_hint=(None, None), size=(200, 112))
    h.app.root.current_screen.add_widget(button)
    h.pump(2)
    refreshes = []
    real_refresh = button._label.refresh
    button._label.refresh = lambda: (refreshes.append(button.text), real_refresh())[1]
    seen = []
    for text in ("Education", "Community", "Education", "Community", "Education"):
        button.text = text
        h.pump(2)
        seen.append(button.texture)
        assert button.font_fit().size < 44
    assert refreshes == ["Education", "Community", "Education", "Community", "Education"]
    assert len({id(t) for t in seen[1:]}) <= 2


def test_split_words_tells_a_wrap_at_a_space_from_a_cut_word():
    src = "Hello brave world 说话的人24小时"
    assert split_words([("Hello", False), ("brave world", True), ("说话的", True), ("人24小时", True)], src) == []
    assert split_words([("Statu", False), ("s", True)], "Status") == ["Statu / s"]
    assert split_words([("Self-tes", False), ("ts", True)], "Self-tests") == ["Self-tes / ts"]
    assert split_words([("Self-", False), ("tests", True)], "Self-tests") == []   # at the hyphen
    assert split_words([("24小时2", False), ("4", True)], "24小时24") == ["24小时2 / 4"]
    assert split_words([("first", False), ("second", False)], "first\nsecond") == []  # a newline
    # a path is no word: it may be longer than any line (the status page's model path)
    assert split_words([("at /tmp/data/models/curren", False), ("t", True)],
                       "at /tmp/data/models/current") == []


def test_latin_words_are_the_runs_between_spaces_and_cjk():
    assert latin_words("Self-tests") == ["Self-tests"]
    assert latin_words("电话：1380013 说话") == ["1380013"]
    assert latin_words("Crème brûlée，好") == ["Crème", "brûlée"]
    assert latin_words("说话 · ！") == []


def test_ui_screens_command_fails_when_a_rendered_screen_splits_a_word(write_config, tmp_path,
                                                                       monkeypatch, capsys):
    """`kiosk screens` audits what it renders: an English tab too long for its button at
    the 32 px minimum makes it exit 1 naming the screen and the split word."""
    from kiosk.cli import main as cli
    from kiosk.app import i18n
    real = i18n.catalog

    def catalog(lang):
        strings = dict(real(lang))
        if lang == "en":
            strings["service.nav_status"] = "Statusoverview"
        return strings
    monkeypatch.setattr(i18n, "catalog", catalog)
    rc = cli.main(["screens", "--config", str(write_config()), "--out", str(tmp_path / "shots"),
                   "--lang", "en", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == cli.EXIT_FAIL and out["ok"] is False
    assert any(p.startswith("[en-service-status] ") and "split word" in p and "Statuso" in p
               for p in out["problems"]), out["problems"]
    assert len(out["files"]) > 0
