"""Device health, self-test records and service events for the heartbeat
(docs/protocol.md, "heartbeat").

The self-tests themselves run in kiosk/maintenance/selftest.py; their results are kept
here (meta ``selftest.<device>``) so the sync daemon can report them without importing
the maintenance layer.

Every configured device is reported, with the state the app last saw (meta
``device.<name>``, written by the UI process) and its last self-test; a device the app
never reported is ``"unknown"``, not ``"ok"``. Service events (PIN successes, failures,
lockouts, self-tests, exports) are forwarded once: the heartbeat carries those after
the cursor :data:`EVENTS_CURSOR_KEY`, which the daemon advances only after the centre
accepted the heartbeat (:func:`mark_events_sent`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum

from kiosk.core import clock


EVENTS_CURSOR_KEY = "service.events_sent"
EVENTS_PER_BEAT = 100
DEVICES = ("printer", "microphone", "camera", "scanner", "code_reader", "id_card_reader")
META_PREFIX = "selftest."


class UnknownDevice(ValueError):
    """A self-test name that is not one of :data:`DEVICES`."""


class SelfTestReason(StrEnum):
    """What a self-test found, as a code the app turns into a sentence in the staff's
    language (``selftest.<code>`` in assets/i18n; kiosk/app/wording.py). The English
    ``detail`` beside it stays for the command line, the event log and the heartbeat."""

    PRINTER_LAYOUT = "printer_layout"
    PRINTER_CONFIG = "printer_config"
    PRINTER_NONE = "printer_none"
    PRINTER_PRINTED = "printer_printed"
    PRINTER_PRINTED_LOW = "printer_printed_low"
    PRINTER_NOT_PRINTED = "printer_not_printed"
    MIC_UNAVAILABLE = "mic_unavailable"
    MIC_SHORT = "mic_short"
    MIC_SILENT = "mic_silent"
    MIC_OK = "mic_ok"
    CAMERA_UNAVAILABLE = "camera_unavailable"
    CAMERA_FLAT = "camera_flat"
    CAMERA_OK = "camera_ok"
    SCANNER_UNAVAILABLE = "scanner_unavailable"
    SCANNER_NO_PAGE = "scanner_no_page"
    SCANNER_OK = "scanner_ok"
    READER_UNAVAILABLE = "reader_unavailable"
    READER_NOTHING = "reader_nothing"
    READER_NO_CODE = "reader_no_code"
    READER_OK = "reader_ok"
    IDCARD_UNAVAILABLE = "idcard_unavailable"
    IDCARD_FAULT = "idcard_fault"
    IDCARD_NOTHING = "idcard_nothing"
    IDCARD_REMOVED = "idcard_removed"
    IDCARD_INVALID = "idcard_invalid"
    IDCARD_OK = "idcard_ok"
    NOT_CONFIGURED = "not_configured"
    UNAVAILABLE = "unavailable"
    UNREADABLE = "unreadable"


REASON_PARAMS: dict[SelfTestReason, frozenset[str]] = {
    SelfTestReason.MIC_SHORT: frozenset({"got", "want"}),
    SelfTestReason.MIC_OK: frozenset({"got", "level"}),
    SelfTestReason.CAMERA_FLAT: frozenset({"size"}),
    SelfTestReason.CAMERA_OK: frozenset({"size"}),
    SelfTestReason.SCANNER_OK: frozenset({"size"}),
    SelfTestReason.READER_NOTHING: frozenset({"seconds"}),
    SelfTestReason.READER_OK: frozenset({"code"}),
    SelfTestReason.IDCARD_NOTHING: frozenset({"seconds"}),
    SelfTestReason.IDCARD_OK: frozenset({"id", "chars"}),
}
"""The values each reason's sentence names (every other reason names none)."""


def reason_params(reason: SelfTestReason) -> frozenset[str]:
    """The parameter names the sentence of *reason* needs."""
    return REASON_PARAMS.get(reason, frozenset())


@dataclass(frozen=True)
class SelfTestResult:
    """The outcome of one self-test. ``detail`` is one plain English sentence for staff (the
    command line, the event log, the heartbeat); ``reason`` says the same as a code with
    its ``params`` (the values its sentence names, as text), which the service menu says
    in the staff's language. A reason given the wrong parameters is a ValueError."""

    device: str
    passed: bool
    detail: str
    at: str = field(default_factory=clock.now_iso)
    data: dict = field(default_factory=dict)
    reason: SelfTestReason = field(kw_only=True)
    params: dict[str, str] = field(default_factory=dict, kw_only=True)

    def __post_init__(self):
        reason = SelfTestReason(self.reason)          # ValueError for an unknown code
        object.__setattr__(self, "reason", reason)
        if set(self.params) != reason_params(reason):
            raise ValueError(f"self-test reason {reason.value!r} names {sorted(reason_params(reason))}, "
                             f"given {sorted(self.params)}")

    def as_dict(self) -> dict:
        """The result as JSON-ready values (the reason as its code)."""
        return {**asdict(self), "reason": self.reason.value}


def record(store, result: SelfTestResult) -> SelfTestResult:
    """Keep *result* for the next heartbeat and log it as an event."""
    store.set_meta(META_PREFIX + result.device, json.dumps(result.as_dict(), ensure_ascii=False))
    store.log_event("service_selftest", f"self-test {result.device}: {'pass' if result.passed else 'FAIL'}: "
                    f"{result.detail}", level="info" if result.passed else "error",
                    data={"device": result.device, "passed": result.passed})
    return result


def last_result(store, device: str) -> dict | None:
    """The last recorded self-test of *device* as a dict, or None."""
    raw = store.get_meta(META_PREFIX + device)
    if not raw:
        return None
    try:
        v = json.loads(raw)
        return v if isinstance(v, dict) else None
    except ValueError:
        return {"device": device, "passed": False, "detail": "unreadable self-test record",
                "reason": SelfTestReason.UNREADABLE.value}


def _app_state(store, name: str) -> dict | None:
    raw = store.get_meta(f"device.{name}")
    if raw is None:
        return None
    try:
        v = json.loads(raw)
        if not isinstance(v, dict):
            raise ValueError
        return {"state": str(v.get("state", "unknown")), "detail": str(v.get("detail", ""))[:200]}
    except ValueError:
        return {"state": "unknown", "detail": "unreadable state record"}


_REPORTED = ("device", "passed", "detail", "at", "data")  # docs/protocol.md, the heartbeat


def _reported(result: dict | None) -> dict | None:
    """A self-test record as the heartbeat reports it (the reason code is the app's own)."""
    return None if result is None else {k: result[k] for k in _REPORTED if k in result}


def device_report(kinds: dict[str, str], store) -> dict:
    """``{name: {"kind", "state", "detail", "last_selftest"}}`` for every configured device
    (*kinds*: name to driver kind, from ``Config.device_kinds``) and any device the app
    reported that the config no longer names."""
    out = {}
    for name in DEVICES:
        seen = _app_state(store, name)
        if name not in kinds and seen is None:
            continue
        entry = {"kind": kinds.get(name, "not configured"),
                 **(seen or {"state": "unknown", "detail": "the app has not reported this device yet"}),
                 "last_selftest": _reported(last_result(store, name))}
        out[name] = entry
    if "printer" in out and out["printer"]["last_selftest"]:
        # Paper and cover as the last test page found them (docs/service.md).
        data = out["printer"]["last_selftest"].get("data") or {}
        out["printer"]["paper"] = data.get("paper")
        out["printer"]["cover_open"] = data.get("cover_open")
    return out


def events_to_send(store) -> list[dict]:
    """Service events not yet accepted by the centre, oldest first (no personal data)."""
    after = int(store.get_meta(EVENTS_CURSOR_KEY, "0") or 0)
    return [{"id": e["id"], "at": e["at"], "level": e["level"], "kind": e["kind"], "message": e["message"]}
            for e in store.events_after(after, "service_", EVENTS_PER_BEAT)]


def mark_events_sent(store, body: dict) -> None:
    """The centre accepted *body*: its service events need not be sent again."""
    events = body.get("service_events") or []
    if events:
        store.set_meta(EVENTS_CURSOR_KEY, str(max(e["id"] for e in events)))
