"""刷身份证 on the identity screen, with real touches, through the driver's fake reader (the
real protocol code over a fake serial port, drivers/idcard_fake.py): a card fills the
name and only its last 4 digits are shown, stored encrypted, printed masked; a card taken
away mid-read says so and typing still works; no reader, no button; a broken reader
disables only the button; a read that outlives the session is dropped."""

from __future__ import annotations

import pytest

from drivers.idcard_fake import SAMPLE_CARD
from drivers.idcard_frames import READ_BASE, SELECT_CARD
from kiosk.app.offscreen.harness import Harness
from kiosk.app.services import idcard as idcard_service
from ui_doubles import TestServices, type_latin

NUMBER = SAMPLE_CARD.id_number
MASKED = "**************0012"


@pytest.fixture
def start(cfg, store):
    running = []

    def start(**kw):
        services = TestServices(cfg, store, **kw)
        h = Harness(cfg, store, services)
        h.start()
        running.append(h)
        return h, services
    yield start
    for h in running:
        h.stop()


def to_identity(h):
    """Home → write one word → finish → 实名 → the identity screen."""
    h.tap(h.screen("home").ids.write)
    type_latin(h, h.screen("write").ids.kb, "deng")
    h.tap(h.screen("write").ids.done)
    h.tap(h.screen("finish").ids.real_name)
    assert h.app.root.current == "identity"
    return h.screen("identity")


def card_offered(h, ident):
    h.wait(lambda: ident.card_state != "hidden", what="the 刷身份证 button")
    return ident.ids.card_button


def shown_texts(h, screen) -> list[str]:
    return [w.text for w in screen.walk(restrict=True) if isinstance(getattr(w, "text", None), str)]


def test_ui_a_card_fills_the_name_and_only_its_last_4_are_shown_stored_and_printed(start, store):
    h, services = start()
    ident = to_identity(h)
    button = card_offered(h, ident)
    assert button.parent is ident.ids.field_row.__self__ and button.text == h.app.t("identity.swipe_card")
    h.tap(button)
    h.wait(lambda: ident.name_text == "张三", what="the name from the card")
    assert ident.ids.card_number.text == h.app.t("identity.id_number") + "：" + MASKED
    assert ident.field == "phone" and ident.ids.notice.text == h.app.t("identity.card_done")
    assert not any(NUMBER in t or NUMBER[:14] in t for t in shown_texts(h, ident))
    h.type(ident.ids.pad, "13800138000")
    h.tap(ident.ids.confirm)
    finish = h.screen("finish")
    assert h.app.root.current == "finish" and "0012" in finish.ids.summary.text
    assert NUMBER not in finish.ids.summary.text
    h.tap(finish.ids.submit)
    done = h.screen("done")
    h.wait(lambda: h.app.root.current == "done" and not done.pending, what="the done screen")
    item = store.find_by_code(done.ids.code.text, with_pii=True)
    assert (item.name, item.phone, item.id_number) == ("张三", "13800138000", NUMBER)
    out = services.printer_output
    assert NUMBER.encode() not in out and "0012".encode("gb18030") in out
    assert h.app.session.id_card is None   # the session after the item is a new one


def test_ui_a_card_taken_away_mid_read_says_so_and_typing_still_works(start, store):
    h, services = start()
    ident = to_identity(h)
    h.tap(card_offered(h, ident))
    h.wait(lambda: ident.name_text == "张三", what="the first card")
    # The next card leaves the reader as the read command reaches it.
    reader = services.id_card_readers[-1]
    reader.emulator.place()
    reader.emulator.remove_on(READ_BASE)
    h.tap(ident.ids.name_field)
    for _ in "张三":
        ident.delete()                     # typing the name drops the card read before
    assert ident.masked_id == "" and ident.ids.card_number.text == ""
    h.tap(ident.ids.card_button)
    h.wait(lambda: ident.ids.notice.text == h.app.t("identity.card_removed"), what="the removed message")
    assert ident.name_text == "" and ident.card_state == "ready" and not ident.ids.card_button.disabled
    type_latin(h, ident.ids.kb, "li")
    h.tap(ident.ids.phone_field)
    h.type(ident.ids.pad, "13800138000")
    h.tap(ident.ids.confirm)
    assert h.app.root.current == "finish" and h.app.session.id_card is None


def test_ui_no_card_in_time_and_a_faulty_line(start, monkeypatch):
    monkeypatch.setattr(idcard_service, "READ_TIMEOUT_S", 0.6)
    h, services = start()
    ident = to_identity(h)
    button = card_offered(h, ident)
    reader = services.id_card_readers[-1]
    reader.emulator.remove()
    h.tap(button)
    assert ident.card_state == "reading" and ident.ids.notice.text == h.app.t("identity.card_wait")
    h.wait(lambda: ident.ids.notice.text == h.app.t("identity.card_no_card"), what="no card in time")
    reader.emulator.place()
    for _ in range(idcard_service.FAULTS_IN_A_ROW):
        reader.emulator.fault("checksum", SELECT_CARD)
    monkeypatch.setattr(idcard_service, "READ_TIMEOUT_S", 10)
    h.tap(button)
    h.wait(lambda: ident.ids.notice.text == h.app.t("identity.card_fault"), what="the reader fault")
    assert ident.name_text == "" and ident.card_state == "ready"


def test_ui_no_reader_no_button(start):
    h, services = start(id_card="none")
    ident = to_identity(h)
    h.pump(10)
    assert ident.card_state == "hidden" and ident.ids.card_button.parent is None
    assert ident.ids.notice.text == ""
    assert h.app.t("identity.swipe_card") not in shown_texts(h, ident)


def test_ui_a_broken_reader_disables_only_its_button(start):
    h, services = start(id_card="absent")
    ident = to_identity(h)
    h.wait(lambda: ident.card_state == "off", what="the reader to fail")
    assert ident.ids.card_button.parent is ident.ids.field_row.__self__ and ident.ids.card_button.disabled
    assert ident.ids.notice.text == h.app.t("identity.reader_off")
    assert not ident.ids.name_field.disabled and not ident.ids.confirm.disabled
    type_latin(h, ident.ids.kb, "li")
    assert ident.name_text == "li"


def test_ui_unplugged_during_the_screen_turns_the_button_off(start):
    h, services = start()
    ident = to_identity(h)
    button = card_offered(h, ident)
    services.id_card_readers[-1].unplug()
    h.tap(button)
    h.wait(lambda: ident.card_state == "off", what="the unplugged reader")
    assert ident.ids.notice.text == h.app.t("identity.reader_off") and button.disabled


def test_ui_a_card_read_for_a_wiped_session_is_dropped(start, monkeypatch):
    h, services = start()
    ident = to_identity(h)
    button = card_offered(h, ident)
    reader = services.id_card_readers[-1]
    reader.emulator.remove()
    h.tap(button)
    token = ident._reader_token
    h.app.reset_session()                  # idle: the next resident arrives
    assert not token.current and ident.card_state == "hidden"
    reader.emulator.place()
    h.pump(30)
    assert ident.name_text == "" and h.app.session.id_card is None and ident.masked_id == ""
    # The read ended when the reader was closed; its answer (the reader gone) was dropped too.
    assert ident.card_state == "hidden" and ident.ids.notice.text == ""
