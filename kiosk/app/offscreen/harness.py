"""Drive the real app without its blocking main loop: tests, `kiosk screens`, the benchmark.

The window is real (SDL offscreen on a machine with no display); frames are pumped with
``EventLoop.idle()`` exactly as Kivy's own GraphicUnitTest does, and taps are real
motion events dispatched through the event loop (kivy.tests.common.UnitTestTouch).
Call :func:`kiosk.app.kivyenv.prepare` before importing this module.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from kivy.base import EventLoop
from kivy.core.window import Window

from kiosk.app.kioskapp import KioskApp, register_font
from kiosk.app.fonts import find_font


class Harness:
    """One KioskApp in the (single, per-process) Kivy window."""

    def __init__(self, cfg, store, services, size=(1280, 800)):
        self.size = size
        register_font(find_font(cfg.ui.font_path))
        self.app = KioskApp(cfg, store, services)
        self.taps = 0

    def start(self) -> KioskApp:
        EventLoop.ensure_window()
        Window.size = self.size
        EventLoop.start()
        self.app._run_prepare()
        self.pump(3)
        return self.app

    def stop(self) -> None:
        """Stop the devices' threads (waiting for them), then the app; screens keep
        what they show so a test can still read them."""
        app = self.app
        app.stop_devices()
        app.dispatch("on_stop")
        for child in list(Window.children):
            Window.remove_widget(child)
        from kivy.app import App
        App._running_app = None
        self.pump(1)

    def pump(self, frames: int = 1) -> None:
        """Run *frames* iterations of the Kivy loop (clock, input, drawing)."""
        for _ in range(frames):
            EventLoop.idle()

    def wait(self, predicate, timeout: float = 10.0, what: str = "condition") -> None:
        """Pump frames until *predicate()* is true; AssertionError naming *what* otherwise."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.pump(1)
            if predicate():
                return
            time.sleep(0.01)
        raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")

    def tap(self, widget) -> None:
        """A real touch (down, then up) at the centre of *widget*."""
        from kivy.tests.common import UnitTestTouch
        from kivy.uix.screenmanager import Screen
        node = widget
        while node is not None and not isinstance(node, Screen):
            # the Window is its own parent: stop there (a widget of an overlay)
            node = None if node.parent is node else node.parent
        if node is not None and node.manager is not None and node.manager.current_screen is not node:
            raise AssertionError(f"cannot tap {getattr(widget, 'text', widget)!r}: its screen {node.name!r} "
                                 f"is not shown (current: {node.manager.current!r})")
        if widget.disabled:
            raise AssertionError(f"cannot tap disabled widget {widget!r} ({getattr(widget, 'text', '')!r})")
        self.pump(2)  # a screen just switched to must be laid out before we aim
        x, y = widget.to_window(*widget.center)
        self.taps += 1
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        self.pump(1)
        touch.touch_up()
        self.pump(2)

    def screen(self, name: str | None = None):
        return self.app.root.get_screen(name) if name else self.app.root.current_screen

    def screenshot(self, path: Path) -> Path:
        """Save what the window shows as a PNG at exactly *path*."""
        self.pump(2)
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        cwd = os.getcwd()
        try:
            os.chdir(path.parent)
            written = Window.screenshot(name=path.stem + ".png")
        finally:
            os.chdir(cwd)
        shutil.move(written, path)
        return path

    def find(self, root, predicate):
        """The first widget under *root* (depth first) for which *predicate* is true."""
        for w in root.walk(restrict=True):
            if predicate(w):
                return w
        raise AssertionError(f"no matching widget under {root!r}")

    def key(self, keyboard, value: str):
        """The key of an on-screen keyboard that types *value*."""
        return self.find(keyboard, lambda w: getattr(w, "value", None) == value)

    def type(self, keyboard, letters: str) -> None:
        """Tap the keys for *letters*, one real touch each."""
        for ch in letters:
            self.tap(self.key(keyboard, ch))
