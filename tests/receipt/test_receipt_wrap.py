"""Wrapping by display width: mixed Chinese / Latin / full-width text at 32 and 48 columns."""

from __future__ import annotations

import pytest

from kiosk import config as configmod
from kiosk.receipt.layout import QR, Text, mask_phone
from kiosk.receipt.printing import item_layout, item_receipt_bytes
from kiosk.receipt.wrap import NO_START, display_width, wrap

MIXED = ("我想反映：小区门口的路灯坏了3个月（已经打过12345热线），晚上很黑，老人出门不安全。"
         "Please fix the street light at No.5 Jiefang Road ASAP, thanks! 谢谢！！")


def test_width_rule():
    assert display_width("abc") == 3
    assert display_width("路灯") == 4
    assert display_width("，。！？（）") == 12      # full-width punctuation
    assert display_width("“”…") == 6                # GB18030 two-byte: the printer's wide font
    assert display_width("é") == 2
    assert display_width("e\u0301") == 1            # combining mark takes no column
    assert display_width("ＡＢ１") == 6              # full-width Latin


@pytest.mark.parametrize("width", [32, 48])
def test_mixed_text_wraps_within_the_columns(width):
    lines = wrap(MIXED, width)
    assert all(display_width(ln) <= width for ln in lines)
    # Nothing lost or split: only the spaces at line breaks disappear.
    assert "".join(lines).replace(" ", "") == MIXED.replace(" ", "")
    # 禁则: no line starts with closing punctuation.
    assert not any(ln[:1] in NO_START for ln in lines[1:])
    # Latin words stay whole.
    words = {w for ln in lines for w in ln.split(" ")}
    for w in ("Please", "street", "light", "Jiefang", "ASAP,"):
        assert any(w in x for x in words), w
    # Lines are filled: each but the last leaves less room than the next piece needs.
    assert all(display_width(ln) >= width - 8 for ln in lines[:-1])


def test_exact_lines_at_both_widths():
    assert wrap(MIXED, 32) == [
        "我想反映：小区门口的路灯坏了3个",
        "月（已经打过12345热线），晚上很",
        "黑，老人出门不安全。Please fix",
        "the street light at No.5 Jiefang",
        "Road ASAP, thanks! 谢谢！！",
    ]
    assert wrap(MIXED, 48) == [
        "我想反映：小区门口的路灯坏了3个月（已经打过12345",
        "热线），晚上很黑，老人出门不安全。Please fix the",
        "street light at No.5 Jiefang Road ASAP, thanks!",
        "谢谢！！",
    ]


def test_closing_punctuation_is_pulled_with_its_character():
    # 15 hanzi fill 30 columns exactly; "。" must not start the next line alone.
    assert wrap("一" * 15 + "。", 30) == ["一" * 14, "一。"]
    # … and an opening bracket does not end a line.
    assert wrap("一" * 14 + "（二）", 30) == ["一" * 14, "（二）"]
    assert wrap("一" * 13 + "（二）", 30) == ["一" * 13, "（二）"]


def test_a_character_is_never_split_at_an_odd_boundary():
    assert wrap("一二三", 5) == ["一二", "三"]            # 4 columns used, not 5
    assert wrap("x" * 12, 5) == ["xxxxx", "xxxxx", "xx"]   # an over-long word breaks by character


@pytest.mark.parametrize("width_mm,cols", [(58, 32), (80, 48)])
def test_receipt_lines_and_bytes_fit_the_paper(write_config, store, make_item, reader, width_mm, cols):
    cfg = configmod.load(write_config(f"[printer]\npaper_width_mm = {width_mm}\n[receipt]\ntext_lines = 20\n"))
    rec = make_item(MIXED * 2, anonymous=False, name="欧阳娜娜", phone="02787654321")
    layout = item_layout(rec, cfg)
    assert layout.columns == cols
    for el in layout.elements:
        if isinstance(el, Text):
            assert display_width(el.text) * el.size <= cols, el
    # What the printer receives, read back, is exactly the layout's lines, each fitting.
    doc = reader.read(item_receipt_bytes(rec, cfg))
    expected = [el.text for el in layout.elements if isinstance(el, Text)]
    printed = [ln.text for ln in doc.lines if ln.text]
    assert [t for t in printed if t.strip()] == [t for t in expected if t.strip()]
    for ln in doc.lines:
        assert display_width(ln.text) * ln.width <= cols
    assert "电话：027****4321" in printed
    assert any(isinstance(el, QR) for el in layout.elements)


def test_long_text_is_cut_to_the_configured_lines_with_an_ellipsis(cfg, make_item):
    rec = make_item(MIXED * 3)
    lines = item_layout(rec, cfg).lines()
    start = lines.index("内容：") + 1
    body = lines[start:start + 3]
    assert body[:2] == wrap(MIXED * 3, 32)[:2]
    assert body[2].endswith("…") and display_width(body[2]) <= 32
    assert lines[start + 3].startswith("---")


def test_phone_masking():
    assert mask_phone("13812341234") == "138****1234"
    assert mask_phone("138-1234-1234") == "138****1234"
    assert mask_phone("02787654321") == "027****4321"
    assert mask_phone("075512345678") == "0755****5678"
    assert mask_phone("12345") == "*****"
    assert mask_phone(None) == ""
