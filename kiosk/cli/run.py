"""`kiosk run [--fake-hardware]`: the touchscreen app."""

from __future__ import annotations

NAME = "run"
HELP = "start the touchscreen app (full screen; --fake-hardware for a PC without devices)"


def register(p) -> None:
    p.add_argument("--fake-hardware", action="store_true",
                   help="use the fake microphone, printer and cameras shipped in drivers/ (a developer PC)")
    p.add_argument("--windowed", action="store_true",
                   help="a ui.window_width × ui.window_height window instead of full screen")


def run(args, ctx) -> int:
    import dataclasses
    import logging

    from kiosk.cli import main as cli
    from kiosk.core.diskguard import DiskSpaceError
    from kiosk.core.store import StoreError
    from kiosk.app.fonts import FontNotFound, find_font

    cfg = ctx.config
    if args.windowed:
        cfg = dataclasses.replace(cfg, ui=dataclasses.replace(cfg.ui, fullscreen=False))
    try:
        font = find_font(cfg.ui.font_path)
    except FontNotFound as e:
        return ctx.fail(cli.EXIT_FAIL, f"cannot start the touchscreen app: {e}")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        # Leftovers of an interrupted commit only (verify=False): the sync daemon re-hashes
        # the queue's files when it starts, so a long backlog does not delay the screen.
        # wait_for_disk: on a disk too full to open the store at all (full before the disk
        # guard's ballast was made, e.g. at first boot) the app still starts, out of
        # service with the hotline, and opens the store once space is freed.
        store = ctx.open_store(verify=False, wait_for_disk=True)
    except (StoreError, DiskSpaceError) as e:
        return ctx.fail(cli.EXIT_STORAGE, f"cannot open the store: {e}")
    # (store.is_open False: the app's first disk look logs why and shows the hotline.)
    if store.is_open:
        from kiosk.core import stationkey
        stationkey.ensure(store)  # first start: the station's signing key is created

    from kiosk.app import kivyenv
    kivyenv.prepare(cfg.ui)

    from kivy.clock import Clock

    from kiosk.app.kioskapp import KioskApp, register_font
    from kiosk.app.services import Services
    from kiosk.runtime.watchdog import Notifier

    register_font(font)
    _survive_exceptions()
    from kiosk import config as configmod
    app = KioskApp(cfg, store, Services(cfg, store, fake_hardware=args.fake_hardware),
                   config_path=configmod.resolve_path(args.config))
    notifier = Notifier()

    def started(_dt):
        notifier.ready("touchscreen app running")
        # Petted from the Kivy clock on the UI thread: a hung UI thread stops the pets
        # and systemd restarts the app (WatchdogSec in systemd/minyi-kiosk-ui.service).
        Clock.schedule_interval(lambda _dt: notifier.pet(), 10)

    Clock.schedule_once(started, 0)
    _stop_on_signals(app)
    app.run()
    notifier.stopping()
    # 0, or EXIT_TO_SYSTEM when staff left the app from the service menu (kiosk/app/maintenance).
    return app.exit_code


def _stop_on_signals(app) -> None:
    """SIGTERM (systemctl stop / restart) and SIGINT (Ctrl-C) stop the app cleanly: the
    devices are closed, an item being saved is stored first, exit status 0."""
    import signal

    def handler(signum, _frame):
        app.request_stop(signal.Signals(signum).name)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, handler)


def _survive_exceptions() -> None:
    """A bug in one screen must not take the kiosk down: log it, wipe, go home.

    Kivy hands exceptions from its main loop to the ExceptionManager; returning PASS
    keeps the loop running (kivy.base.ExceptionManager). systemd still restarts the
    app if it dies some other way.
    """
    import logging

    from kivy.app import App
    from kivy.base import ExceptionHandler, ExceptionManager
    from kivy.clock import Clock

    class Handler(ExceptionHandler):
        def handle_exception(self, inst):
            if isinstance(inst, (KeyboardInterrupt, SystemExit)):
                return ExceptionManager.RAISE
            logging.getLogger("kiosk.app").error("UI error, session reset", exc_info=inst)
            app = App.get_running_app()
            if app is not None:
                Clock.schedule_once(lambda _dt: app.reset_session(), 0)
            return ExceptionManager.PASS

    ExceptionManager.add_handler(Handler())
