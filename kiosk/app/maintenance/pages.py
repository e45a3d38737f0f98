"""The service menu's pages. Layouts in kiosk/app/kv/service_<page>.kv; work through
:class:`~kiosk.app.maintenance.actions.ServiceActions` on worker threads, results back on the
UI thread through kiosk/app/feeds/mainthread.py. Pages show an item's code, time, category,
size and state at most — never a resident's text, name or phone number.
"""

from __future__ import annotations

import json
import logging

from kivy.factory import Factory
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty

from kiosk.app.feeds.mainthread import call_in_ui, run_in_worker
from kiosk.app.screens.base import KioskScreen
from kiosk.app.wording import datetime_text, duration_text, model_text, selftest_text, wait_text

log = logging.getLogger(__name__)
PIN_MAX = 32
HINT_KEYS = {"printer": "service.hint_printer", "microphone": "service.hint_microphone",
             "camera": "service.hint_camera", "scanner": "service.hint_scanner",
             "code_reader": "service.hint_code_reader", "id_card_reader": "service.hint_id_card_reader"}
STATE_KEYS = {"pending": "service.q_pending", "held": "service.q_held", "quarantined": "service.q_quarantined"}


class ServicePage(KioskScreen):
    """A page of the service menu: refreshed when shown, forgotten when the menu closes."""

    busy = BooleanProperty(False)   # a worker runs: the menu does not time out
    message = StringProperty("")
    """What happened, in the staff's language (the catalogs)."""
    detail = StringProperty("")
    """What a lower layer said about it in its own words (an error's text, a file name):
    shown under the message as it came (a verbatim label, docs/ui.md)."""

    @property
    def actions(self):
        return self.app.service_actions

    @property
    def menu(self):
        return self.app.service_menu

    def on_pre_enter(self, *_):
        self.say("")
        self.refresh()

    def say(self, message: str, detail: str = "") -> None:
        """Show *message* (the app's words) and *detail* (a lower layer's, as it came)."""
        self.message, self.detail = message, detail

    def _time(self, iso) -> str:
        """A stored time in the station's time zone and the staff's language."""
        return datetime_text(iso, self.app.cfg.receipt.timezone, self.app.lang) if iso else "-"

    def _duration(self, seconds) -> str:
        return duration_text(seconds, self.app.lang)

    def refresh(self) -> None:
        """Fill the page (called each time it is shown)."""

    def forget(self) -> None:
        """Drop what the page shows (the menu closed)."""
        self.say("")

    def work(self, fn, *args, on_done, name: str) -> None:
        """Run *fn* on a worker; *on_done(result)* on the UI thread; errors become the message."""
        self.busy = True

        def done(result):
            self.busy = False
            on_done(result)

        def failed(e):
            self.busy = False
            self.say(self.app.t("service.failed"), str(e))
        run_in_worker(fn, *args, on_done=done, on_error=failed, name=name)


class PinPage(ServicePage):
    """The PIN pad."""

    entered = StringProperty("")

    def clear(self) -> None:
        self.entered = ""
        self.say("")

    def forget(self) -> None:
        self.clear()

    def press(self, digit: str) -> None:
        if len(self.entered) < PIN_MAX:
            self.entered += digit

    def back(self) -> None:
        self.entered = self.entered[:-1]

    def submit(self) -> None:
        if self.busy or not self.entered:
            return
        entered, self.entered = self.entered, ""
        self.say(self.app.t("service.pin_checking"))
        self.work(self.actions.check_pin, entered, on_done=self._checked, name="service-pin")

    def _checked(self, out) -> None:
        t = self.app.t
        if out.state == "ok":
            self.say("")
            self.menu.unlocked()
        elif out.state == "wrong":
            self.say(t("service.pin_wrong", tries=out.tries_left))
        elif out.state == "locked":
            self.say(t("service.pin_locked", wait=wait_text(out.wait_s, self.app.lang)))
        elif out.state == "not_set":
            self.say(t("service.pin_not_set"))
        else:
            self.say(t("service.pin_broken"), out.detail)


class StatusPage(ServicePage):
    """Station, version, clock, disk, database, queue, centre, config, model."""

    lines = StringProperty("")
    reasons = StringProperty("")
    """Why the centre link is down or refused, in the sync layer's words (shown as they
    came, under the app's own lines)."""

    def refresh(self) -> None:
        self.work(self.actions.status, on_done=self._show, name="service-status")

    def _show(self, s: dict) -> None:
        t, q, c = self.app.t, s["queue"], s["centre"]
        age = q["oldest_undelivered_age_s"]
        rows = [
            f"{t('service.st_station')}: {s['station']} {s['station_name']} · {t('service.st_version')} {s['version']}",
            f"{t('service.st_uptime')}: {self._duration(s['app_uptime_s'])} · {t('service.st_clock')}: "
            + t("service.st_clock_trusted" if s["clock_trusted"] else "service.st_clock_untrusted"),
            f"{t('service.st_disk')}: {s['disk']['free_mb']} MB / {s['disk']['total_mb']} MB · "
            f"{t('service.st_db')}: {s['db_size_mb']} MB",
            f"{t('service.st_queue')}: {q['pending']} {t('service.q_pending')}, {q['held']} {t('service.q_held')}, "
            f"{q['quarantined']} {t('service.q_quarantined')}"
            + (f" · {t('service.st_oldest')} {self._duration(age)}" if age is not None else ""),
            f"{t('service.st_contact')}: "
            + (self._time(c["last_contact"]) if c["last_contact"] else t("service.never"))
            + (f" · {t('service.st_outage_since')} {self._time(c['outage_since'])}" if c["outage_since"] else "")
            + (f" · {t('service.st_auth_refused')}" if c["auth_alert"] else ""),
            f"{t('service.st_etag')}: {s['station_config_etag'] or '-'}",
            f"{t('service.st_model')}: {model_text(s['speech_model'], self.app.lang)}",
        ]
        self.lines = "\n".join(rows)
        why = [f"{t('service.st_outage')}: {c['outage_last_error']}" if c["outage_since"] else "",
               f"{t('service.st_auth_reason')}: {c['auth_alert']}" if c["auth_alert"] else ""]
        self.reasons = "\n".join(x for x in why if x)

    def forget(self) -> None:
        super().forget()
        self.lines = self.reasons = ""


class SelfTestRow(Factory.BoxLayout):
    """One device: its last result and a "test" button."""

    device = StringProperty("")
    label_key = StringProperty("")
    result = StringProperty("")
    passed = BooleanProperty(False)


class SelfTestsPage(ServicePage):
    """Each device's self-test; the result is recorded and goes into the next heartbeat."""

    running = StringProperty("")
    level = NumericProperty(0.0)

    def refresh(self) -> None:
        last = self.actions.last_selftests()
        for device, rec in last.items():
            self._show_row(device, rec)

    def _show_row(self, device: str, rec: dict | None) -> None:
        row = self.ids[f"row_{device}"]
        if rec is None:
            row.result, row.passed = self.app.t("service.st_never_tested"), False
        else:
            row.passed = bool(rec.get("passed"))
            row.result = (self.app.t("service.pass") if row.passed else self.app.t("service.fail")) + \
                f" · {self._time(rec.get('at'))} · {selftest_text(rec, self.app.lang)}"

    def start(self, device: str) -> None:
        if self.busy:
            return
        self.running = device
        self.level = 0.0
        self.ids.picture.texture = None
        self.say(self.app.t(HINT_KEYS[device]))
        self.work(self.actions.run_selftest, device, self._level, on_done=self._done, name=f"selftest-{device}")

    def _level(self, value: float) -> None:
        call_in_ui(setattr, self, "level", value)  # from the worker thread

    def _done(self, outcome) -> None:
        from kiosk.app.feeds.camerafeed import frame_to_texture
        r = outcome.result
        self.running = ""
        self._show_row(r.device, r.as_dict())
        self.say("")
        if outcome.frame is not None:
            self.ids.picture.texture = frame_to_texture(outcome.frame)
        if outcome.audio_wav:
            self._play(outcome.audio_wav)

    def _play(self, wav: bytes) -> None:
        """Play the recording back (Kivy's audio; no output device is a message)."""
        try:
            from kivy.core.audio import SoundLoader
            path = self.app.tmp_root / "service-mic-test.wav"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(wav)
            sound = SoundLoader.load(str(path))
            if sound is None:
                raise RuntimeError("no audio output")
            sound.play()
        except Exception as e:
            log.warning("microphone test playback unavailable: %s", e)
            self.say(self.app.t("service.playback_unavailable"))

    def forget(self) -> None:
        super().forget()
        self.ids.picture.texture = None


class QueuePage(ServicePage):
    """Items by state; quarantined ones with the centre's reason and "retry"."""

    summary = StringProperty("")

    def refresh(self) -> None:
        self.work(self.actions.queue, on_done=self._show, name="service-queue")

    def _show(self, listing) -> None:
        t = self.app.t
        box = self.ids.rows
        box.clear_widgets()
        self.summary = (f"{len(listing.quarantined)} {t('service.q_quarantined')} · {len(listing.held)} "
                        f"{t('service.q_held')} · {len(listing.pending)} {t('service.q_pending')}")
        for state in ("quarantined", "held", "pending"):
            for e in getattr(listing, state):
                row = Factory.QueueRow(code=e.code, state=state, retryable=state == "quarantined",
                                       text=f"{e.code} · {self._time(e.created_at)} · "
                                            f"{self.category_text(e.category)} · {e.size_bytes // 1024} KB · "
                                            f"{t(STATE_KEYS[state])}",
                                       reason=t("service.reason", reason=e.reason) if e.reason else "")
                box.add_widget(row)

    def retry(self, code: str) -> None:
        from kiosk.app.maintenance.actions import RequeueRefused
        try:
            self.actions.retry(code)
        except RequeueRefused as e:  # someone retried it meanwhile (kiosk service requeue)
            self.refresh()
            self.say(self.app.t("service.retry_refused", code=code), str(e))
            return
        self.refresh()
        self.say(self.app.t("service.retried", code=code))

    def forget(self) -> None:
        super().forget()
        self.ids.rows.clear_widgets()
        self.summary = ""


class LogsPage(ServicePage):
    """The last log lines (scrubbed) and the event log."""

    text = StringProperty("")

    def refresh(self) -> None:
        self.work(self.actions.logs, on_done=self._show, name="service-logs")

    def _show(self, result) -> None:
        tails, events = result
        out = []
        for tail in tails:
            out.append(f"== {tail.source}" + (f" ({tail.problem})" if tail.problem else ""))
            out.extend(tail.lines[-40:])
        out.append(f"== {self.app.t('service.log_events')}")
        # the event's time as the other pages show times; its words are the event log's own
        out.extend(f"{self._time(e['at'])} {e['level']} {e['kind']}: {e['message']}" for e in events)
        self.text = "\n".join(out)

    def forget(self) -> None:
        super().forget()
        self.text = ""


class ExportPage(ServicePage):
    """Find a USB drive, write the bundle with a progress bar."""

    targets = ListProperty([])
    progress = NumericProperty(0.0)
    include_delivered = BooleanProperty(False)

    def refresh(self) -> None:
        self.targets = [str(p) for p in self.actions.export_targets()]
        self.progress = 0.0
        if not self.targets:
            self.say(self.app.t("service.no_drive"))

    def start(self) -> None:
        if self.busy or not self.targets:
            return
        from pathlib import Path
        self.progress = 0.0
        self.say(self.app.t("common.working"))
        self.work(self.actions.export, Path(self.targets[0]), self.include_delivered, self._progress,
                  on_done=self._done, name="service-export")

    def _progress(self, done: int, total: int) -> None:
        call_in_ui(setattr, self, "progress", done / total if total else 1.0)

    def _done(self, result) -> None:
        self.progress = 1.0
        msg = self.app.t("service.exported", items=result.items)
        if result.left_out:
            msg += " " + self.app.t("service.left_out", codes=", ".join(x["code"] for x in result.left_out))
        self.say(msg, result.bundle.name)


class ConfigPage(ServicePage):
    """The running config with secrets masked; validate the file on disk."""

    text = StringProperty("")

    def refresh(self) -> None:
        self.text = json.dumps(self.actions.config_text(), ensure_ascii=False, indent=1, default=str)

    def reload(self) -> None:
        from kiosk.config import ConfigError
        try:
            path = self.actions.reload_config()
        except ConfigError as e:
            self.say(self.app.t("service.reload_refused"), str(e))
            return
        self.say(self.app.t("service.reload_ok"), str(path))

    def forget(self) -> None:
        super().forget()
        self.text = ""


class SystemPage(ServicePage):
    """Reprint a receipt by code; restart the app; exit to the system; power."""

    code_text = StringProperty("")

    def press(self, digit: str) -> None:
        if len(self.code_text) < 13:
            self.code_text += digit

    def back(self) -> None:
        self.code_text = self.code_text[:-1]

    def reprint(self) -> None:
        if self.busy or not self.code_text:
            return
        self.work(self.actions.reprint, self.code_text, on_done=self._printed, name="service-reprint")

    def submit(self) -> None:
        """The pad's OK: reprint."""
        self.reprint()

    def _printed(self, code: str) -> None:
        self.code_text = ""
        self.say(self.app.t("service.reprinted", code=code))

    def power(self, action: str) -> None:
        try:
            self.actions.power(action)
        except RuntimeError as e:
            self.say(self.app.t("service.power_failed"), str(e))

    def forget(self) -> None:
        super().forget()
        self.code_text = ""


class QueueRow(Factory.BoxLayout):
    """One item on the Queue page (code, time, category, size, state, reason)."""

    code = StringProperty("")
    state = StringProperty("")
    text = StringProperty("")
    reason = StringProperty("")
    """Why the centre refused or held it, in the centre's or the sync layer's words (shown
    as they came: a verbatim label)."""
    retryable = BooleanProperty(False)


PAGE_CLASSES = {"service-pin": PinPage, "service-status": StatusPage, "service-selftests": SelfTestsPage,
                "service-queue": QueuePage, "service-logs": LogsPage, "service-export": ExportPage,
                "service-config": ConfigPage, "service-system": SystemPage}


for _cls in (*PAGE_CLASSES.values(), QueueRow, SelfTestRow):
    Factory.register(_cls.__name__, cls=_cls)
