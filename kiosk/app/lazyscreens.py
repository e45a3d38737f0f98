"""A ScreenManager that makes each screen when it is first needed.

Building all of the app's screens (and the service menu's pages) up front took about
0.6 s of a 1.2 s cold start, most of it in Kivy applying kv rules to widgets no one
looks at yet (issue 24, tests/bench/bench_ui.py). The home screen is made at start; every
other screen is made the first time it is shown or asked for, or, whichever comes first,
one per frame once the home screen is up (:meth:`LazyScreenManager.make_next`), so a
resident's first tap rarely waits for one.
"""

from __future__ import annotations

from typing import Callable

from kivy.uix.screenmanager import Screen, ScreenManager


class LazyScreenManager(ScreenManager):
    """:class:`ScreenManager` whose screens may be registered as makers, made on demand."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self._makers: dict[str, Callable[[], Screen]] = {}

    def defer(self, name: str, make: Callable[[], Screen]) -> None:
        """Register *make* (returns the screen called *name*) to run when it is first needed."""
        self._makers[name] = make

    def get_screen(self, name: str) -> Screen:
        """The screen called *name*, made now if it was deferred."""
        self._make(name)
        return super().get_screen(name)

    def has_screen(self, name: str) -> bool:
        """Whether there is (or will be, when asked for) a screen called *name*."""
        return name in self._makers or super().has_screen(name)

    def made_screens(self) -> list[Screen]:
        """The screens made so far (a deferred one has nothing to reset or forget)."""
        return list(self.screens)

    def make_next(self) -> bool:
        """Make one deferred screen, in the order they were deferred; whether any remain."""
        if self._makers:
            self._make(next(iter(self._makers)))
        return bool(self._makers)

    def _make(self, name: str) -> None:
        make = self._makers.pop(name, None)
        if make is not None:
            self.add_widget(make())
