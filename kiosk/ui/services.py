"""The app's one adapter to everything outside the UI (store, voice, receipts, cameras, IME).

The screens never import kiosk.voice, kiosk.receipt, kiosk.media, kiosk.ime or drivers/
directly: they ask :class:`Services`. Imports are lazy so that a missing capability (or
missing hardware) disables one feature with a message instead of stopping the app, and
so that tests can hand the app their own Services with fakes at the hardware edge.

Nothing here touches widgets. Methods that block (submit, print, camera reads, page
processing) are called from worker threads by the screens.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

log = logging.getLogger(__name__)

ASSETS = Path(__file__).resolve().parent.parent.parent / "assets"
SAMPLE_WAV = ASSETS / "sounds" / "sample-zh.wav"


class FeatureUnavailable(Exception):
    """A feature cannot be used now (module not installed, device missing)."""

    expected = True  # logged without a traceback: this is a state, not a bug

    def __init__(self, feature: str, detail: str):
        self.feature = feature
        self.detail = detail
        super().__init__(f"{feature}: {detail}")


class ImageUnusable(Exception):
    """A captured image was rejected (malformed, too large)."""

    expected = True


@dataclass(frozen=True)
class VoiceEvent:
    """A voice-session event as the UI sees it (normalised from kiosk.voice)."""

    kind: str                  # partial / segment / level / ended / error
    text: str = ""             # partial: all recognised so far; segment: the new segment
    level: float = 0.0
    result: Any = None         # the VoiceResult on "ended"
    detail: str = ""           # error: what went wrong
    transcript: str = ""       # segment: all recognised so far


@dataclass(frozen=True)
class PrintResult:
    """What the done screen needs from printing."""

    printed: bool
    reason: str | None = None


@dataclass(frozen=True)
class ScannedPage:
    """One processed letter page."""

    jpeg: bytes
    found_page: bool
    preview: Any = None        # an image (numpy BGR array or JPEG bytes) to show


def normalise_voice_event(ev) -> VoiceEvent:
    """Map a kiosk.voice event (string-enum kind) onto :class:`VoiceEvent`."""
    kind = getattr(ev, "kind", None) or getattr(ev, "type", None)
    kind = str(getattr(kind, "value", kind))
    return VoiceEvent(kind=kind, text=getattr(ev, "text", "") or "",
                      level=float(getattr(ev, "level", 0.0) or 0.0),
                      result=getattr(ev, "result", None),
                      detail=str(getattr(ev, "error", "") or ""),
                      transcript=getattr(ev, "transcript", "") or "")


class Services:
    """Real capabilities chosen by the config (or the fakes with ``fake_hardware``)."""

    def __init__(self, cfg, store, *, fake_hardware: bool = False):
        self.cfg = cfg
        self.store = store
        self.fake_hardware = fake_hardware
        self._model = None
        self._pinyin = None
        self._pinyin_error: str | None = None
        self._lock = threading.Lock()
        self._lookup_limiter = None

    # -- device states for the sync daemon's heartbeat -------------------------------

    def publish_device(self, name: str, state: str, detail: str = "") -> None:
        """Record a device state ({"state": ok|absent|error, "detail": …}) in the store."""
        try:
            self.store.set_meta(f"device.{name}", json.dumps({"state": state, "detail": detail},
                                                             ensure_ascii=False))
        except Exception:  # a heartbeat detail must never break the UI
            log.exception("could not publish device state %s", name)

    # -- looking up an answer (the resident's receipt) ---------------------------------

    def make_code_reader(self):
        """An unopened receipt code reader (drivers.codereader) as configured."""
        from drivers.codereader import make_code_reader
        if self.fake_hardware:
            return make_code_reader("fake")
        s = self.cfg.code_reader
        if s.kind == "none":  # not a fault: this kiosk has no reader, residents type the number
            raise FeatureUnavailable("code_reader", "no code reader configured (code_reader.kind = \"none\")")
        return make_code_reader(s.kind, device=s.device, baudrate=s.baudrate)

    def open_code_reader(self, on_code: Callable[[str], None], on_error: Callable[[str], None]):
        """Start reading receipt codes on a worker thread; returns the feed (``stop()``).

        Raises :class:`FeatureUnavailable` when no reader can be made; a reader that
        fails to open reports through *on_error* on the UI thread.
        """
        from kiosk.ui.codefeed import CodeFeed
        try:
            reader = self.make_code_reader()
        except FeatureUnavailable:
            raise
        except Exception as e:  # driver missing or misconfigured: typing the code still works
            raise FeatureUnavailable("code_reader", str(e)) from None
        return CodeFeed(reader, on_code, on_error).start()

    def scan_from_payload(self, payload: str):
        """The code and receipt secret in a scanned payload (kiosk.lookup.Scan; raises
        kiosk.trackcode.CodeError)."""
        from kiosk.lookup import scan_from_payload
        return scan_from_payload(payload, self.cfg.receipt.lookup_url)

    def lookup_limiter(self):
        """This kiosk's wrong-secret limiter (kiosk.lookup.FailureLimiter, kept in the store)."""
        from kiosk.lookup import FailureLimiter
        with self._lock:
            if self._lookup_limiter is None:
                self._lookup_limiter = FailureLimiter(self.store)
            return self._lookup_limiter

    def look_up(self, code, secret: str | None = None):
        """kiosk.lookup.look_up on this kiosk's store, wrong secrets counted by this
        kiosk's limiter. Blocking (a database read, a hash)."""
        from kiosk.lookup import look_up
        return look_up(self.store, code, secret, limiter=self.lookup_limiter())

    def rate(self, answer, rating: str):
        """kiosk.lookup.rate on this kiosk's store. Blocking (a database write)."""
        from kiosk.lookup import rate
        return rate(self.store, answer, rating, limiter=self.lookup_limiter())

    # -- public disclosure -------------------------------------------------------------

    def board(self):
        """What the public screens show now (kiosk.board.Board). A database read."""
        from kiosk.board import current_board
        return current_board(self.store)

    # -- submission ------------------------------------------------------------------

    def categories(self) -> list:
        """Categories from the centre's station config, else from the local config."""
        try:
            from kiosk.sync.station_config import load_current
            current = load_current(self.store)
            cats = getattr(current, "categories", None) if current is not None else None
            if cats:
                return list(cats)
        except ImportError:
            pass
        except Exception:
            log.exception("station config unreadable; using local categories")
        return list(self.cfg.submission.categories)

    def disk_reading(self):
        """The disk guard's look at the data dir (kiosk/diskguard.py); one statvfs."""
        return self.store.guard.read()

    def submit(self, **fields):
        """Validate and commit one item (kiosk.submission.submit). Blocking."""
        from kiosk.submission import submit
        return submit(self.store, self.cfg, **fields)

    def print_receipt(self, item, *, name: str | None = None, phone: str | None = None) -> PrintResult:
        """Print the item's receipt; never raises for printer problems. Blocking."""
        try:
            from kiosk.receipt.printing import print_item_receipt
        except ImportError as e:
            self.publish_device("printer", "absent", "receipt module not installed")
            return PrintResult(False, f"receipt module not installed ({e.name})")
        printer = self.make_printer()
        try:
            out = print_item_receipt(item, self.cfg, printer, store=self.store, name=name, phone=phone)
        except Exception as e:  # the receipt layer promises not to raise; be safe anyway
            log.exception("receipt printing raised")
            return PrintResult(False, f"printing failed: {e}")
        return PrintResult(bool(out.printed), getattr(out, "reason", None))

    def make_printer(self):
        """The byte-collecting fake printer with ``fake_hardware``; None = the configured one."""
        if not self.fake_hardware:
            return None
        if getattr(self, "_fake_printer", None) is None:
            from drivers.printer import make_printer
            self._fake_printer = make_printer("fake")
        return self._fake_printer

    # -- voice -----------------------------------------------------------------------

    def start_voice_model(self) -> None:
        """Start loading the ASR model in the background (non-blocking)."""
        try:
            holder = self.voice_model()
        except FeatureUnavailable:
            return
        if holder is not None:
            holder.start_loading()

    def voice_model(self):
        """The process-wide ASR model holder (kiosk.voice.model), or raise FeatureUnavailable."""
        with self._lock:
            if self._model is None:
                try:
                    from kiosk.voice.model import holder_from_config
                except ImportError as e:
                    raise FeatureUnavailable("asr", f"voice module not installed ({e.name})") from None
                self._model = holder_from_config(self.cfg)
            return self._model

    def asr_state(self) -> str:
        """absent / loading / ready / failed."""
        try:
            holder = self.voice_model()
        except FeatureUnavailable:
            return "absent"
        return str(getattr(holder.state, "value", holder.state))

    def make_microphone(self):
        """The microphone driver (the WAV-fed fake with ``fake_hardware``); not opened."""
        try:
            from drivers.microphone import make_microphone
        except ImportError as e:
            raise FeatureUnavailable("microphone", f"microphone driver not installed ({e.name})") from None
        if self.fake_hardware:
            return make_microphone("wav", path=str(SAMPLE_WAV), realtime=True)
        mic = self.cfg.microphone
        return make_microphone(mic.kind, **mic.driver_options())

    def open_voice(self, on_event: Callable[[VoiceEvent], None]):
        """Start a recording session at once; *on_event* is called ON THE WORKER THREAD.

        The microphone is opened by the session's worker: a missing microphone arrives as
        an "error" event followed by an "ended" event without audio. An absent ASR model
        is not an error: the session records anyway (``asr_available`` False).
        """
        try:
            from kiosk.voice.session import VoiceSession
        except ImportError as e:
            raise FeatureUnavailable("microphone", f"voice module not installed ({e.name})") from None
        holder = self.voice_model()
        microphone = self.make_microphone()
        session = VoiceSession(microphone, holder, self.cfg.asr,
                               lambda ev: on_event(normalise_voice_event(ev)))
        session.start()
        return session

    # -- cameras ---------------------------------------------------------------------

    def make_camera(self, role: str):
        """The photo camera (role "camera") or document camera ("scanner"); not opened."""
        try:
            from drivers.camera import FakeCamera
            from kiosk.media.devices import build_camera
        except ImportError as e:
            raise FeatureUnavailable(role, f"camera driver not installed ({e.name})") from None
        if self.fake_hardware:
            return FakeCamera("synthetic-letter" if role == "scanner" else "synthetic-scene")
        return build_camera(getattr(self.cfg, role))

    def open_camera(self, role: str):
        """The opened camera for *role*; FeatureUnavailable when it is missing. Blocking."""
        device = self.make_camera(role)
        try:
            from drivers.camera import CameraUnavailable
        except ImportError:  # a camera object from elsewhere (tests); it raises its own
            CameraUnavailable = FeatureUnavailable
        try:
            device.open()
        except CameraUnavailable as e:
            self.publish_device(role, "absent", str(e))
            raise FeatureUnavailable(role, str(e)) from None
        self.publish_device(role, "ok", "")
        return device

    def photo_jpeg(self, frame) -> bytes:
        """A captured frame as a stored photo: JPEG, no EXIF, long edge capped. Blocking."""
        from kiosk.media.photo import ImageRejected, prepare_photo
        try:
            return prepare_photo(frame)
        except ImageRejected as e:
            raise ImageUnusable(str(e)) from None

    def scan_page(self, frame) -> ScannedPage:
        """Find, straighten and enhance a letter page from a document-camera frame. Blocking."""
        from kiosk.media.letter import process_page
        r = process_page(frame)
        return ScannedPage(jpeg=r.jpeg, found_page=bool(r.found_page), preview=r.preview)

    # -- Chinese input ---------------------------------------------------------------

    def pinyin(self):
        """The pinyin engine (kiosk.ime.pinyin), or None when unavailable."""
        if self._pinyin is None and self._pinyin_error is None:
            try:
                from kiosk.ime.pinyin import PinyinEngine
                self._pinyin = PinyinEngine()
            except Exception as e:
                self._pinyin_error = str(e)
                log.warning("pinyin engine unavailable: %s", e)
        return self._pinyin
