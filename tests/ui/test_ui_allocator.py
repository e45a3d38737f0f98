"""The app tunes the C allocator at start and gives the session's memory back when a
resident leaves (kiosk/runtime/allocator.py; the effect itself is tested in
tests/foundation/test_foundation_allocator.py)."""

from __future__ import annotations

from kiosk.runtime import allocator
from kiosk.app.offscreen.harness import Harness


def test_the_app_tunes_at_start_and_releases_after_each_session(cfg, store, services, monkeypatch):
    calls = []
    monkeypatch.setattr(allocator, "tune_for_long_running",
                        lambda: calls.append("tune") or allocator.Tuning(True, "test"))
    monkeypatch.setattr(allocator, "release_free_memory", lambda: calls.append("release") or True)
    h = Harness(cfg, store, services)
    h.start()
    try:
        assert calls[:1] == ["tune"]
        calls.clear()
        h.tap(h.screen("home").ids.write)
        assert h.app.root.current == "write"
        h.app.reset_session()           # what finish, cancel and the idle wipe all end in
        assert calls == ["release"] and h.app.root.current == "home"
    finally:
        h.stop()
