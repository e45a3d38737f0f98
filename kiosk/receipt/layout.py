"""What a receipt says, line by line, already wrapped to the paper. Pure: no I/O.

A :class:`Layout` is a list of elements (:class:`Text`, :class:`QR`, :class:`Feed`,
:class:`Cut`) plus the paper's columns and dots; an encoder (``kiosk.receipt.encode``)
turns it into ESC/POS bytes. Every :class:`Text` line fits the paper: its display width
times its size is at most ``columns`` (see ``kiosk.receipt.wrap`` for the width rule).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kiosk.core import clock
from kiosk.core.pii import mask_id_number, mask_phone  # re-exported: the receipt's masking is the core's
from kiosk.receipt.wrap import display_width, truncate, wrap

ALIGNS = ("left", "center", "right")


@dataclass(frozen=True)
class Text:
    """One printed line. ``size`` 2 = double width and height; ``raster`` forces a picture."""

    text: str
    align: str = "left"
    size: int = 1
    bold: bool = False
    raster: bool = False


@dataclass(frozen=True)
class QR:
    """A QR code carrying *data*, centred."""

    data: str


@dataclass(frozen=True)
class Feed:
    """Blank lines."""

    lines: int = 1


@dataclass(frozen=True)
class Cut:
    """Feed past the cutter and cut."""


@dataclass(frozen=True)
class Layout:
    """A receipt ready to encode."""

    columns: int
    dots: int
    elements: tuple = field(default_factory=tuple)

    def lines(self) -> list[str]:
        """The text lines, for previews and tests (QR codes shown as ``[QR …]``)."""
        out = []
        for el in self.elements:
            if isinstance(el, Text):
                out.append(el.text)
            elif isinstance(el, QR):
                out.append(f"[QR {el.data}]")
            elif isinstance(el, Feed):
                out.extend([""] * el.lines)
        return out


LABELS = {
    "zh-CN": dict(title="意见建议受理回执", time="时间", untrusted="（时间未校准）", code="跟踪码", secret="查询密码",
                  scan="扫码查询办理进度", category="类别", representative="代表", not_sure="未选择", identity="身份",
                  anonymous="匿名", real_name="实名", name="姓名", phone="电话", id_number="身份证", content="内容",
                  no_text="（无文字内容，见录音或图片）",
                  keep="请妥善保管此回执，凭跟踪码查询办理进度，凭跟踪码和查询密码（或扫码）查看答复。", hotline="服务热线",
                  reprint="（补打）", test_title="打印机测试页"),
    "zh-TW": dict(title="意見建議受理回執", time="時間", untrusted="（時間未校準）", code="追蹤碼", secret="查詢密碼",
                  scan="掃碼查詢辦理進度", category="類別", representative="代表", not_sure="未選擇", identity="身分",
                  anonymous="匿名", real_name="實名", name="姓名", phone="電話", id_number="身分證", content="內容",
                  no_text="（無文字內容，見錄音或圖片）",
                  keep="請妥善保管此回執，憑追蹤碼查詢辦理進度，憑追蹤碼和查詢密碼（或掃碼）查看答覆。", hotline="服務熱線",
                  reprint="（補打）", test_title="打印機測試頁"),
    "en": dict(title="Receipt for your submission", time="Time", untrusted=" (clock not verified)",
               code="Tracking code", secret="Reply PIN", scan="Scan to follow up", category="Category", representative="Representative",
               not_sure="not chosen", identity="Identity", anonymous="anonymous",
               real_name="real name", name="Name", phone="Phone", id_number="ID card", content="Text",
               no_text="(no text: see the recording or photos)",
               keep="Keep this receipt. The tracking code shows the progress; the reply needs "
                    "the code and the reply PIN (or the QR code).", hotline="Hotline", reprint=" (reprint)",
               test_title="Printer test page"),
}


def labels(lang: str) -> dict:
    """The receipt's words in *lang* (Simplified Chinese when unknown)."""
    return LABELS.get(lang, LABELS["zh-CN"])


def _colon(lang: str) -> str:
    return ": " if lang == "en" else "："


def local_time(created_at: str, tz: str) -> str:
    """UTC ISO time → ``YYYY-MM-DD HH:MM`` in the station's time zone."""
    from zoneinfo import ZoneInfo
    try:
        t = clock.parse_utc(created_at)
    except ValueError:
        return str(created_at or "")
    return t.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")


class _Builder:
    def __init__(self, columns: int, dots: int):
        self.columns, self.dots, self.out = columns, dots, []

    def text(self, text: str, *, align="left", size=1, bold=False, raster=False):
        """Wrap *text* for *size* and add its lines."""
        for line in wrap(text, self.columns // size):
            self.out.append(Text(line, align, size, bold, raster))

    def big(self, text: str, *, bold=True):
        """Centred double size when it fits on one line, else normal size."""
        size = 2 if display_width(text) * 2 <= self.columns else 1
        self.text(text, align="center", size=size, bold=bold)

    def rule(self, ch: str = "-"):
        self.out.append(Text(ch * self.columns))

    def layout(self) -> Layout:
        return Layout(self.columns, self.dots, tuple(self.out))


def item_receipt(*, code: str, code_compact: str, created_at: str, clock_trusted: bool,
                 category_name: str | None, anonymous: bool, text: str, lang: str,
                 station_name: str, columns: int, dots: int, qr_data: str,
                 name: str | None = None, phone: str | None = None, id_number: str | None = None,
                 text_lines: int = 3,
                 timezone_name: str = "Asia/Shanghai", footer: tuple = (), hotline: str = "",
                 cut: bool = True, reprint: bool = False, secret: str | None = None,
                 representative: str | None = None) -> Layout:
    """The receipt for one stored item (see ``kiosk.receipt.printing`` for the Item glue).

    *representative* is the name of the representative the item addresses (None: nobody
    in particular, and no line is printed).

    *secret* is the item's receipt secret (kiosk/core/itemsecret.py), printed under the code;
    *qr_data* must already carry it (``ReceiptSettings.qr_payload``). None only for an
    item that never had one. *id_number* is printed masked (its last 4 characters) whatever
    is passed.
    """
    L, c = labels(lang), _colon(lang)
    b = _Builder(columns, dots)
    b.big(station_name)
    b.text(L["title"] + (L["reprint"] if reprint else ""), align="center")
    b.rule()
    when = local_time(created_at, timezone_name)
    line, mark = f"{L['time']}{c}{when}", "" if clock_trusted else L["untrusted"]
    if display_width(line + mark) <= columns:
        b.text(line + mark)
    else:  # keep the date whole; the mark goes on its own line
        b.text(line)
        b.text(mark.strip())
    b.text(L["code"] + c.strip(), align="center")
    b.big(code)
    if secret is not None:
        b.text(L["secret"] + c.strip(), align="center")
        b.big(" ".join((secret[:3], secret[3:])))   # grouped, as the number pad shows it
    b.out.append(QR(qr_data))
    b.text(L["scan"], align="center")
    b.rule()
    b.text(f"{L['category']}{c}{category_name or L['not_sure']}")
    if representative:
        b.text(f"{L['representative']}{c}{representative}")
    _add_identity(b, L, c, anonymous=anonymous, name=name, phone=phone, id_number=id_number)
    if text_lines:
        _add_excerpt(b, L, c, text, text_lines)
    b.rule()
    b.text(L["keep"])
    for line in footer:
        b.text(line, align="center")
    if hotline:
        b.text(f"{L['hotline']}{c}{hotline}", align="center")
    if cut:
        b.out.append(Cut())
    else:
        b.out.append(Feed(4))
    return b.layout()


def _add_identity(b: _Builder, L: dict, c: str, *, anonymous: bool, name: str | None,
                 phone: str | None, id_number: str | None = None) -> None:
    """The identity lines: anonymous, or real name with the name, the masked phone and
    (read from the ID card) the masked ID number."""
    if anonymous:
        b.text(f"{L['identity']}{c}{L['anonymous']}")
        return
    b.text(f"{L['identity']}{c}{L['real_name']}")
    if name:
        b.text(f"{L['name']}{c}{name}")
    if phone:
        b.text(f"{L['phone']}{c}{mask_phone(phone)}")
    if id_number:
        b.text(f"{L['id_number']}{c}{mask_id_number(id_number)}")


def _add_excerpt(b: _Builder, L: dict, c: str, text: str, text_lines: int) -> None:
    """The first *text_lines* lines of the resident's text (the last one marked when cut),
    or the "no text" line."""
    b.text(f"{L['content']}{c}")
    body = [ln for ln in wrap(text.strip(), b.columns) if ln.strip()] if text.strip() else []
    if not body:
        b.text(L["no_text"])
        return
    shown = body[:text_lines]
    if len(body) > text_lines:
        shown[-1] = truncate(shown[-1], b.columns)
    for ln in shown:
        b.out.append(Text(ln))


TEST_SAMPLE = "测试：中文、English 与全角标点（，。！？）混排，Wrap 12345678901234567890。"
RARE_SAMPLE = "生僻字：堃、喆、昇、赟"


def selftest_page(*, station_name: str, station_number: str, columns: int, dots: int,
              paper_mm: int, encoding: str, qr_data: str, cut: bool = True) -> Layout:
    """A page that shows the printer works: both text modes, a QR code, a column ruler."""
    b = _Builder(columns, dots)
    b.big(LABELS["zh-CN"]["test_title"])
    b.text(f"{station_name} ({station_number})", align="center")
    b.text(f"paper {paper_mm} mm, {dots} dots, {columns} columns; encoding {encoding}")
    b.rule("=")
    digits = "".join(str(i % 10) for i in range(1, columns + 1))
    b.out.append(Text(digits))
    tens = "".join(str((i // 10) % 10) if i % 10 == 0 else " " for i in range(1, columns + 1))
    b.out.append(Text(tens.rstrip()))
    b.out.append(Text("一二三四五六七八九十" * (columns // 20) + "一二三四五六七八九十"[:(columns // 2) % 10]))
    b.rule()
    b.text("GB18030 文字模式：")
    b.text(TEST_SAMPLE)
    b.text(RARE_SAMPLE)
    b.rule()
    b.text("光栅模式（图片）：", raster=True)
    b.text(TEST_SAMPLE, raster=True)
    b.text(RARE_SAMPLE, raster=True)
    b.rule()
    b.text("QR:", align="center")
    b.out.append(QR(qr_data))
    b.text(qr_data, align="center")
    b.big("OK")
    b.out.append(Cut() if cut else Feed(4))
    return b.layout()
