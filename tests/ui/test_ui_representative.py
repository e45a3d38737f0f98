"""Addressing a representative on the real app (offscreen window, real taps): from the
finish screen and from the public screens, picked from the list (on duty first, then by
sector) or scanned through the code reader's fake serial port; a code that is no
representative's changes nothing; the stored item and its printed receipt carry the choice."""

from __future__ import annotations

import json

import pytest

from kiosk.app.offscreen.harness import Harness
from kiosk.core import station_config
from ui_doubles import TestServices, type_latin

DOC = {"version": "reps", "categories": [{"id": "roads", "names": {"zh-CN": "道路"}}],
       "representatives": [
           {"id": "r1", "name": "李明华", "title": "市人大代表", "sector": "工人", "on_duty": True, "qr": "REP-1"},
           {"id": "r2", "name": "王秀英", "sector": "教育", "qr": "https://centre.example/rep/r2"},
           {"id": "r3", "name": "赵建国", "sector": "工人"}]}


@pytest.fixture
def app(cfg, store, escpos_reader):
    station_config.apply(store, json.dumps(DOC, ensure_ascii=False).encode(), '"reps"')
    services = TestServices(cfg, store)
    h = Harness(cfg, store, services)
    h.start()
    yield h, services
    h.stop()


def texts(screen) -> list[str]:
    return [str(getattr(w, "text", "")) for w in screen.walk(restrict=True) if getattr(w, "text", "")]


def button(h, screen, text: str):
    return h.find(screen, lambda w: type(w).__name__ == "KButton" and getattr(w, "text", "") == text)


def write_and_finish(h) -> None:
    h.tap(h.screen("home").ids.write)
    type_latin(h, h.screen("write").ids.kb, "abc")
    h.tap(h.screen("write").ids.done)
    assert h.app.root.current == "finish"


def submit_and_wait(h) -> str:
    h.tap(h.screen("finish").ids.submit)
    done = h.screen("done")
    h.wait(lambda: h.app.root.current == "done" and not done.pending, what="the done screen with a code")
    return done.ids.code.text


def test_ui_finish_address_by_list_and_by_scan(app, store, escpos_reader):
    h, services = app
    t = h.app.t
    write_and_finish(h)
    finish = h.screen("finish")
    assert finish.ids.representative.text == t("finish.representative_choose")
    h.tap(finish.ids.representative)
    address = h.screen("address")
    assert h.app.root.current == "address" and address.scanning
    assert address.ids.hint.text == t("address.hint_scan")
    shown = texts(address.ids.rows)
    # On duty first (any sector), then the others by sector, in the order the centre lists them.
    assert shown == [t("address.on_duty"), "李明华　市人大代表", t("address.sector", sector="教育"), "王秀英",
                     t("address.sector", sector="工人"), "赵建国"], shown
    assert address.ids.nobody.text == t("address.nobody") and address.ids.nobody.selected

    h.tap(button(h, address.ids.rows, "赵建国"))
    assert h.app.root.current == "finish"
    assert finish.ids.representative.text == t("finish.representative_chosen", name="赵建国")
    assert t("finish.summary_representative", name="赵建国") in finish.ids.summary.text

    h.tap(finish.ids.representative)
    reader = services.code_readers[-1]
    reader.scan("03710000457#k=482913")              # a receipt, not a representative's code
    h.wait(lambda: address.ids.notice.text == t("address.not_a_representative"), what="the not-ours notice")
    assert h.app.root.current == "address" and h.app.session.representative_id == "r3", "nothing changed"
    reader.scan("https://centre.example/rep/r2")
    h.wait(lambda: h.app.root.current == "finish", what="the finish screen after the scan")
    assert finish.ids.representative.text == t("finish.representative_chosen", name="王秀英")
    assert address.feed is None, "the reader stops listening when the screen is left"

    code = submit_and_wait(h)
    item = store.find_by_code(code)
    assert (item.representative_id, item.representative_name) == ("r2", "王秀英")
    assert "代表：王秀英" in escpos_reader.read(services.printer_output).texts
    assert h.app.session.representative_id is None, "the next resident addresses nobody"


def test_ui_address_from_the_representatives_screen_starts_a_matter_for_them(app, store):
    h, services = app
    t = h.app.t
    h.tap(h.screen("home").ids.representatives)
    h.tap(h.screen("representatives").ids.address)
    address = h.screen("address")
    assert h.app.root.current == "address" and address.return_to == "home"
    h.tap(button(h, address.ids.rows, "李明华　市人大代表"))
    assert h.app.root.current == "home"
    assert h.screen("home").ids.notice.text == t("address.chosen_home", name="李明华")
    write_and_finish(h)                        # the chosen representative goes with the new matter
    assert h.screen("finish").ids.representative.text == t("finish.representative_chosen", name="李明华")
    h.tap(h.screen("finish").ids.representative)
    h.tap(address.ids.nobody)
    assert h.screen("finish").ids.representative.text == t("finish.representative_choose")
    code = submit_and_wait(h)
    assert store.find_by_code(code).representative_id is None


def test_ui_the_board_screen_offers_the_address_screen_and_idle_forgets_the_choice(app):
    h, services = app
    h.tap(h.screen("home").ids.board)
    h.tap(h.screen("board").ids.address)
    assert h.app.root.current == "address"
    h.tap(button(h, h.screen("address").ids.rows, "王秀英"))
    assert h.app.session.representative_id == "r2" and not h.app.session.is_empty()
    h.app.reset_session()                      # what the idle timer does after its warning
    assert h.app.session.representative_id is None
    h.tap(h.screen("home").ids.write)
    assert h.app.session.representative_id is None, "a wiped choice never reaches the next resident"
