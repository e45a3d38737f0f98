"""The touchscreen service menu: gesture -> PIN -> menu, lockout across a restart, timeout,
self-tests on the fake devices, retry of a quarantined item, export, exit."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from kivy.core.window import Window
from kivy.tests.common import UnitTestTouch

from kiosk import config as configmod

from kiosk.core import trackcode
from kiosk.maintenance import selftest
from kiosk.maintenance.pin import PinGuard
from kiosk.app.offscreen.harness import Harness
from kiosk.app.maintenance import controller
from ui_doubles import TestServices

PIN = "135790"
SAMPLE = Path(__file__).resolve().parents[2] / "assets" / "sounds" / "sample-zh.wav"


@pytest.fixture
def service_cfg(write_config, tmp_path):
    from kiosk.sync import bundle
    bundle.generate_keypair(tmp_path / "centre")
    (tmp_path / "usb").mkdir()
    return configmod.load(write_config(f'[sync]\ntoken = "s3cret-kiosk"\n'
                                       f'[service]\nidle_timeout_s = 30\nlog_units = []\n'
                                       f'bundle_public_key_file = "{tmp_path}/centre/bundle.pub"\n'
                                       f'export_dir = "{tmp_path}/usb"\n'))


def start_app(cfg):
    from kiosk.core.store import Store
    store = Store.open(cfg)
    services = TestServices(cfg, store, wav=SAMPLE)
    h = Harness(cfg, store, services)
    h.start()
    return h, store, services


@pytest.fixture
def app(service_cfg):
    h, store, services = start_app(service_cfg)
    PinGuard.from_config(service_cfg, store).set_pin(PIN)
    yield h, store, services
    h.stop()
    store.close()


def long_press_corner(h, seconds: float) -> None:
    touch = UnitTestTouch(10, Window.height - 10)
    touch.touch_down()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        h.pump(1)
        time.sleep(0.02)
    touch.touch_up()
    h.pump(2)


def enter_pin(h, pin: str) -> None:
    pad = h.screen("service-pin").ids.pad
    for d in pin:
        h.tap(h.find(pad, lambda w, d=d: getattr(w, "digit", None) == d))
    h.tap(pad.ids.ok)


def unlock(h):
    h.app.service_menu.open_pad()
    h.pump(2)
    enter_pin(h, PIN)
    h.wait(lambda: h.app.root.current == "service-status", what="the status page")


def test_gesture_then_pin_opens_the_menu_and_a_short_press_does_not(app):
    h, store, _ = app
    long_press_corner(h, 1.0)
    assert h.app.root.current == "home"
    long_press_corner(h, controller.HOLD_S + 0.3)
    assert h.app.root.current == "service-pin"
    enter_pin(h, PIN)
    h.wait(lambda: h.app.root.current == "service-status", what="the status page")
    page = h.screen("service-status")
    h.wait(lambda: "0371" in page.lines, what="the status figures")
    assert "service_pin_ok" in [e["kind"] for e in store.events(5)]
    h.tap(page.ids.nav.ids.leave)
    assert h.app.root.current == "home" and page.lines == ""


def test_five_wrong_pins_lock_the_pad_and_the_lock_survives_an_app_restart(app, service_cfg):
    h, store, services = app
    h.app.service_menu.open_pad()
    pad = h.screen("service-pin")
    for i in range(5):
        enter_pin(h, "000000")
        h.wait(lambda: not pad.busy, what="the PIN check")
    assert "锁定" in pad.message or "locked" in pad.message
    h.stop()
    store.close()
    h2, store2, _ = start_app(service_cfg)  # the app restarts (same data dir)
    try:
        h2.app.service_menu.open_pad()
        h2.pump(2)
        enter_pin(h2, PIN)
        page = h2.screen("service-pin")
        h2.wait(lambda: not page.busy and page.message, what="the locked message")
        assert h2.app.root.current == "service-pin"
        assert h2.app.t("service.pin_locked", wait="X").split("X")[0] in page.message
    finally:
        h2.stop()
        store2.close()
    # The fixture's teardown must not stop the first harness twice.
    h.stop = lambda: None
    store.close = lambda: None


def test_the_menu_times_out_to_home(app):
    h, _, _ = app
    unlock(h)
    clock = [1000.0]
    menu = h.app.service_menu
    menu.now = lambda: clock[0]
    menu.last_touch = clock[0]
    h.app.go("service-queue")
    h.wait(lambda: not h.screen("service-queue").busy, what="the queue")
    clock[0] += 29
    menu.tick()
    assert h.app.root.current == "service-queue"
    clock[0] += 2
    menu.tick()
    assert h.app.root.current == "home"


def test_each_self_test_on_the_fake_devices_records_its_result(app):
    h, store, services = app
    unlock(h)
    h.tap(h.screen("service-status").ids.nav.children[-2])  # the Self-tests tab
    page = h.screen("service-selftests")
    assert h.app.root.current == "service-selftests"
    for device in selftest.DEVICES:
        if device == "code_reader":
            def scan_soon():
                time.sleep(0.5)
                services.code_readers[-1].scan(str(trackcode.make("0371", 1)))
            import threading
            threading.Thread(target=scan_soon, daemon=True).start()
        h.tap(page.ids[f"row_{device}"].ids.run)   # id_card_reader: the fake's sample card
        h.wait(lambda: not page.busy, timeout=30, what=f"the {device} self-test")
        rec = selftest.last_result(store, device)
        assert rec is not None and rec["passed"], (device, rec)
        # the staff's language: the catalog's sentence for the result's reason code
        assert page.ids[f"row_{device}"].result.endswith(
            h.app.t(f"selftest.{rec['reason']}", **rec["params"])), (device, rec)
        if device in ("camera", "scanner"):
            assert page.ids.picture.texture is not None  # the picture (the found page) is shown
    assert selftest.last_result(store, "code_reader")["data"]["code"] == str(trackcode.make("0371", 1))
    # The ID card: its masked number and the name's length, never the name or the number.
    card = selftest.last_result(store, "id_card_reader")
    assert card["data"] == {"id_number": "**************0012", "name_chars": 2}
    assert "999999199003070012" not in json.dumps(card) and "张三" not in json.dumps(card)
    assert page.ids.row_id_card_reader.result.endswith("**************0012（姓名 2 个字）")
    events = [json.loads(e["data"])["device"] for e in store.events(20) if e["kind"] == "service_selftest"]
    assert sorted(events) == sorted(selftest.DEVICES)
    # A printer out of paper fails, and the page says so.
    services.devices.printer_ok = False
    h.tap(page.ids.row_printer.ids.run)
    h.wait(lambda: not page.busy, what="the printer self-test")
    assert not selftest.last_result(store, "printer")["passed"] and not page.ids.row_printer.passed


def test_retry_of_a_quarantined_item_from_the_queue_page(app, service_cfg):
    from kiosk.core.submission import submit
    h, store, _ = app
    item = submit(store, service_cfg, text="路灯坏了", source="text").item
    store.quarantine(item.id, "centre rejected the item: HTTP 422: bad manifest")
    unlock(h)
    h.app.go("service-queue")
    page = h.screen("service-queue")
    h.wait(lambda: not page.busy and page.ids.rows.children, what="the queue rows")
    row = page.ids.rows.children[-1]
    assert row.code == str(item.code) and "路灯" not in row.text
    assert "HTTP 422" in row.reason and row.ids.reason.verbatim, "the centre's reason, as it came"
    h.tap(row.ids.retry)
    h.wait(lambda: not page.busy, what="the refreshed queue")
    assert store.get_item(item.id).delivery == "pending"
    assert str(item.code) in page.message


def test_export_to_the_usb_dir_with_progress(app, service_cfg, tmp_path):
    from kiosk.core.submission import submit
    h, store, _ = app
    for i in range(3):
        submit(store, service_cfg, text=f"事项 {i}", source="text")
    unlock(h)
    h.app.go("service-export")
    page = h.screen("service-export")
    assert page.targets == [str(tmp_path / "usb")]
    h.tap(page.ids.start)
    h.wait(lambda: not page.busy, what="the export")
    assert page.progress == 1.0 and "3" in page.message
    assert len(list((tmp_path / "usb").glob("*.minyi-bundle"))) == 1


def test_exit_to_the_system_stops_the_app_with_its_exit_code(app, monkeypatch):
    h, store, _ = app
    unlock(h)
    h.app.go("service-system")
    stopped = []
    # App.stop() would close the one per-process test window: record the call instead.
    monkeypatch.setattr(h.app, "stop", lambda *a: stopped.append(True))
    h.tap(h.screen("service-system").ids.exit)
    assert stopped == [True] and h.app.exit_code == controller.EXIT_TO_SYSTEM
    assert store.events(1)[0]["kind"] == "service_exit"


def test_config_page_masks_secrets_and_a_bad_file_is_refused_keeping_the_running_config(app, tmp_path):
    h, _, _ = app
    unlock(h)
    h.app.go("service-config")
    page = h.screen("service-config")
    assert "s3cret" not in page.text and "••••••" in page.text and "idle_timeout_s" in page.text
    bad = tmp_path / "edited.toml"
    bad.write_text("[service]\nidle_timeout_s = 5\n")
    h.app.service_actions.config_path = bad
    running = h.app.cfg
    h.tap(page.ids.reload)
    assert page.message == h.app.t("service.reload_refused") and h.app.cfg is running
    assert "service.idle_timeout_s" in page.detail, "the loader's own words, under the message"
    bad.write_text("[service]\nidle_timeout_s = 60\n")
    h.tap(page.ids.reload)
    assert page.message == h.app.t("service.reload_ok") and page.detail == str(bad) and h.app.cfg is running


def test_reprint_by_code_prints_with_a_new_secret_and_retires_the_old_one(app, service_cfg):
    from kiosk.core.submission import submit
    h, store, services = app
    from kiosk.core.itemsecret import secret_matches
    sub = submit(store, service_cfg, text="路灯坏了", source="text")
    item, old_secret = sub.item, sub.secret
    assert old_secret and secret_matches(store, item.id, old_secret)
    unlock(h)
    h.app.go("service-system")
    page = h.screen("service-system")
    before = len(services.printer_output)
    for d in item.code.compact:
        h.tap(h.find(page.ids.pad, lambda w, d=d: getattr(w, "digit", None) == d))
    h.tap(page.ids.pad.ids.ok)
    h.wait(lambda: not page.busy, what="the reprint")
    assert str(item.code) in page.message and len(services.printer_output) > before
    assert secret_matches(store, item.id, old_secret) is False
    assert old_secret not in page.message
