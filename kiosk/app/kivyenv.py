"""Kivy process setup: environment and Config, applied BEFORE the first kivy import.

Call :func:`prepare` first thing in `kiosk run`, `kiosk screens`, the tests and the
benchmark. It decides, once per process:

* ``KIVY_NO_ARGS`` (Kivy must not eat our argv) and a private ``KIVY_HOME`` (no user
  config.ini can change input providers or exit behaviour behind our back);
* Escape never exits (``exit_on_escape = 0``; the window's close request is refused
  separately in kioskapp.py — only the service menu, or SIGTERM/SIGINT, stops the app);
* SDL installs no signal handlers (SIGTERM must stop the app, not ask to close its window);
* exactly ONE touch input provider. On Linux, Kivy's default config enables both the
  SDL window's ``mouse`` provider — SDL synthesises mouse events from the touchscreen —
  and ``probesysfs`` (hidinput/mtdev reading /dev/input/event* directly). With both, a
  finger tap arrives twice: once as a mouse click and once as a touch (kivy/kivy#1903 eGalax,
  kivy/kivy#3801 Raspberry Pi: "every touch is a double-touch"). We remove every provider and add back one:
  ``mouse`` with ``disable_multitouch`` (no right-click "red dot" simulated second
  finger) by default, or a kernel provider (mtdev / hidinput) on one device when
  ``ui.touch_input`` says so — then the mouse provider is gone.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

_prepared = False


def prepare(ui_settings=None, *, offscreen: bool = False, size: tuple[int, int] | None = None) -> None:
    """Set env and Kivy Config for this process (idempotent; first call wins for env)."""
    global _prepared
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
    if "KIVY_HOME" not in os.environ:
        home = Path(tempfile.gettempdir()) / f"minyi-kiosk-kivy-{os.getuid()}"
        home.mkdir(mode=0o700, exist_ok=True)
        os.environ["KIVY_HOME"] = str(home)
    if offscreen:
        os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
    # SDL turns SIGTERM and SIGINT into a window close (SDL_QUIT) unless told not to
    # (SDL_HINT_NO_SIGNAL_HANDLERS, SDL_hints.h), and the kiosk refuses window closes: then
    # `systemctl stop` waited out TimeoutStopSec and killed the app. The signals are ours:
    # `kiosk run` installs handlers that stop cleanly (KioskApp.request_stop); elsewhere
    # (kiosk screens, tests) Python's defaults apply.
    os.environ["SDL_NO_SIGNAL_HANDLERS"] = "1"
    # Default config only: a stray ~/.kivy/config.ini must not re-enable providers.
    os.environ["KIVY_USE_DEFAULTCONFIG"] = "1"

    from kivy.config import Config

    Config.set("kivy", "exit_on_escape", "0")
    Config.set("kivy", "pause_on_minimize", "0")
    Config.set("kivy", "keyboard_mode", "system")  # our own on-screen keyboards; no VKeyboard
    Config.set("kivy", "log_level", "warning")
    Config.set("graphics", "multisamples", "0")   # llvmpipe / Pi GPU: cheaper, no visible loss
    if ui_settings is not None:
        Config.set("graphics", "fullscreen", "auto" if ui_settings.fullscreen and not offscreen else "0")
        Config.set("graphics", "show_cursor", "1" if ui_settings.show_cursor else "0")
        w, h = size or (ui_settings.window_width, ui_settings.window_height)
    else:
        w, h = size or (1280, 800)
    Config.set("graphics", "width", str(w))
    Config.set("graphics", "height", str(h))
    Config.set("graphics", "resizable", "0")
    configure_input(Config, getattr(ui_settings, "touch_input", "mouse"),
                    getattr(ui_settings, "touch_device", ""))
    _prepared = True


def is_offscreen() -> bool:
    """Whether SDL draws into an offscreen surface (``SDL_VIDEODRIVER=offscreen``, which
    :func:`prepare` sets for ``offscreen=True``: tests, ``kiosk screens``, the benchmarks,
    a demo on a machine with no display)."""
    return os.environ.get("SDL_VIDEODRIVER", "") == "offscreen"


def finish_gl_frame(*_args) -> None:
    """Wait until the GL driver has drawn the frame just completed (glFinish).

    On a real display the buffer swap ends a frame, and the driver's swap throttling keeps
    at most a frame or two waiting. SDL's offscreen window is an EGL pbuffer, and on a
    pbuffer eglSwapBuffers "has no effect" (EGL 1.5 specification, 3.10.1): nothing ends a
    frame. Mesa's software rasteriser (llvmpipe, docs/platform.md) then went on binning
    frame after frame into one scene until it reached its size limit (36 MB,
    LP_SCENE_MAX_SIZE in Mesa's lp_scene.h), holding every texture those frames used with
    it, and the idle app's heap swung by tens of MB with how many frames happened to be
    waiting: the spread that hid the real figure in tests/bench/bench_soak.py (docs/ui.md,
    "Memory over a day"). A glFlush alone is not enough: frames pumped faster than the
    rasteriser draws them pile up in its queue instead. Bound to the window's
    ``on_flip`` only when :func:`is_offscreen`; Kivy dispatches ``on_flip`` only for a
    frame that was redrawn, so an idle screen costs nothing.
    """
    from kivy.graphics.opengl import glFinish
    glFinish()


def configure_input(Config, touch_input: str = "mouse", touch_device: str = "") -> dict[str, str]:
    """Leave exactly one input provider in Kivy's [input] section; return the section."""
    for key, _ in list(Config.items("input")):
        Config.remove_option("input", key)
    if touch_input == "mouse":
        Config.set("input", "mouse", "mouse,disable_multitouch")
    else:
        Config.set("input", "touchscreen", f"{touch_input},{touch_device}")
    # Postprocessing: no double-tap/triple-tap synthesis surprises; keep Kivy's defaults
    # for jitter. Nothing here adds a provider.
    return dict(Config.items("input"))
