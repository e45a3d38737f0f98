"""The bytes of a receipt, read back by tests/receipt/escpos_reader.py (not the writer)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from kiosk import config as configmod
from kiosk.receipt.printing import item_receipt_bytes, selftest_layout, encode_layout
from kiosk.config.receipt import DEFAULT_FONT

TEXT = "小区门口的路灯坏了三个月，晚上很黑，老人出门不安全。希望尽快修好！"


def _render_expected(reader, text: str, size: int):
    """The ink of *text* drawn by the test itself with the CJK font (not the encoder's code)."""
    from PIL import Image, ImageDraw, ImageFont
    font = ImageFont.truetype(DEFAULT_FONT, size)
    img = Image.new("L", (font.getbbox(text)[2] + 20, size * 2), 255)
    ImageDraw.Draw(img).text((8, 4), text, font=font, fill=0)
    return reader.ink_bitmap(img.point(lambda v: 0 if v < 128 else 255))


def test_gb18030_native_receipt_reads_back(cfg, make_item, reader):
    rec = make_item(TEXT, category="traffic", anonymous=False, name="王小明", phone="13812341234")
    data = item_receipt_bytes(rec, cfg)
    doc = reader.read(data)
    texts = doc.texts
    assert "测试民意工作站" in texts
    station = doc.lines[texts.index("测试民意工作站")]
    assert (station.width, station.height, station.align, station.chinese_mode) == (2, 2, "center", True)
    code_line = doc.lines[texts.index(str(rec.item.code))]
    assert (code_line.width, code_line.height, code_line.bold) == (2, 2, True)
    assert "类别：交通出行" in texts
    assert "姓名：王小明" in texts
    assert "电话：138****1234" in texts
    assert "13812341234" not in doc.joined()
    assert any(t.startswith("小区门口的路灯坏了三个月") for t in texts)
    assert "请妥善保管此回执" in doc.joined()
    assert "（时间未校准）" in texts  # the test clock is untrusted (tests/conftest.py)
    (qr,) = doc.qrcodes
    assert qr.data == f"{rec.item.code.compact}#k={rec.secret}&r={rec.seal}".encode()
    assert qr.ec == "M" and qr.align == "center" and qr.module_size >= 3
    assert doc.pictures == []
    assert doc.cuts == 1
    assert len(data) <= 2048


def test_lines_of_only_fullwidth_punctuation_survive(cfg, make_item, reader):
    # python-escpos' magic encoder prints "?" for these (docs/platform.md); FS & + GB18030 must not.
    rec = make_item("……！！？？（）\n“好”")
    doc = reader.read(item_receipt_bytes(rec, cfg))
    assert "……！！？？（）" in doc.texts
    assert "“好”" in doc.texts


def test_image_qr_decodes_with_zxing(write_config, store, make_item, reader):
    cfg = configmod.load(write_config('[receipt]\nqr = "image"\nlookup_url = "https://minyi.example.gov.cn/q?c={code}"\n'))
    rec = make_item(TEXT)
    doc = reader.read(item_receipt_bytes(rec, cfg))
    assert doc.qrcodes == []
    decoded = [t for p in doc.pictures for t in reader.decode_qr_picture(p)]
    assert decoded == [f"https://minyi.example.gov.cn/q?c={rec.item.code.compact}#k={rec.secret}&r={rec.seal}"]
    assert str(rec.item.code) in doc.texts


def test_native_qr_carries_lookup_url(write_config, store, make_item, reader):
    cfg = configmod.load(write_config('[receipt]\nlookup_url = "https://minyi.example.gov.cn/q?c={code}"\n'))
    rec = make_item(TEXT)
    (qr,) = reader.read(item_receipt_bytes(rec, cfg)).qrcodes
    assert qr.data.decode() == f"https://minyi.example.gov.cn/q?c={rec.item.code.compact}#k={rec.secret}&r={rec.seal}"


@pytest.mark.skipif(not Path(DEFAULT_FONT).is_file(), reason=f"{DEFAULT_FONT} missing (apt fonts-wqy-microhei)")
def test_raster_mode_draws_chinese_and_keeps_ascii_text(write_config, store, make_item, reader):
    cfg = configmod.load(write_config('[receipt]\nencoding = "raster"\n'))
    rec = make_item(TEXT)
    doc = reader.read(item_receipt_bytes(rec, cfg))
    # No Chinese bytes at all: the printer needs no Chinese font.
    assert not any(line.chinese_mode for line in doc.lines)
    assert str(rec.item.code) in doc.texts
    (qr,) = doc.qrcodes
    assert qr.data == f"{rec.item.code.compact}#k={rec.secret}&r={rec.seal}".encode()
    pics = doc.pictures
    assert pics and all(p.width <= 384 for p in pics)
    # The first picture is the station name at double size; the second the title.
    name = reader.ink_bitmap(pics[0].image())
    assert reader.similarity(name, _render_expected(reader, "测试民意工作站", 48)) > 0.99
    title = reader.ink_bitmap(pics[1].image())
    assert reader.similarity(title, _render_expected(reader, "意见建议受理回执", 24)) > 0.99
    # … and it is not just any Chinese: a different text does not match.
    assert reader.similarity(title, _render_expected(reader, "请妥善保管此回执", 24)) < 0.9


@pytest.mark.skipif(not Path(DEFAULT_FONT).is_file(), reason=f"{DEFAULT_FONT} missing (apt fonts-wqy-microhei)")
def test_rare_name_character_falls_back_to_a_picture_for_that_line_only(cfg, make_item, reader):
    rec = make_item(TEXT, anonymous=False, name="张堃", phone="13900001111")
    doc = reader.read(item_receipt_bytes(rec, cfg))
    assert not any("张" in t for t in doc.texts)  # the name line is not text …
    (pic,) = doc.pictures                         # … it is the only picture
    assert reader.similarity(reader.ink_bitmap(pic.image()), _render_expected(reader, "姓名：张堃", 24)) > 0.99
    assert "电话：139****1111" in doc.texts       # the next line is text again
    assert "类别：交通出行" in doc.texts


def test_fallback_never_sends_gb18030_four_byte_sequences(write_config, store, make_item, reader):
    cfg = configmod.load(write_config('[receipt]\nraster_fallback = "never"\n'))
    rec = make_item(TEXT, anonymous=False, name="张𠀀", phone="13900001111")  # U+20000, 4 bytes in GB18030
    doc = reader.read(item_receipt_bytes(rec, cfg))
    assert "姓名：张𠀀" in doc.texts
    assert doc.pictures == []


def test_real_name_hidden_for_anonymous_items(cfg, make_item, reader):
    rec = make_item(TEXT, anonymous=True)
    # A record that (wrongly) carries a name and even an unmasked phone: an anonymous
    # item's receipt still prints neither.
    doc = reader.read(item_receipt_bytes(dataclasses.replace(rec, name="不该出现", masked_phone="13812341234"), cfg))
    assert "身份：匿名" in doc.texts
    assert "不该出现" not in doc.joined() and "1234" not in doc.joined().replace(str(rec.item.code), "")


def test_english_receipt_is_plain_ascii(cfg, make_item, reader):
    rec = make_item("The street light at the gate has been broken for three months.", lang="en")
    data = item_receipt_bytes(rec, cfg)
    doc = reader.read(data)
    assert "Category: Roads and transport" in doc.texts
    assert "Identity: anonymous" in doc.texts
    assert data.count(b"\x1c&") == 1  # only the (Chinese) station name needs Chinese mode
    assert any(t.startswith("The street light") for t in doc.texts)


@pytest.mark.skipif(not Path(DEFAULT_FONT).is_file(), reason=f"{DEFAULT_FONT} missing (apt fonts-wqy-microhei)")
@pytest.mark.parametrize("width", [58, 80])
def test_test_page_has_both_modes_a_qr_and_a_ruler(write_config, reader, width):
    cfg = configmod.load(write_config(f"[printer]\npaper_width_mm = {width}\n"))
    doc = reader.read(encode_layout(selftest_layout(cfg), cfg))
    cols = {58: 32, 80: 48}[width]
    ruler = "".join(str(i % 10) for i in range(1, cols + 1))
    assert ruler in doc.texts
    assert any(t.startswith("测试：中文、English") for t in doc.texts)    # GB18030 mode
    assert "光栅模式（图片）：" not in doc.texts                          # drawn, not text
    assert len(doc.pictures) >= 3
    assert all(p.width <= {58: 384, 80: 576}[width] for p in doc.pictures)
    (qr,) = doc.qrcodes
    assert qr.data == b"03710000000"
    assert doc.cuts == 1


def test_reader_rejects_raw_chinese_outside_chinese_mode(reader):
    # The reader is strict, so the passing tests above mean something.
    with pytest.raises(reader.ReadError):
        reader.read("回执\n".encode("gb18030"))
    with pytest.raises(reader.ReadError):
        reader.read(b"\x1b\x99")


def test_footer_and_hotline(write_config, store, make_item, reader):
    cfg = configmod.load(write_config('[receipt]\nfooter = ["开放时间：全天24小时", "地址：解放路5号"]\n'
                                      'hotline = "0371-12345"\ntext_lines = 0\n'))
    rec = make_item("不该打印的内容")
    doc = reader.read(item_receipt_bytes(rec, cfg))
    printed = [t for t in doc.texts if t]
    assert printed[-3:] == ["开放时间：全天24小时", "地址：解放路5号", "服务热线：0371-12345"]
    assert "内容：" not in doc.texts and "不该打印" not in doc.joined()  # text_lines = 0


def test_traditional_chinese_receipt_needs_gbk_or_pictures(write_config, store, make_item, reader):
    rec = make_item("繁體內容", lang="zh-TW", category="welfare")
    gbk = configmod.load(write_config('[receipt]\nraster_fallback = "outside_gbk"\n', name="gbk.toml"))
    doc = reader.read(item_receipt_bytes(rec, gbk))
    assert "類別：社會保障" in doc.texts and "身分：匿名" in doc.texts and "繁體內容" in doc.texts
    assert doc.pictures == []
    # With the default (GB2312) policy the traditional lines become pictures.
    default = configmod.load(write_config(name="default.toml"))
    doc = reader.read(item_receipt_bytes(rec, default))
    assert "類別：社會保障" not in doc.texts and len(doc.pictures) >= 5
    assert str(rec.item.code) in doc.texts


def test_no_cutter_feeds_instead(write_config, store, make_item, reader):
    cfg = configmod.load(write_config("[receipt]\ncut = false\n"))
    data = item_receipt_bytes(make_item(), cfg)
    doc = reader.read(data)
    assert doc.cuts == 0 and data.endswith(b"\n\n\n\n")
