"""The app on a filling disk (a real 8 MB tmpfs): media refused with a text-only offer,
then the out-of-service screen with the hotline, and back in service by itself."""

from __future__ import annotations

import os

import pytest

from kiosk import config as configmod
from kiosk.diskguard import MB
from kiosk.store import Store
from kiosk.ui.harness import Harness
from ui_doubles import TestServices

JPEG = b"\xff\xd8\xff\xe0" + os.urandom(300_000)


@pytest.fixture
def disk_app(small_disk, write_config):
    cfg = configmod.load(write_config('[receipt]\nhotline = "12345"\n',
                                      storage="min_free_mb = 4\nhard_floor_mb = 2\n"))
    store = Store.open(cfg)
    h = Harness(cfg, store, TestServices(cfg, store))
    h.start()
    try:
        yield h, store, small_disk
    finally:
        h.stop()
        store.close()


def _to_finish(h, text="东门路灯坏了"):
    s = h.app.session
    s.source, s.text = "photo", text
    s.photos = [JPEG]
    h.app.go("finish")
    h.pump(2)


def test_low_disk_refuses_the_photo_and_offers_text_only(disk_app):
    h, store, disk = disk_app
    disk.fill_to(3 * MB)
    _to_finish(h)
    finish = h.screen("finish")
    h.tap(finish.ids.submit)
    h.wait(lambda: h.app.root.current == "finish" and finish.offer_text_only, what="the media-refused notice")
    assert finish.ids.notice.text == h.app.t("finish.error_media_refused")
    assert store.count() == 0 and not any((store.data_dir / "media").iterdir())
    h.tap(finish.ids.text_only)
    done = h.screen("done")
    h.wait(lambda: h.app.root.current == "done" and not done.pending, what="the done screen")
    item = store.find_by_code(done.ids.code.text)
    assert item.text == "东门路灯坏了" and item.attachments == ()


def test_full_disk_shows_the_hotline_and_recovers_by_itself(disk_app):
    h, store, disk = disk_app
    _to_finish(h)
    disk.fill_to(1 * MB)
    h.tap(h.screen("finish").ids.submit)  # the guard refuses before the app's next disk look
    h.wait(lambda: h.app.root.current == "unavailable", what="the out-of-service screen")
    assert "12345" in h.screen("unavailable").ids.body.text
    assert h.app.session.is_empty() and store.count() == 0
    h.app.check_disk()
    assert h.app.root.current == "unavailable"
    disk.empty()
    h.app.check_disk()
    assert h.app.root.current == "home"


def test_the_periodic_disk_look_takes_the_app_out_of_service(disk_app):
    h, store, disk = disk_app
    disk.fill_to(0)
    h.app.check_disk()
    assert h.app.root.current == "unavailable"
    h.app.set_language("en")
    assert "12345" in h.screen("unavailable").ids.body.text and "hotline" in h.screen("unavailable").ids.body.text
