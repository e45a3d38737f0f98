"""The doctor's probe of a serial reader (the receipt code reader, the ID-card reader).

Both are built from their settings, opened, used and closed in a worker thread with a
time limit, because a wedged USB-serial adapter can block ``open()`` for good. The
verdicts are the same for both: ``kind = "none"`` is SKIP, no answer in time or an error
is FAIL (naming what is then off), a device another program holds — normally the running
kiosk app — is there and working (OK), the fake is WARN. Not a check module of its own
(the leading underscore keeps :func:`kiosk.doctor.check_modules` from loading it).
"""

from __future__ import annotations

import threading
from typing import Any, Callable

from kiosk.doctor import FAIL, OK, SKIP, WARN, Check

#: What *explain* makes of a driver exception: ``(BUSY, sentence)`` for a device another
#: program holds, ``(FAILED, sentence)`` for a real failure; None for an exception it does
#: not know (a FAIL naming the exception's type).
BUSY, FAILED = "busy", "failed"


def probe_reader(settings, *, name: str, noun: str, off: str, timeout: float,
                 use: Callable[[Any, str], str], explain: Callable[[Exception], tuple[str, str] | None]) -> Check:
    """The check *name* for the reader of *settings*; never raises.

    *use(reader, what)* opens, uses and closes the built reader and returns the OK line;
    *explain(exc)* sorts the driver's exceptions into :data:`BUSY` and :data:`FAILED`.
    *noun* ("code reader") and *off* (what residents lose without it) word the verdicts.
    """
    if settings.kind == "none":
        return Check(name, SKIP, f"no {noun} configured ({name}.kind = \"none\"): {off}")
    result: dict = {}

    def work():
        try:
            reader = settings.build()
            result["what"] = reader.describe()
            result["ok"] = use(reader, result["what"])
        except Exception as e:  # a doctor reports, it does not crash
            verdict = explain(e) or (FAILED, f"{type(e).__name__}: {e}")
            result[verdict[0]] = verdict[1]

    t = threading.Thread(target=work, name=f"doctor-{name}", daemon=True)
    t.start()
    t.join(timeout)
    what = result.get("what", f"{settings.kind} {noun} {settings.device}".rstrip())
    if t.is_alive():
        return Check(name, FAIL, f"{what}: no answer within {timeout:.0f} s; {off}")
    if FAILED in result:
        return Check(name, FAIL, f"{result[FAILED]}; {off}")
    if BUSY in result:
        return Check(name, OK, f"{result[BUSY]}: the device is present")
    if settings.kind == "fake":
        return Check(name, WARN, f"{what}: a fake {noun} is configured; no hardware is used "
                                 f"(set {name}.kind = \"serial\" for a real reader)")
    return Check(name, OK, result["ok"])
