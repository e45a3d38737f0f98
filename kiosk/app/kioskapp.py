"""The Kivy application: screens, language, the session, idle and escape handling.

Thin on purpose: each screen's behaviour lives in kiosk/app/screens/<name>.py with its
layout in kiosk/app/kv/<name>.kv; everything outside the UI is reached through
the per-capability services of kiosk.app.services; workers report back through
kiosk.app.feeds.mainthread.
"""

from __future__ import annotations

import logging
import time
from functools import partial
from pathlib import Path

from kivy.app import App
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import NoTransition

from kiosk.runtime import allocator
from kiosk.app import i18n, kivyenv
from kiosk.app.dimmer import Dimmer
from kiosk.app.guidance import Guidance
from kiosk.app.idle import IdleWatcher
from kiosk.app.feeds.mainthread import run_in_worker
from kiosk.app.screens import SCREENS
from kiosk.app.session import Session, clean_tmp_root

log = logging.getLogger(__name__)
KV_DIR = Path(__file__).resolve().parent / "kv"
DISK_CHECK_S = 15  # how often the app looks at the disk guard (one statvfs)
STOP_POLL_S = 0.25  # how often the UI thread looks for a stop request (a signal)
# After the home screen is drawn, the screens not made yet are made one a frame
# (kiosk/app/lazyscreens.py); the delay lets the first frames go out first.
SCREEN_PREBUILD_DELAY_S = 0.5
UNUSED_SCREENS = ("home", "attract")  # where the kiosk waits for the next resident
STOP_WAIT_S = 10.0  # how long a stop waits for the item being saved (below TimeoutStopSec)
_kv_loaded = False


def load_kv() -> None:
    """Load every .kv file once per process (widgets first, then one per screen)."""
    global _kv_loaded
    if _kv_loaded:
        return
    import kiosk.app.widgets.base  # noqa: F401  (registers classes with the Factory)
    import kiosk.app.widgets.keyboard  # noqa: F401
    from kiosk.app.screens import (address, answer, camera, done, finish, home, identity, letter, lookup,  # noqa: F401
                                  photo, review, unavailable, voice, write)
    from kiosk.app.screens import announcements, attract, board, public, representatives  # noqa: F401
    for name in ("widgets", "keyboard", "base", "idle", "public", *SCREENS):
        Builder.load_file(str(KV_DIR / f"{name}.kv"))
    from kiosk.app import maintenance as service
    service.load_kv(KV_DIR)
    _kv_loaded = True


def register_font(path: Path) -> None:
    """Make the CJK font Kivy's default for every label."""
    from kivy.core.text import DEFAULT_FONT, LabelBase
    LabelBase.register(DEFAULT_FONT, str(path))


class KioskApp(App):
    """The touchscreen app of one kiosk."""

    lang = StringProperty("zh-CN")
    busy = BooleanProperty(False)   # recording or saving: the idle timer waits
    title = "minyi-kiosk"

    def __init__(self, cfg, store, services, *, config_path=None, **kw):
        super().__init__(**kw)
        # A day of camera frames and scans must not leave the process fragmented
        # (kiosk/runtime/allocator.py; docs/ui.md, "Memory over a day").
        tuning = allocator.tune_for_long_running()
        log.info("C allocator: %s", tuning.detail)
        self.cfg = cfg
        self.store = store
        self.services = services
        self.lang = cfg.ui.default_language
        self.tmp_root = Path(cfg.storage.data_dir) / "ui-session"
        clean_tmp_root(self.tmp_root)
        self.session = Session(self.tmp_root)
        self.idle = IdleWatcher(self)
        self.dimmer = Dimmer(self)
        self.guidance = Guidance(self)
        self._submitting = False
        self._outage_cause = None  # the last check_disk's (kiosk.app.services.submission.Outage)
        from kiosk.app.maintenance.actions import ServiceActions
        from kiosk.app.maintenance.controller import ServiceMenu
        # config_path: the file the service menu's Config page re-reads (None: $KIOSK_CONFIG).
        self.service_actions = ServiceActions(cfg, store, services, config_path=config_path)
        self.service_menu = ServiceMenu(self, self.service_actions)
        self.exit_code = 0  # `kiosk run` exits with it (the service menu's restart / exit)
        self._stop_request: str | None = None
        self._stop_since: float | None = None
        self._clock_events: list = []   # the intervals on_start schedules, cancelled by on_stop

    # -- strings ----------------------------------------------------------------------

    def t(self, key: str, lang: str | None = None, **fmt) -> str:
        """Catalog string (kv passes ``app.lang`` so labels follow language changes)."""
        return i18n.tr(key, lang or self.lang, **fmt)

    def set_language(self, lang: str) -> None:
        if lang in i18n.LANGUAGES:
            self.lang = lang
            current = self.root.current_screen if self.root else None
            if current is not None and hasattr(current, "on_language"):
                current.on_language()

    # -- building ---------------------------------------------------------------------

    def build(self):
        load_kv()
        from kivy.factory import Factory
        from kiosk.app.lazyscreens import LazyScreenManager
        sm = LazyScreenManager(transition=NoTransition())
        for name in SCREENS:
            sm.defer(name, partial(getattr(Factory, f"{name.capitalize()}Screen"), name=name))
        sm.get_screen("home")  # the first screen shown; the others are made when needed
        from kiosk.app import maintenance as service
        service.add_pages(sm)
        return sm

    def on_start(self):
        Window.bind(on_request_close=self._refuse_close, on_keyboard=self._on_keyboard)
        if kivyenv.is_offscreen():  # a pbuffer's swap ends no frame (kivyenv)
            Window.bind(on_flip=kivyenv.finish_gl_frame)
        self.idle.start()
        self.dimmer.start()
        self.guidance.start()
        self.service_menu.start()
        if self.cfg.asr.preload:  # else the model loads on the first voice entry
            self.services.voice.start_loading()
        from kivy.clock import Clock
        self.check_disk()
        self._clock_events = [Clock.schedule_interval(lambda _dt: self.check_disk(), DISK_CHECK_S),
                              Clock.schedule_interval(lambda _dt: self._stop_if_requested(), STOP_POLL_S)]
        self._make_screens_later()

    def _make_screens_later(self) -> None:
        # One deferred screen a frame once the home screen is up (kiosk/app/lazyscreens.py),
        # only while no one is using the kiosk: making one can take a frame of 100 ms or
        # more, which a resident recording or looking at a preview would see. The events
        # are in _clock_events, so a stopped app makes no more.
        from kivy.clock import Clock

        def make_one(_dt):
            if self.root is None:
                return False
            if self.root.current not in UNUSED_SCREENS or not self.session.is_empty():
                return True  # someone is here: wait (the screens they open are made then)
            return self.root.make_next()  # False (none left) unschedules

        def start(_dt):
            self._clock_events.append(Clock.schedule_interval(make_one, 0))
        self._clock_events.append(Clock.schedule_once(start, SCREEN_PREBUILD_DELAY_S))

    def on_stop(self):
        for event in self._clock_events:
            event.cancel()
        self._clock_events = []
        self.stop_devices(timeout=2.0)
        self.idle.stop()
        self.dimmer.stop()
        self.guidance.stop()
        self.service_menu.stop()
        Window.unbind(on_request_close=self._refuse_close, on_keyboard=self._on_keyboard)
        Window.unbind(on_flip=kivyenv.finish_gl_frame)

    # -- stopping on a signal ---------------------------------------------------------

    def request_stop(self, reason: str) -> None:
        """Ask the app to stop (``kiosk run``'s SIGTERM / SIGINT handler calls this).

        Safe from a signal handler: it only records the request; the UI thread acts on it
        within :data:`STOP_POLL_S` - after the item being saved, if any, is stored (at most
        :data:`STOP_WAIT_S`), so a stop never cuts a resident's submission short.
        """
        self._stop_request = reason

    def _stop_if_requested(self, now: float | None = None) -> None:
        if self._stop_request is None:
            return
        now = time.monotonic() if now is None else now
        if self._stop_since is None:
            self._stop_since = now
            log.info("%s: stopping the touchscreen app%s", self._stop_request,
                     " once the item being saved is stored" if self._submitting else "")
        if self._submitting and now - self._stop_since < STOP_WAIT_S:
            return
        if self._submitting:
            log.error("%s: the item being saved did not finish in %.0f s; stopping anyway "
                      "(the store keeps it whole or not at all)", self._stop_request, STOP_WAIT_S)
        self._stop_request = self._stop_since = None
        self.stop()

    def _refuse_close(self, *_args, **_kw):
        # Only the service menu may exit (kiosk/app/maintenance); a window-manager close is ignored.
        log.info("window close refused")
        return True

    def _on_keyboard(self, _window, key, *_):
        # 27 = Escape (and Android back): swallow it, the kiosk never exits on a key.
        return key == 27

    # -- navigation -------------------------------------------------------------------

    def go(self, name: str) -> None:
        self.root.current = name

    def screen(self, name: str):
        return self.root.get_screen(name)

    def show_attract(self) -> None:
        """No one is using the kiosk: the attract screen (docs/ui.md "Attract screen")."""
        self.go("attract")

    def leave_attract(self) -> None:
        """The first touch on the attract screen: home, and the idle timer starts over."""
        self.go("home")
        self.idle.touch()

    def start_path(self, feature: str, *, keep_session: bool = False) -> None:
        """Home tile tapped: voice starts recording at once; the others open their screen."""
        if not keep_session:
            self.new_session(keep_representative=True)
        self.screen("home").notice("")
        if feature == "voice":
            self.session.source = "voice"
            self.go("voice")
            # The spoken prompt ends before the microphone opens: it is never recorded.
            self.guidance.play("voice", then=self._open_microphone)
        elif feature == "text":
            self.session.source = "text"
            self.edit_text(return_to="finish")
        elif feature in ("photo", "letter"):
            self.go(feature)
        elif feature == "lookup":
            self.go("lookup")

    def _open_microphone(self) -> None:
        if self.root.current != "voice":
            return  # the resident left during the prompt
        if not self.screen("voice").start():
            self.go("home")
            self.screen("home").disable("voice", "voice.no_mic")

    def edit_text(self, return_to: str) -> None:
        self.screen("write").return_to = return_to
        self.go("write")

    def stop_devices(self, timeout: float = 5.0) -> bool:
        """Stop camera previews, the code and ID-card readers and a recording, and wait for their
        threads (before the app exits). True when every thread ended in time.

        A daemon thread still inside OpenCV or Vosk while the interpreter shuts down
        makes the process abort ("terminate called without an active exception"); the
        screens keep what they show.
        """
        feeds = []
        for name in ("photo", "letter", "lookup", "address"):
            screen = self.screen(name)
            if screen.feed is not None:
                feeds.append(screen.feed)
                screen.stop_feed()
        self.screen("identity").close_reader()  # ends a card read waiting in its worker
        voice = self.screen("voice")
        session = voice.session_in_progress()
        if session is not None:
            voice.cancel_recording()
        ended = all(f.join(timeout) for f in feeds)
        if session is not None:
            ended = session.wait(timeout) is not None and ended
        return ended

    # -- session ----------------------------------------------------------------------

    def new_session(self, *, keep_representative: bool = False) -> None:
        """Start a fresh session (the previous one is wiped); *keep_representative*: the
        new one addresses whom the old one did (chosen on a public screen before the
        resident picked a way to tell their matter)."""
        chosen = (self.session.representative_id, self.session.representative_name)
        self.session.wipe()
        self.session = Session(self.tmp_root)
        if keep_representative:
            self.session.address(*chosen)

    def open_address(self, return_to: str) -> None:
        """The address screen (找代表); the choice goes back to *return_to*: "finish", or
        "home" from the public screens (a new matter for that representative)."""
        self.screen("address").return_to = return_to
        self.go("address")

    def address_representative(self, rep_id: str | None, name: str, return_to: str) -> None:
        """Address the item to *rep_id* (None: nobody in particular) and go back."""
        if return_to == "finish":
            self.session.address(rep_id, name)
            self.go("finish")
            return
        self.new_session()
        self.session.address(rep_id, name)
        self.go("home")
        self.screen("home").notice(self.t("address.chosen_home", name=name) if rep_id else "")

    def reset_session(self) -> None:
        """Wipe everything of this resident and go home (idle, finish, cancel)."""
        self.idle.dismiss()
        self.busy = False
        for screen in self.root.made_screens():  # a screen not made yet holds nothing
            if screen.name not in SCREENS:
                continue
            try:
                screen.reset()
            except Exception:
                log.exception("reset of screen %s failed", screen.name)
        self.session.wipe()
        clean_tmp_root(self.tmp_root)
        self.session = Session(self.tmp_root)
        self.lang = self.cfg.ui.default_language
        self.go("home")
        self.idle.touch()
        # The session's frames, scans and recordings are freed now: give their pages back
        # while no one waits (kiosk/runtime/allocator.py).
        allocator.release_free_memory()

    # -- a full disk --------------------------------------------------------------------

    def check_disk(self) -> None:
        """Out of service while nothing can be stored (the disk guard says critical, or a
        disk full since start-up keeps the store closed); back home once it can."""
        outage = self.services.submission.out_of_service()
        current = self.root.current if self.root else None
        if outage and current != "unavailable" and not self._submitting:
            self.show_unavailable(outage.detail)
        elif outage and current == "unavailable" and outage.cause is not self._outage_cause:
            log.error("still out of service: %s", outage.detail)
        elif not outage and current == "unavailable":
            log.info("disk has room again: back in service")
            self.reset_session()
        self._outage_cause = outage.cause if outage else None

    def show_unavailable(self, reason: str) -> None:
        """Wipe the session (nothing of it can be stored) and show the hotline; *reason* goes to the log."""
        if self.root.current != "unavailable":
            log.error("%s: out of service until space is freed (looking again every %d s)", reason, DISK_CHECK_S)
            self.stop_devices(timeout=2.0)
            self.reset_session()
            self.go("unavailable")

    # -- submit -----------------------------------------------------------------------

    def submit(self) -> None:
        """Commit the session as an item, then print; the done screen shows the code."""
        if self._submitting:
            return  # a second tap while saving must not create a second item
        from kiosk.app.services.submitting import snapshot, submit_and_print
        back_to = self.root.current
        snap = snapshot(self.session, self.lang)
        self._submitting = True
        self.busy = True
        self.screen("done").show_pending()
        self.go("done")
        run_in_worker(submit_and_print, self.services, snap,
                      on_done=self._submitted, on_error=lambda e: self._submit_failed(e, back_to),
                      name="submit")

    def _submitted(self, outcome) -> None:
        self._submitting = False
        self.busy = False
        # The item is stored: nothing of the session is needed any more except the code.
        self.session.wipe()
        self.session = Session(self.tmp_root)
        self.screen("done").show_result(outcome.code, outcome.printing, outcome.secret)
        self.idle.touch()

    def _submit_failed(self, e: BaseException, back_to: str) -> None:
        from kiosk.app.services import (DiskFullError, MediaRefusedError, OutOfServiceError, StoreError,
                                       SubmissionError)
        self._submitting = False
        self.busy = False
        if isinstance(e, OutOfServiceError):
            self.show_unavailable(f"submission refused: {e}")
            return
        offer_text_only = False
        if isinstance(e, MediaRefusedError):
            log.warning("submission refused: %s", e)
            msg = self.t("finish.error_media_refused")
            offer_text_only = True
        elif isinstance(e, SubmissionError):
            # The core's message is English and technical: name the field in the
            # resident's language instead (the full message goes to the log).
            log.warning("submission refused: %s: %s", e.field, e)
            field = f"field.{e.field}"
            detail = self.t(field) if field in i18n.catalog(self.lang) else e.field
            msg = self.t("finish.error_field", detail=detail)
        elif isinstance(e, DiskFullError):
            msg = self.t("finish.error_disk")
        elif isinstance(e, StoreError):
            msg = self.t("finish.error_store")
        else:
            msg = self.t("finish.error_store")
        self.go(back_to if back_to != "done" else "finish")
        self.screen(self.root.current).notice(msg)
        if self.root.current == "finish":
            self.screen("finish").offer_text_only = offer_text_only
