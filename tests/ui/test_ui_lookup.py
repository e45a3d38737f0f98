"""Coming back with the receipt: type (or scan) the number, read the answer, rate it."""

from __future__ import annotations

from kiosk import trackcode
from kiosk.submission import submit

REPLY = "路灯已于11月20日修复，感谢您的反映。"


def _replied_item(store, cfg):
    item = submit(store, cfg, text="东门路灯坏了", category="urban", anonymous=False,
                  name="王秀英", phone="13812345678")
    store.record_status(item.id, "replied", REPLY, "2026-11-20T02:00:00+00:00")
    return item


def _type_code(h, code: str):
    lookup = h.screen("lookup")
    for ch in code:
        h.tap(h.find(lookup.ids.pad, lambda w: getattr(w, "value", None) == ch))
    h.tap(lookup.ids.confirm)


def test_ui_type_the_receipt_number_read_the_answer_and_rate_it(harness, store, cfg):
    item = _replied_item(store, cfg)
    h = harness
    h.tap(h.screen("home").ids.lookup)
    assert h.app.root.current == "lookup"
    _type_code(h, str(item.code))
    h.wait(lambda: h.app.root.current == "answer", what="the answer screen")
    answer = h.screen("answer")
    assert answer.ids.code.text == str(item.code)
    assert REPLY in answer.ids.reply.text and answer.ids.state.text == h.app.t("state.replied")
    shown = " ".join(str(getattr(w, "text", "")) for w in answer.walk())
    assert "东门路灯坏了" not in shown and "王秀英" not in shown and "1381234" not in shown
    h.tap(answer.ids.basically_satisfied)
    h.wait(lambda: answer.answer.rating is not None, what="the rating to be saved")
    assert store.rating_of(item.id) == "basically_satisfied"
    assert answer.ids.notice.text == h.app.t("answer.thanks")
    assert answer.ids.ratings.disabled and answer.ids.ratings.opacity == 0
    h.tap(answer.ids.finish)
    assert h.app.root.current == "home" and answer.answer is None


def test_ui_lookup_typo_unknown_other_station_and_not_answered(harness, store, cfg):
    h = harness
    pending = submit(store, cfg, text="噪音")
    h.tap(h.screen("home").ids.lookup)
    lookup = h.screen("lookup")
    digits = pending.code.compact
    typo = digits[:-2] + str((int(digits[-2]) + 1) % 10) + digits[-1]
    cases = [(typo, "lookup.check_digit", {}),
             (str(trackcode.make(store.station, 777)), "lookup.not_found", {}),
             (str(trackcode.make("0999", 5)), "lookup.other_station", {"station": "0999"}),
             ("12", "lookup.bad_code", {})]
    for code, key, fmt in cases:
        lookup.code_text = ""
        _type_code(h, code)
        h.wait(lambda: not lookup.checking, what="the lookup")
        assert lookup.ids.notice.text == h.app.t(key, **fmt), code
        assert h.app.root.current == "lookup"
    lookup.code_text = ""
    _type_code(h, str(pending.code))
    h.wait(lambda: h.app.root.current == "answer", what="the answer screen")
    answer = h.screen("answer")
    assert answer.ids.reply.text == h.app.t("answer.no_reply_yet")
    assert answer.ids.rating_state.text == h.app.t("answer.rate_later")
    assert answer.ids.ratings.disabled


def test_ui_idle_wipes_the_answer_screen(harness, store, cfg):
    item = _replied_item(store, cfg)
    h = harness
    h.tap(h.screen("home").ids.lookup)
    _type_code(h, str(item.code))
    h.wait(lambda: h.app.root.current == "answer", what="the answer screen")
    h.app.reset_session()                   # what the idle countdown ends with
    texts = [str(getattr(w, "text", "")) for s in h.app.root.screens for w in s.walk()]
    assert not any(REPLY in t or str(item.code) in t for t in texts)
    assert h.screen("lookup").code_text == ""


def test_ui_scan_the_receipt_qr_code_opens_the_answer(harness, services, store, cfg):
    """The code reader listens while the lookup screen is shown: scanning the receipt's
    QR payload (here the compact code, as printed without a lookup URL) opens the answer;
    a QR code that is not a receipt says so; an unplugged reader leaves typing."""
    item = _replied_item(store, cfg)
    h = harness
    h.tap(h.screen("home").ids.lookup)
    lookup = h.screen("lookup")
    assert lookup.scanning and lookup.ids.hint.text == h.app.t("lookup.hint_scan")
    reader = services.code_readers[-1]
    reader.scan("https://weixin.qq.com/r/not-a-receipt")
    h.wait(lambda: lookup.ids.notice.text == h.app.t("lookup.scan_unreadable"), what="the unreadable notice")
    reader.scan(item.code.compact)
    h.wait(lambda: h.app.root.current == "answer", what="the answer screen after a scan")
    assert REPLY in h.screen("answer").ids.reply.text
    assert lookup.feed is None, "the reader stops listening when the screen is left"

    h.tap(h.screen("answer").ids.finish)
    h.tap(h.screen("home").ids.lookup)
    services.code_readers[-1].unplug()
    h.wait(lambda: not lookup.scanning, what="the reader to be reported gone")
    assert lookup.ids.hint.text == h.app.t("lookup.hint_type")
    assert '"error"' in store.get_meta("device.code_reader")
