"""Self-tests on the fake devices: each records pass/fail, the next heartbeat reports it."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np

from drivers.camera import FakeCamera
from drivers.codereader import FakeCodeReader
from drivers.microphone import WavMicrophone, encode_wav
from drivers.printer import FakePrinter
from kiosk import config as configmod
from kiosk.maintenance import selftest

SAMPLE = Path(__file__).resolve().parents[2] / "assets" / "sounds" / "sample-zh.wav"


def test_printer_pass_prints_a_real_test_page_and_fails_without_paper(cfg, store):
    p = FakePrinter()
    r = selftest.record(store, selftest.test_printer(cfg, p))
    assert r.passed and r.data["paper"] == "ok" and r.data["cover_open"] is False
    assert len(p.output) > 1000 and b"\x1dV" in p.output  # a whole page, cut at the end
    r = selftest.test_printer(cfg, FakePrinter(paper_out=True))
    assert not r.passed and "out of paper" in r.detail
    r = selftest.test_printer(cfg, FakePrinter(offline=True))
    assert not r.passed and "cover open" in r.detail and r.data["cover_open"] is True
    assert selftest.last_result(store, "printer")["passed"] is True


def test_microphone_pass_needs_sound_not_digital_silence(cfg, store, tmp_path):
    levels = []
    r, pcm, rate = selftest.test_microphone(WavMicrophone(SAMPLE), seconds=1.0, on_level=levels.append,
                                            live_s=0.5)
    assert r.passed and len(pcm) == rate * 2 * 1 and r.data["rms"] > 0
    assert len(levels) == 5 + 10 and max(levels) > 0  # the live level first, then the recording
    silent = tmp_path / "silent.wav"
    silent.write_bytes(encode_wav(b"\0\0" * 16000 * 2, 16000))
    r, _, _ = selftest.test_microphone(WavMicrophone(silent), seconds=1.0)
    assert not r.passed and "digital silence" in r.detail
    r, _, _ = selftest.test_microphone(WavMicrophone(tmp_path / "nope.wav"), seconds=1.0)
    assert not r.passed and "unavailable" in r.detail


def test_cameras_capture_and_the_document_camera_finds_the_page(cfg, tmp_path):
    r, frame = selftest.test_camera(FakeCamera("synthetic-scene"))
    assert r.passed and frame.shape[:2] == (720, 1280)
    r, page = selftest.test_scanner(FakeCamera("synthetic-letter"), cfg.scanner)
    assert r.passed and page.found_page
    r, _ = selftest.test_scanner(FakeCamera("synthetic-scene"), cfg.scanner)
    assert not r.passed and "no page outline" in r.detail
    blank = tmp_path / "blank"
    blank.mkdir()
    import cv2
    cv2.imwrite(str(blank / "a.png"), np.zeros((120, 160, 3), np.uint8))
    r, _ = selftest.test_camera(FakeCamera(str(blank)))
    assert not r.passed and "flat colour" in r.detail


def test_code_reader_needs_a_real_tracking_code(cfg, store, items):
    item = items(store, cfg, 1)[0]
    reader = FakeCodeReader()
    threading.Timer(0.2, reader.scan, [cfg.receipt.qr_payload(item.code.compact)]).start()
    r = selftest.test_code_reader(reader, cfg.receipt.lookup_url, timeout_s=5)
    assert r.passed and r.data["code"] == str(item.code)
    reader = FakeCodeReader()
    threading.Timer(0.2, reader.scan, ["hello"]).start()
    r = selftest.test_code_reader(reader, cfg.receipt.lookup_url, timeout_s=5)
    assert not r.passed and "no tracking code" in r.detail
    assert not selftest.test_code_reader(FakeCodeReader(), cfg.receipt.lookup_url, timeout_s=0.3).passed


def test_selftest_command_records_the_result_as_event_and_meta(write_config, kiosk):
    conf = write_config('[printer]\nkind = "fake"\n[code_reader]\nkind = "none"\n')
    code, out = kiosk("service", "selftest", "printer", "--json", config=conf)
    assert code == 0 and out["passed"]
    code, out = kiosk("service", "selftest", "code_reader", "--json", config=conf)
    assert code == 1 and "not configured" in out["error"]
    code, out = kiosk("service", "selftest", "toaster", "--json", config=conf)
    assert code == 2
    from kiosk.core.store import Store
    with Store.open(configmod.load(conf)) as store:
        ev = [e for e in store.events(10) if e["kind"] == "service_selftest"]
        assert [json.loads(e["data"])["passed"] for e in ev] == [False, True]
        assert selftest.last_result(store, "code_reader")["passed"] is False


def test_heartbeat_reports_every_configured_device_and_forwards_service_events_once(
        write_config, central, store, staff_browser):
    from kiosk.maintenance.pin import PinGuard
    from kiosk.sync.daemon import SyncDaemon
    cfg = configmod.load(write_config(f'[sync]\ncentral_url = "{central.url}"\n'
                                      '[code_reader]\nkind = "fake"\n[microphone]\nkind = "none"\n'))
    store.set_meta("device.camera", json.dumps({"state": "absent", "detail": "unplugged"}))
    selftest.record(store, selftest.test_printer(cfg, FakePrinter(paper_near_end=True)))
    g = PinGuard.from_config(cfg, store)
    g.set_pin("480271")
    g.check("000000")
    d = SyncDaemon(cfg, store)
    assert d.heartbeat()
    beat = json.loads(central.db.last_heartbeats()[0]["body"])
    devs = beat["devices"]
    assert set(devs) == {"printer", "camera", "scanner", "code_reader"}
    assert devs["printer"]["last_selftest"]["passed"] and devs["printer"]["paper"] == "near_end"
    assert devs["printer"]["cover_open"] is False and devs["printer"]["state"] == "unknown"
    assert devs["camera"]["state"] == "absent" and devs["code_reader"]["last_selftest"] is None
    sent = [e["kind"] for e in beat["service_events"]]
    assert sent == ["service_selftest", "service_pin_set", "service_pin_wrong"]
    assert d.heartbeat()
    assert json.loads(central.db.last_heartbeats()[0]["body"])["service_events"] == []
    page = staff_browser(central).get("/").text
    assert "code_reader" in page and "near_end" in page and "absent" in page


def test_id_card_reader_reads_the_card_and_keeps_only_its_masked_number(store):
    from drivers.idcard import FakeIdCardReader, NoIdCardReader
    from drivers.idcard_frames import READ_BASE, SAM_STATUS
    reader = FakeIdCardReader()
    r = selftest.record(store, selftest.test_id_card_reader(reader, timeout_s=5))
    assert r.passed and r.reason == "idcard_ok" and r.params == {"id": "**************0012", "chars": "2"}
    assert reader.emulator.commands[0] == SAM_STATUS  # check() before the card
    kept = json.dumps(selftest.last_result(store, "id_card_reader"), ensure_ascii=False)
    assert "999999199003070012" not in kept and "张三" not in kept
    # No card within the time; a card taken away as it is read; a reader that does not answer.
    reader = FakeIdCardReader()
    reader.emulator.remove()
    r = selftest.test_id_card_reader(reader, timeout_s=0.5)
    assert not r.passed and r.reason == "idcard_nothing" and r.params == {"seconds": "0.5"}
    reader = FakeIdCardReader()
    reader.emulator.remove_on(READ_BASE)
    assert selftest.test_id_card_reader(reader, timeout_s=2).reason == "idcard_removed"
    reader = FakeIdCardReader()
    reader.emulator.fault("silent", SAM_STATUS)
    r = selftest.test_id_card_reader(reader, timeout_s=2)
    assert not r.passed and r.reason == "idcard_fault" and "no answer" in r.detail
    assert selftest.test_id_card_reader(NoIdCardReader(), timeout_s=1).reason == "idcard_unavailable"
