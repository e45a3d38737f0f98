"""The ONE way back from a worker thread to the Kivy (UI) thread.

Workers (ASR, printing, disk, camera) never touch widgets: they call
:func:`call_in_ui`, which schedules the callback on the Kivy clock so it runs on the
UI thread at the next frame. :func:`run_in_worker` starts a daemon thread and reports
its result or exception back through the same hop.

Both take the :class:`kiosk.app.session.WorkToken` captured when the work started:
a delivery whose token is stale by the time it reaches the UI thread (the session was
wiped, the work cancelled) is dropped there, so a late result never reaches the next
resident's session. This is the only stale-result check the screens use.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable

from kivy.clock import Clock

from kiosk.app.services.errors import ExpectedFailure

log = logging.getLogger(__name__)


def call_in_ui(fn: Callable, *args, token=None, **kwargs) -> None:
    """Run ``fn(*args, **kwargs)`` on the UI thread at the next frame (thread-safe);
    not at all when *token* is stale by then."""
    def run(_dt):  # Clock.schedule_once is documented as thread-safe; drop its dt
        if token is not None and not token.current:
            log.debug("dropped a stale delivery to %s", getattr(fn, "__qualname__", fn))
            return
        fn(*args, **kwargs)
    Clock.schedule_once(run, 0)


def run_in_worker(fn: Callable[..., Any], *args, on_done: Callable[[Any], None] | None = None,
                  on_error: Callable[[BaseException], None] | None = None, token=None,
                  on_stale: Callable[[Any], None] | None = None,
                  outcomes: tuple[type[BaseException], ...] = (),
                  name: str = "kiosk-worker") -> threading.Thread:
    """Run ``fn(*args)`` on a daemon thread; deliver its result/exception on the UI thread.

    With a *token*, nothing is delivered once it is stale; a result that holds a
    resource (an opened camera) is then handed to *on_stale* instead, to release it.

    An exception is logged with its traceback (a bug, for the maintainer), except
    :class:`~kiosk.app.services.errors.ExpectedFailure` (a state of the kiosk: a device
    not plugged in) at warning level, and the *outcomes* this call expects (a resident's
    typo, a wrong receipt secret: answers the screen shows, not failures) at info level.
    """
    def deliver(result):
        if token is not None and not token.current:
            log.debug("worker %s: result dropped, its work was cancelled", name)
            if on_stale is not None:
                on_stale(result)
        elif on_done is not None:
            on_done(result)

    def body():
        try:
            result = fn(*args)
        except BaseException as e:  # reported to the UI, never lost silently
            if isinstance(e, outcomes):
                log.info("worker %s: %s: %s", name, type(e).__name__, e)
            elif isinstance(e, ExpectedFailure):
                log.warning("worker %s: %s", name, e)
            else:
                log.exception("worker %s failed", name)
            if on_error is not None:
                call_in_ui(on_error, e, token=token)
            return
        call_in_ui(deliver, result)

    t = threading.Thread(target=body, name=name, daemon=True)
    t.start()
    return t
