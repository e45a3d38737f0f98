"""The public disclosure screens on the real app (offscreen window): a station config from
central-dev reaches them through the sync daemon; the expired announcement is absent; the
attract screen swallows the first touch; the screen schedule dims and a touch wakes."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from kivy.core.window import Window
from kivy.tests.common import UnitTestTouch

from kiosk import config as configmod
from kiosk.app.offscreen.harness import Harness
from ui_doubles import TestServices


def texts(screen) -> str:
    return "\n".join(str(getattr(w, "text", "")) for w in screen.walk(restrict=True))


def png_photo() -> bytes:
    import cv2
    import numpy as np
    img = np.zeros((120, 96, 3), np.uint8)
    img[:, :, 2] = 200
    return cv2.imencode(".png", img)[1].tobytes()


@pytest.fixture
def synced(write_config, tmp_path, monkeypatch, station_doc):
    """A kiosk whose sync daemon applied central-dev's station config (trusted clock)."""
    from kiosk.central_dev.server import CentralServer
    from kiosk.core.store import Store
    from kiosk.sync.daemon import SyncDaemon
    from kiosk.config.sync import DEV_TOKEN
    monkeypatch.setenv("KIOSK_CLOCK_TRUSTED", "1")
    srv = CentralServer(tmp_path / "central", DEV_TOKEN, host="127.0.0.1", port=0).start()
    try:
        cfg = configmod.load(write_config(f'[sync]\ncentral_url = "{srv.url}"\npull_api_enabled = false\n'))
        store = Store.open(cfg)
        srv.db.save_photo("r1.png", png_photo())
        srv.db.set_config("*", json.dumps(station_doc(srv.url, "r1.png"), ensure_ascii=False))
        out = SyncDaemon(cfg, store).run_once()
        assert out["config"] == "applied" and out["photos"]["fetched"] == 1, out
    finally:
        srv.stop()
    yield cfg, store
    store.close()


def test_ui_public_screens_show_the_synced_station_config(synced, tmp_path):
    cfg, store = synced
    h = Harness(cfg, store, TestServices(cfg, store))
    h.start()
    try:
        home = h.screen("home")
        h.tap(home.ids.representatives)
        reps = h.screen("representatives")
        assert h.app.root.current == "representatives"
        shown = texts(reps)
        assert "李明华" in shown and "市人大代表 第三选区" in shown and h.app.t("reps.on_duty_now") in shown
        card = h.find(reps, lambda w: type(w).__name__ == "RepresentativeCard")
        assert card.ids.photo.source.endswith(".png") and card.ids.photo.texture is not None, "cached photo shown"
        assert h.screenshot(tmp_path / "shots" / "representatives.png").stat().st_size > 10_000
        h.tap(reps.ids.back)

        h.tap(home.ids.announcements)
        shown = texts(h.screen("announcements"))
        assert "周五上午代表接待居民" in shown and "欢迎来反映问题。" in shown
        assert "上个月的停水通知" not in shown, "an expired announcement is not shown"
        h.screenshot(tmp_path / "shots" / "announcements.png")
        h.tap(h.screen("announcements").ids.back)

        h.tap(home.ids.board)
        shown = texts(h.screen("board"))
        assert h.app.t("board.month", month="2026-11", received=120, replied=113, resolved=104) in shown
        assert "办结率 92%" in shown and "满意率 93%" in shown
        assert "【市政设施】小区东门路灯不亮" in shown and "办理结果：已更换两盏路灯" in shown
        h.screenshot(tmp_path / "shots" / "board.png")

        h.app.set_language("en")
        assert "120 received, 113 replied, 104 resolved" in texts(h.screen("board"))
    finally:
        h.stop()


def test_ui_untrusted_clock_says_announcements_are_held_back(synced, monkeypatch):
    cfg, store = synced
    monkeypatch.setenv("KIOSK_CLOCK_TRUSTED", "0")
    h = Harness(cfg, store, TestServices(cfg, store))
    h.start()
    try:
        h.tap(h.screen("home").ids.announcements)
        shown = texts(h.screen("announcements"))
        assert "周五上午代表接待居民" not in shown and "上个月的停水通知" not in shown
        assert h.app.t("ann.withheld_clock", count=2) in shown, "held back, and said so"
        h.tap(h.screen("announcements").ids.back)
        h.tap(h.screen("home").ids.representatives)
        assert h.app.t("reps.clock_untrusted") in texts(h.screen("representatives"))
    finally:
        h.stop()


def test_ui_public_screens_without_a_station_config_say_so(harness):
    harness.tap(harness.screen("home").ids.board)
    assert harness.app.t("public.no_config") in texts(harness.screen("board"))


def touch_at(h, widget):
    """A real touch at *widget*'s centre, whatever screen is shown."""
    x, y = widget.to_window(*widget.center)
    t = UnitTestTouch(x, y)
    t.touch_down()
    h.pump(1)
    t.touch_up()
    h.pump(2)


def test_ui_attract_swallows_the_first_touch(harness):
    app = harness.app
    app.show_attract()
    harness.pump(2)
    assert app.root.current == "attract"
    write = harness.screen("home").ids.write
    touch_at(harness, write)        # exactly where 写 will be
    assert app.root.current == "home", "the first touch goes home"
    assert app.session.source is None, "and is not a tap on 写"
    harness.tap(write)              # the next touch is a tap
    assert app.root.current == "write"


def test_ui_idle_on_home_shows_the_attract_screen_and_it_rotates(harness):
    app = harness.app
    clock = [1000.0]
    app.idle.now = lambda: clock[0]
    app.idle.last = clock[0]
    app.set_language("en")
    clock[0] += app.cfg.ui.idle_timeout_s + 1
    app.idle.tick()
    harness.pump(2)
    assert app.root.current == "attract" and app.lang == app.cfg.ui.default_language
    assert app.idle.view is None, "no countdown on the attract screen"
    attract = harness.screen("attract")
    attract.slides = ["一", "二"]
    attract.next_slide()
    assert attract.ids.slide.text == "二"
    clock[0] += 1000
    app.idle.tick()
    assert app.root.current == "attract" and app.idle.view is None


@pytest.fixture
def night_app(write_config, monkeypatch):
    from kiosk.core.store import Store
    monkeypatch.setenv("KIOSK_CLOCK_TRUSTED", "1")
    cfg = configmod.load(write_config('[ui]\nscreen_schedule = "23:00-06:00"\n'))
    store = Store.open(cfg)
    h = Harness(cfg, store, TestServices(cfg, store))
    h.start()
    yield h, monkeypatch
    h.stop()
    store.close()


def test_ui_schedule_dims_at_night_and_a_touch_wakes(night_app):
    h, monkeypatch = night_app
    app = h.app
    app.dimmer.wall = lambda: datetime(2026, 12, 2, 14, 0).astimezone()
    app.show_attract()
    app.dimmer.tick()
    assert not app.dimmer.dimmed, "not in the day"
    app.dimmer.wall = lambda: datetime(2026, 12, 2, 23, 30).astimezone()
    app.go("home")
    app.dimmer.tick()
    assert not app.dimmer.dimmed, "only the attract screen dims"
    app.show_attract()
    monkeypatch.setenv("KIOSK_CLOCK_TRUSTED", "0")
    app.dimmer.tick()
    assert not app.dimmer.dimmed, "an untrusted clock never dims"
    monkeypatch.setenv("KIOSK_CLOCK_TRUSTED", "1")
    app.dimmer.wall = lambda: datetime(2026, 12, 3, 5, 59).astimezone()  # past midnight
    app.dimmer.tick()
    assert app.dimmer.dimmed and app.dimmer.overlay in Window.children
    h.pump(2)
    touch_at(h, h.screen("home").ids.write)
    assert not app.dimmer.dimmed and app.dimmer.overlay is None
    assert app.root.current == "home" and app.session.source is None, "the waking touch is swallowed"


def test_ui_screen_schedule_is_validated_naming_the_key(write_config):
    with pytest.raises(configmod.ConfigError) as e:
        configmod.load(write_config('[ui]\nscreen_schedule = "23-6"\n'))
    assert "ui.screen_schedule" in str(e.value) and "HH:MM-HH:MM" in str(e.value)
