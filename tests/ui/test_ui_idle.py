"""Idle: warn, count down, then wipe everything of the session. Escape and close do not exit."""

from __future__ import annotations

import pytest
from kivy.base import EventLoop
from kivy.core.window import Window

from kiosk import config as configmod
from kiosk.app.offscreen.harness import Harness
from ui_doubles import TestServices, speech_wav

SECRET = "secretzz"


@pytest.fixture
def idle_cfg(write_config):
    return configmod.load(write_config("[ui]\nidle_timeout_s = 10\nidle_countdown_s = 3\n"))


@pytest.fixture
def idle_app(idle_cfg, tmp_path):
    from kiosk.core.store import Store
    store = Store.open(idle_cfg)
    services = TestServices(idle_cfg, store, wav=speech_wav())
    h = Harness(idle_cfg, store, services)
    h.start()
    clock = [1000.0]
    h.app.idle.now = lambda: clock[0]
    h.app.idle.last = clock[0]
    yield h, clock, store, services
    h.stop()
    store.close()


def all_texts(h) -> list[str]:
    texts = []
    for screen in h.app.root.screens:
        for w in screen.walk(restrict=True):
            texts.append(str(getattr(w, "text", "")))
    return texts


def fill_session(h):
    """A resident who recorded, typed a secret and gave a name, then walked away."""
    h.tap(h.screen("home").ids.speak)
    h.tap(h.screen("voice").ids.done)
    h.wait(lambda: h.app.root.current == "review", what="review")
    h.screen("review").replay()              # writes the recording into the session temp dir
    h.tap(h.screen("review").ids.edit)
    kb = h.screen("write").ids.kb
    if kb.mode == "zh":
        h.tap(h.key(kb, "\x0f"))
    h.type(kb, SECRET)
    h.tap(h.screen("write").ids.done)
    h.tap(h.screen("review").ids.more)
    h.tap(h.screen("finish").ids.real_name)
    ident = h.screen("identity")
    ikb = ident.ids.kb
    if ikb.mode == "zh":
        h.tap(h.key(ikb, "\x0f"))
    h.type(ikb, "li")


def test_ui_idle_countdown_then_wipe_leaves_no_trace(idle_app):
    h, clock, store, services = idle_app
    fill_session(h)
    app = h.app
    tmp_dir = app.session.tmp_root / app.session.id
    assert tmp_dir.is_dir() and any(tmp_dir.iterdir()), "the replay file should exist before the wipe"
    assert any(SECRET in t for t in all_texts(h))
    old = app.session

    clock[0] += 9
    app.idle.tick()
    assert app.idle.view is None, "no warning before the timeout"
    clock[0] += 2
    app.idle.tick()
    view = app.idle.view
    assert view is not None and view in Window.children, "the 'need more time?' warning is shown"
    assert view.ids.countdown.text == app.t("idle.countdown", seconds=3)
    clock[0] += 1
    app.idle.tick()
    h.pump(1)
    assert view.ids.countdown.text == app.t("idle.countdown", seconds=2)
    clock[0] += 2
    app.idle.tick()
    h.pump(2)

    assert app.idle.view is None and app.root.current == "home"
    assert old.wiped and not old.text and not old.audio and not old.name
    assert app.session is not old and app.session.is_empty()
    assert not tmp_dir.exists()
    assert not any(app.session.tmp_root.iterdir())
    texts = all_texts(h)
    assert not any(SECRET in t or "li|" in t for t in texts), "typed text survived the wipe"
    assert h.screen("write").text == "" and h.screen("identity").name_text == ""
    assert h.screen("write").ids.kb.composing == ""
    assert store.count() == 0, "a draft is discarded, never submitted"
    assert app.lang == app.cfg.ui.default_language


def test_ui_idle_continue_keeps_the_session(idle_app):
    h, clock, store, services = idle_app
    h.tap(h.screen("home").ids.write)
    kb = h.screen("write").ids.kb
    if kb.mode == "zh":
        h.tap(h.key(kb, "\x0f"))
    h.type(kb, "abc")
    clock[0] += 11
    h.app.idle.tick()
    assert h.app.idle.view is not None
    h.pump(2)
    h.tap(h.app.idle.view.ids.keep)
    assert h.app.idle.view is None
    assert h.app.root.current == "write" and h.screen("write").text == "abc"
    clock[0] += 5
    h.app.idle.tick()
    assert h.app.idle.view is None and h.screen("write").text == "abc"


def test_ui_idle_waits_while_recording(idle_app):
    h, clock, store, services = idle_app
    h.tap(h.screen("home").ids.speak)
    clock[0] += 60
    h.app.idle.tick()
    assert h.app.idle.view is None and h.app.root.current == "voice"
    h.screen("voice").cancel()
    assert h.app.root.current == "home"


def test_ui_draft_of_a_killed_app_is_wiped_at_the_next_start(idle_cfg):
    """systemd stops the app with SIGTERM (no clean-up runs): the resident's unfinished
    recording and photos must not survive into the next start."""
    from pathlib import Path

    from kiosk.core.store import Store
    leftover = Path(idle_cfg.storage.data_dir) / "ui-session" / "abc123"
    leftover.mkdir(parents=True)
    (leftover / "recording.wav").write_bytes(b"RIFF secret voice")
    store = Store.open(idle_cfg)
    h = Harness(idle_cfg, store, TestServices(idle_cfg, store))
    try:
        h.start()
        assert not leftover.exists()
        assert list(store.list_items()) == []
    finally:
        h.stop()
        store.close()


def test_ui_escape_and_window_close_do_not_exit(harness):
    from kivy.config import Config
    assert Config.get("kivy", "exit_on_escape") == "0"
    assert Window.dispatch("on_keyboard", 27, 41, None, []) is True
    assert Window.dispatch("on_request_close") is True
    harness.pump(3)
    assert not EventLoop.quit
    assert harness.app.root in Window.children and harness.app.root.current == "home"
