"""The app on a filling disk (a real 8 MB tmpfs): media refused with a text-only offer,
then the out-of-service screen with the hotline, and back in service by itself."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time

import pytest

from kiosk import config as configmod
from kiosk.core.diskguard import MB
from kiosk.core.store import Store
from kiosk.app.offscreen.harness import Harness
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


def test_a_disk_full_before_the_store_ever_opened_starts_out_of_service(small_disk, write_config, caplog):
    # First boot on a full card: the store cannot even be created. The app starts anyway
    # on the out-of-service screen (as `kiosk run` does) and opens the store by itself.
    cfg = configmod.load(write_config('[receipt]\nhotline = "12345"\n',
                                      storage="min_free_mb = 4\nhard_floor_mb = 2\n"))
    small_disk.fill_to(0)
    store = Store.open(cfg, verify=False, wait_for_disk=True)
    assert not store.is_open
    h = Harness(cfg, store, TestServices(cfg, store))
    with caplog.at_level("ERROR", logger="kiosk.app.kioskapp"):
        h.start()
    try:
        assert h.app.root.current == "unavailable"
        assert "12345" in h.screen("unavailable").ids.body.text
        assert any("the store cannot be opened" in r.getMessage() for r in caplog.records), caplog.text
        h.app.check_disk()
        assert h.app.root.current == "unavailable" and not store.is_open
        small_disk.empty()
        h.app.check_disk()
        assert h.app.root.current == "home" and store.is_open
        # In service for real: a text item goes all the way to its code.
        s = h.app.session
        s.source, s.text = "text", "第一天就满了"
        h.app.go("finish")
        h.pump(2)
        h.tap(h.screen("finish").ids.submit)
        done = h.screen("done")
        h.wait(lambda: h.app.root.current == "done" and not done.pending, what="the done screen")
        assert store.find_by_code(done.ids.code.text).text == "第一天就满了"
    finally:
        h.stop()
        store.close()


def _lines(stream, out: queue.Queue) -> None:
    for line in stream:
        out.put(line)


def _wait_for_line(lines: queue.Queue, text: str, seen: list, timeout: float = 60) -> str:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            continue
        seen.append(line)
        if text in line:
            return line
    raise AssertionError(f"no log line with {text!r} within {timeout:.0f} s:\n" + "".join(seen[-30:]))


def test_kiosk_run_on_a_disk_full_since_first_boot(small_disk, write_config):
    # The operator's view: `kiosk run` on a full card neither exits nor loops under
    # systemd; it logs why, shows the hotline, and is back in service once space is freed.
    cfg_path = write_config('[receipt]\nhotline = "12345"\n', storage="min_free_mb = 4\nhard_floor_mb = 2\n")
    bad_path = write_config(storage="min_free_mb = -1\n", name="bad.toml")
    small_disk.fill_to(0)
    bad = subprocess.run([sys.executable, "-m", "kiosk", "--config", str(bad_path), "run", "--fake-hardware"],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 3 and "min_free_mb" in bad.stderr, bad.stderr  # a config error, not "disk full"
    env = {**os.environ, "SDL_VIDEODRIVER": "offscreen", "KIVY_NO_ARGS": "1"}
    p = subprocess.Popen([sys.executable, "-m", "kiosk", "--config", str(cfg_path), "run", "--fake-hardware",
                          "--windowed"], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=_lines, args=(p.stderr, lines), daemon=True).start()
    seen: list = []
    try:
        line = _wait_for_line(lines, "out of service until space is freed", seen)
        assert "the store cannot be opened yet" in line and "0.0 MB free" in line, line
        assert p.poll() is None, "".join(seen)
        small_disk.empty()
        _wait_for_line(lines, "back in service", seen, timeout=60)  # the app's next disk look (15 s)
        assert p.poll() is None and (small_disk.root / "kiosk.db").stat().st_size > 0
    finally:
        p.terminate()  # systemctl stop (tests/ui/test_ui_stop_signal.py)
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    assert not any("Traceback" in line for line in seen), "".join(seen)
