"""`systemctl stop` sends SIGTERM: the touchscreen app stops cleanly at once (it used to
take it for a window close, refuse it, and wait to be killed), and never while an item is
being saved."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from kiosk.app import kioskapp as appmod
from kiosk.app.offscreen.harness import Harness


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_kiosk_run_stops_cleanly_on_sigterm_and_ctrl_c(write_config, tmp_path, sig):
    cfg_path = write_config()
    env = {**os.environ, "SDL_VIDEODRIVER": "offscreen", "KIVY_NO_ARGS": "1"}
    log = tmp_path / "run.log"
    with open(log, "w") as out:
        p = subprocess.Popen([sys.executable, "-m", "kiosk", "--config", str(cfg_path), "run",
                              "--fake-hardware", "--windowed"], stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        end = time.monotonic() + 120
        while "Start application main loop" not in log.read_text() and time.monotonic() < end:
            assert p.poll() is None, log.read_text()
            time.sleep(0.2)
        time.sleep(1.0)  # a few frames on screen
        p.send_signal(sig)
        code = p.wait(timeout=20)  # systemd would wait TimeoutStopSec, then SIGKILL
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    text = log.read_text()
    assert code == 0, text
    assert f"{sig.name}: stopping the touchscreen app" in text
    assert "window close refused" not in text and "Traceback" not in text, text


def test_a_stop_waits_for_the_item_being_saved(cfg, store, services, monkeypatch):
    """The signal arrives while a resident's item is being stored: the app stops only
    after it is stored, or after STOP_WAIT_S with an error line (the store keeps the item
    whole or not at all)."""
    h = Harness(cfg, store, services)
    app = h.start()
    stopped = []
    monkeypatch.setattr(app, "stop", lambda *a: stopped.append(True))
    t = 100.0
    try:
        app._submitting = True
        app.request_stop("SIGTERM")
        app._stop_if_requested(now=t)
        app._stop_if_requested(now=t + appmod.STOP_WAIT_S / 2)
        assert stopped == [], "stopped while the item was being saved"
        app._submitting = False          # stored: the done screen has its code
        app._stop_if_requested(now=t + appmod.STOP_WAIT_S / 2 + 0.25)
        assert len(stopped) == 1

        app._submitting = True           # a save that never ends does not hold the stop forever
        app.request_stop("SIGTERM")
        t += 100
        app._stop_if_requested(now=t)
        app._stop_if_requested(now=t + appmod.STOP_WAIT_S - 0.5)
        assert len(stopped) == 1
        app._stop_if_requested(now=t + appmod.STOP_WAIT_S + 0.5)
        assert len(stopped) == 2
    finally:
        app._submitting = False
        monkeypatch.undo()
        h.stop()
