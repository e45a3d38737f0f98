"""Numbers, times and states as the screens say them, in the screen's language.

The layers below the app speak English to staff (the command line, logs, the heartbeat)
and machine formats (ISO times, seconds); a screen shows neither. Each helper here turns
one such value into words from the catalogs (assets/i18n): a duration as 3 小时 5 分, a
stored UTC time as 12月1日 09:30 in the station's time zone, a self-test result or the
speech model's state as a sentence.
"""

from __future__ import annotations

from datetime import datetime, timezone

from kiosk.app.i18n import tr


def duration_text(seconds, lang: str) -> str:
    """*seconds* as days and hours (≥ 1 day) or hours and minutes; "-" for None."""
    if seconds is None:
        return "-"
    s = int(seconds)
    if s >= 86400:
        return tr("service.dur_dh", lang, d=s // 86400, h=s % 86400 // 3600)
    return tr("service.dur_hm", lang, h=s // 3600, m=s % 3600 // 60)


def datetime_text(iso: str | None, tz: str, lang: str) -> str:
    """A stored time (ISO 8601; UTC when it names no zone) in the time zone *tz*, as
    ``common.datetime`` says it (12月1日 09:30). Text that is no time is shown as it is."""
    from zoneinfo import ZoneInfo
    try:
        t = datetime.fromisoformat(str(iso))
    except (TypeError, ValueError):
        return str(iso or "-")
    if t.tzinfo is None:
        t = t.replace(tzinfo=timezone.utc)
    t = t.astimezone(ZoneInfo(tz))
    return tr("common.datetime", lang, month=t.month, day=t.day, time=t.strftime("%H:%M"))


def selftest_text(rec: dict, lang: str) -> str:
    """A recorded self-test's sentence: its catalog key with its parameters
    (kiosk/core/devicehealth.py ``SelfTestResult.message``). A record made before results
    had keys keeps its English ``detail``."""
    key = rec.get("message")
    if not key:
        return str(rec.get("detail", ""))
    params = rec.get("params") or {}
    try:
        return tr(f"selftest.{key}", lang, **params)
    except (KeyError, IndexError, ValueError):   # a record that does not fit its sentence
        return str(rec.get("detail", ""))


MODEL_KEYS = {"missing": "service.model_missing", "not_dir": "service.model_not_dir",
              "incomplete": "service.model_incomplete"}


def model_text(model: dict, lang: str) -> str:
    """The speech model's state (kiosk/voice/models.py ``model_state``) in words."""
    state = model.get("state")
    if state is None:
        return tr("service.ok", lang)
    return tr(MODEL_KEYS.get(state, "service.model_incomplete"), lang, path=model.get("path", ""))
