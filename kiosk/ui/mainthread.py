"""The ONE way back from a worker thread to the Kivy (UI) thread.

Workers (ASR, printing, disk, camera) never touch widgets: they call
:func:`call_in_ui`, which schedules the callback on the Kivy clock so it runs on the
UI thread at the next frame. :func:`run_in_worker` starts a daemon thread and reports
its result or exception back through the same hop.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable

from kivy.clock import Clock

log = logging.getLogger(__name__)


def call_in_ui(fn: Callable, *args, **kwargs) -> None:
    """Run ``fn(*args, **kwargs)`` on the UI thread at the next frame (thread-safe)."""
    # Clock.schedule_once is documented as thread-safe; the callback gets dt, drop it.
    Clock.schedule_once(lambda _dt: fn(*args, **kwargs), 0)


def run_in_worker(fn: Callable[..., Any], *args, on_done: Callable[[Any], None] | None = None,
                  on_error: Callable[[BaseException], None] | None = None,
                  name: str = "kiosk-worker") -> threading.Thread:
    """Run ``fn(*args)`` on a daemon thread; deliver its result/exception in the UI thread."""
    def body():
        try:
            result = fn(*args)
        except BaseException as e:  # reported to the UI, never lost silently
            if getattr(e, "expected", False):   # e.g. a device that is not plugged in
                log.warning("worker %s: %s", name, e)
            else:
                log.exception("worker %s failed", name)
            if on_error is not None:
                call_in_ui(on_error, e)
            return
        if on_done is not None:
            call_in_ui(on_done, result)

    t = threading.Thread(target=body, name=name, daemon=True)
    t.start()
    return t
