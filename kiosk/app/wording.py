"""Numbers, times and states as the screens say them, in the screen's language.

The layers below the app speak English to staff (the command line, logs, the heartbeat)
and machine formats (ISO times, seconds); a screen shows neither. Each helper here turns
one such value into words from the catalogs (assets/i18n): a duration as 3 小时 5 分, a
stored UTC time as 12月1日 09:30 in the station's time zone, a self-test result or the
speech model's state as a sentence.
"""

from __future__ import annotations

from datetime import datetime

from kiosk.app.i18n import tr
from kiosk.core import clock


def duration_text(seconds, lang: str) -> str:
    """*seconds* as days and hours (≥ 1 day) or hours and minutes; "-" for None."""
    if seconds is None:
        return "-"
    s = int(seconds)
    if s >= 86400:
        return tr("service.dur_dh", lang, d=s // 86400, h=s % 86400 // 3600)
    return tr("service.dur_hm", lang, h=s // 3600, m=s % 3600 // 60)


def wait_text(seconds, lang: str) -> str:
    """A short wait (a PIN lockout) as minutes and seconds, rounded up: 3 分 5 秒, 40 秒."""
    from kiosk.maintenance.pin import wait_parts
    m, s = wait_parts(seconds)
    return tr("service.dur_ms", lang, m=m, s=s) if m else tr("service.dur_s", lang, s=s)


def local_datetime(iso: str | None, tz: str) -> datetime | None:
    """A stored time (ISO 8601; UTC when it names no zone) in the time zone *tz*; None
    when *iso* is no time."""
    from zoneinfo import ZoneInfo
    try:
        t = clock.parse_utc(iso)
    except ValueError:
        return None
    return t.astimezone(ZoneInfo(tz))


def datetime_text(iso: str | None, tz: str, lang: str, *, year: bool = False) -> str:
    """A stored time in the time zone *tz*, as ``common.datetime`` says it (12月1日 09:30),
    or with *year* as ``common.datetime_year`` (2026年12月1日 09:30). Text that is no
    time is shown as it is."""
    t = local_datetime(iso, tz)
    if t is None:
        return str(iso or "-")
    key = "common.datetime_year" if year else "common.datetime"
    return tr(key, lang, year=t.year, month=month_name(t.month, lang), day=t.day, time=t.strftime("%H:%M"))


def date_text(iso_date: str, lang: str) -> str:
    """A calendar date (``2026-12-02``) as ``common.date`` says it (12月2日); text that is
    no date is shown as it is."""
    from datetime import date
    try:
        d = date.fromisoformat(str(iso_date))
    except ValueError:
        return str(iso_date)
    return tr("common.date", lang, month=month_name(d.month, lang), day=d.day)


def month_name(month: int, lang: str) -> str:
    """Month 1..12 as ``common.months`` names it (12 in Chinese, Dec in English)."""
    return tr("common.months", lang).split()[month - 1]


def selftest_text(rec: dict, lang: str) -> str:
    """A recorded self-test's sentence: the catalog's ``selftest.<reason>`` with its
    parameters (kiosk/core/devicehealth.py ``SelfTestReason``). A record without a reason
    this version knows (made by an older or newer one) or whose values do not fit its
    sentence says so, in words: its English ``detail`` is on the Logs page."""
    from kiosk.core.devicehealth import SelfTestReason, reason_params
    try:
        reason = SelfTestReason(rec.get("reason"))
    except ValueError:
        return tr("selftest.unknown_reason", lang)
    params = rec.get("params") or {}
    if not isinstance(params, dict) or set(params) != reason_params(reason):
        return tr("selftest.unknown_reason", lang)
    return tr(f"selftest.{reason.value}", lang, **{k: str(v) for k, v in params.items()})


def model_text(model: dict, lang: str) -> str:
    """The speech model's state (kiosk/voice/models.py ``model_state``: None or a
    ``ModelFault`` code) in words, with its directory."""
    from kiosk.voice.models import ModelFault
    state = model.get("state")
    if state is None:
        return tr("service.ok", lang)
    try:
        fault = ModelFault(state)
    except ValueError:              # a code this version does not know: say so, not "ok"
        return tr("service.model_unknown", lang, path=model.get("path", ""))
    return tr(f"service.model_{fault.value}", lang, path=model.get("path", ""))
