"""The Vosk model, loaded once per process on a background thread, with a visible state.

A Vosk model takes seconds to load and hundreds of MB of memory (docs/platform.md,
"Vosk": the Korean test model 1-2 s and ~550 MB), so the UI must never wait for it and the process must
never load it twice (a Vosk tracker pitfall). :func:`holder_for` returns the one
:class:`ModelHolder` per model directory; :meth:`ModelHolder.start_loading` returns at
once and the state moves ``absent → loading → ready`` (or ``failed`` with a reason).
The UI polls :attr:`ModelHolder.state` or registers a listener.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from enum import Enum
from pathlib import Path
from typing import Any, Callable

from kiosk.voice import models as layout

log = logging.getLogger(__name__)


class ModelState(str, Enum):
    """Where the model is: not there, on its way, usable, or broken."""

    ABSENT = "absent"
    LOADING = "loading"
    READY = "ready"
    FAILED = "failed"


Listener = Callable[["ModelHolder"], None]


def _vosk_loader(path: str) -> Any:
    import vosk
    vosk.SetLogLevel(-1)  # Kaldi's INFO lines would flood the kiosk's log on every load
    return vosk.Model(path)


class ModelHolder:
    """Holds one Vosk model for the whole process.

    *model_dir* may be a symlink (``<models_dir>/current``); it is resolved when loading
    starts, so switching the link later does not change a loaded model (restart the app
    to pick up a newly installed one). *loader* builds the model from a path (the
    default uses Vosk).
    """

    def __init__(self, model_dir: str | os.PathLike | None, loader: Callable[[str], Any] | None = None):
        self.model_dir = Path(model_dir) if model_dir else None
        self._loader = loader or _vosk_loader
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._listeners: list[Listener] = []
        self._state = ModelState.ABSENT
        self._reason = "not loaded yet"
        self._model: Any = None
        self._thread: threading.Thread | None = None
        self.loaded_path: Path | None = None
        self.load_seconds: float | None = None
        self.sample_rate = 16000

    # -- state ---------------------------------------------------------------------

    @property
    def state(self) -> ModelState:
        return self._state

    @property
    def reason(self) -> str:
        """Why the model is absent or failed (empty when ready or loading)."""
        return self._reason

    @property
    def model(self) -> Any:
        """The loaded ``vosk.Model`` (None unless the state is ready)."""
        return self._model if self._state is ModelState.READY else None

    def snapshot(self) -> dict:
        """State, reason, path and load time as a dict (for doctor, logs and the service screen)."""
        return {"state": self._state.value, "reason": self._reason,
                "path": str(self.loaded_path or self.model_dir or ""),
                "load_seconds": self.load_seconds}

    def add_listener(self, fn: Listener) -> None:
        """Call *fn(holder)* on every state change (from the loading thread)."""
        with self._lock:
            self._listeners.append(fn)

    def _set(self, state: ModelState, reason: str = "") -> None:
        with self._lock:
            self._state, self._reason = state, reason
            listeners = list(self._listeners)
            self._changed.notify_all()
        for fn in listeners:
            try:
                fn(self)
            except Exception:  # a broken listener must not stop the loading thread
                log.exception("model state listener failed")

    # -- loading -------------------------------------------------------------------

    def start_loading(self) -> None:
        """Begin loading in the background; returns at once. Idempotent.

        Does nothing when loading or loaded; retries after a failure or when the model
        was absent (it may have been installed since).
        """
        with self._lock:
            if self._state in (ModelState.LOADING, ModelState.READY):
                return
            problem = layout.model_problem(self.model_dir) if self.model_dir else \
                "no speech model configured"
            if not problem:  # claim the load under the lock: two callers, one thread
                self._state, self._reason = ModelState.LOADING, ""
        if problem:
            self._set(ModelState.ABSENT, problem + "; install one with `kiosk models install`")
            return
        self._set(ModelState.LOADING)
        self._thread = threading.Thread(target=self._load, name="vosk-model-load", daemon=True)
        self._thread.start()

    def load(self, timeout: float | None = None) -> ModelState:
        """Start loading if needed and wait for the outcome (CLI and tests)."""
        self.start_loading()
        return self.wait(timeout)

    def wait(self, timeout: float | None = None) -> ModelState:
        """Block until the state is not ``loading`` (or *timeout* passes); return the state."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._changed:
            while self._state is ModelState.LOADING:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    break
                self._changed.wait(left)
            return self._state

    def _load(self) -> None:
        path = self.model_dir.resolve()
        t0 = time.monotonic()
        try:
            model = self._loader(str(path))
        except Exception as e:  # Vosk says only "Failed to create a model"
            log.warning("speech model at %s failed to load: %s", path, e)
            self._set(ModelState.FAILED, f"Vosk could not load the model at {path} ({e}); "
                                         "reinstall it with `kiosk models install`")
            return
        self.load_seconds = time.monotonic() - t0
        self.loaded_path = path
        self.sample_rate = layout.model_sample_rate(path)
        with self._lock:
            self._model = model
        log.info("speech model %s loaded in %.1f s", path.name, self.load_seconds)
        self._set(ModelState.READY)


_holders: dict[str, ModelHolder] = {}
_holders_lock = threading.Lock()


def holder_for(model_dir: str | os.PathLike | None) -> ModelHolder:
    """The process-wide holder for *model_dir* (created on first call, never loaded twice)."""
    key = os.path.abspath(model_dir) if model_dir else ""
    with _holders_lock:
        holder = _holders.get(key)
        if holder is None:
            holder = _holders[key] = ModelHolder(model_dir or None)
        return holder


def holder_from_config(config) -> ModelHolder:
    """The process-wide holder for the model the configuration selects."""
    return holder_for(layout.model_path(config.asr, config.storage))
