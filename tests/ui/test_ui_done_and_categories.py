"""The done screen tells the three print outcomes apart; the finish screen offers the
categories valid now (the centre's once applied) and the receipt names the chosen one."""

from __future__ import annotations

import json

import pytest

from kiosk.core import station_config
from kiosk.app.offscreen.harness import Harness
from ui_doubles import TestServices, type_latin


def write_and_finish(h, letters: str = "abc") -> None:
    h.tap(h.screen("home").ids.write)
    type_latin(h, h.screen("write").ids.kb, letters)
    h.tap(h.screen("write").ids.done)
    assert h.app.root.current == "finish"


def submit_and_wait(h) -> str:
    h.tap(h.screen("finish").ids.submit)
    done = h.screen("done")
    h.wait(lambda: h.app.root.current == "done" and not done.pending, what="the done screen with a code")
    return done.ids.code.text


@pytest.mark.parametrize("printer, key", [({}, "done.printed"),
                                          ({"printer_silent": True}, "done.sent_unconfirmed"),
                                          ({"printer_ok": False}, "done.printer_problem")])
def test_ui_done_screen_tells_printed_unconfirmed_and_problem_apart(cfg, store, printer, key):
    h = Harness(cfg, store, TestServices(cfg, store, **printer))
    h.start()
    try:
        write_and_finish(h)
        code = submit_and_wait(h)
        assert h.screen("done").ids.printed.text == h.app.t(key)
        assert store.find_by_code(code) is not None
    finally:
        h.stop()


@pytest.mark.parametrize("printer", [{"printer_silent": True}, {"printer_ok": False}])
def test_ui_without_a_printed_receipt_code_and_secret_are_large_and_the_notice_names_both(cfg, store, printer):
    """docs/ui.md "The printer-fault notice": it once asked for "this number" only, in the
    smallest type on the screen, though the answer also needs the 6-digit secret."""
    from kiosk.app import theme
    from kiosk.app.offscreen.widgettree import visible_widgets
    from kivy.uix.label import Label
    h = Harness(cfg, store, TestServices(cfg, store, **printer))
    h.start()
    try:
        write_and_finish(h)
        code = submit_and_wait(h)
        done = h.screen("done")
        secret = done.ids.secret.text.split()[-2:]
        assert done.note_down and len("".join(secret)) == 6 and "".join(secret).isdigit()
        notice = done.ids.printed
        assert "查询号" in notice.text and "查询密码" in notice.text, notice.text
        assert done.ids.code.text == code and done.ids.code.font_size >= 112
        assert done.ids.secret.font_size >= 80 and notice.font_size >= theme.NOTE and notice.bold
        others = [w.font_size for w in visible_widgets(done) if isinstance(w, Label) and w.text.strip()
                  and w not in (done.ids.code, done.ids.secret, notice)]
        assert notice.font_size > min(others) and notice.font_size > theme.BODY, "no longer the smallest type"
    finally:
        h.stop()


def test_ui_finish_offers_the_centres_categories_and_the_receipt_names_the_choice(cfg, store, escpos_reader):
    doc = {"version": "3", "categories": [{"id": "roads", "names": {"zh-CN": "道路桥梁", "en": "Roads"}},
                                          {"id": "other", "names": {"zh-CN": "其他"}}]}
    station_config.apply(store, json.dumps(doc, ensure_ascii=False).encode(), '"v3"')
    services = TestServices(cfg, store)
    h = Harness(cfg, store, services)
    h.start()
    try:
        write_and_finish(h)
        grid = h.screen("finish").ids.categories
        labels = [b.text for b in reversed(grid.children)]
        assert labels == ["道路桥梁", "其他", h.app.t("finish.not_sure")]
        h.tap(h.find(grid, lambda w: getattr(w, "text", "") == "道路桥梁"))
        code = submit_and_wait(h)
    finally:
        h.stop()
    assert store.find_by_code(code).category == "roads"
    texts = escpos_reader.read(services.printer_output).texts
    assert any("道路桥梁" in t for t in texts), texts
