"""The home tiles' big words fit their tile in every language (English "Speak" at the
CJK glyph size wrapped mid-word: "Spea / k")."""

from __future__ import annotations

import pytest
from kivy.core.text.markup import MarkupLabel


@pytest.mark.parametrize("lang", ["zh-CN", "zh-TW", "en"])
def test_each_home_tile_word_fits_on_one_line(harness, lang):
    from kiosk.ui import theme as T
    harness.app.set_language(lang)
    harness.pump(3)
    home = harness.screen("home")
    for name in ("speak", "write", "photo", "letter"):
        tile = home.ids[name]
        if not tile.glyph:
            continue
        word = MarkupLabel(text=f"[b]{tile.glyph}[/b]", font_size=T.choice_size(tile.glyph),
                           font_name=tile.font_name)
        word.refresh()
        inner = tile.width - 2 * tile.padding[0] if tile.padding else tile.width
        assert word.content_width <= inner, f"{lang} {name}: {tile.glyph!r} is {word.content_width}px, tile {inner}px"
