"""Services for the UI tests: the real store and submission; the hardware edge faked.

Where a capability's real module is on this branch (kiosk.voice, kiosk.receipt,
kiosk.media, kiosk.ime, drivers.*), the real one is used with its shipped fake
device. Until those branches are merged the stand-ins below implement the documented
interfaces (issue brief) so that the UI paths can be exercised end to end; each
stand-in says so in its name (``Standin…``).
"""

from __future__ import annotations

import io
import threading
import time
import wave
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from kiosk.ui.services import FeatureUnavailable, PrintResult, ScannedPage, Services, VoiceEvent


def has(module: str) -> bool:
    import importlib
    try:
        importlib.import_module(module)
        return True
    except ImportError:
        return False


@dataclass
class StandinVoiceResult:
    text: str
    wav: bytes
    seconds: float
    asr_available: bool
    ended_by: str


class StandinVoiceSession:
    """Reads a WAV file like a microphone (8× real time) and reports like kiosk.voice.

    No recogniser: ``asr_available`` is False and the text is empty, exactly the
    "model absent" case; ``script`` can supply partial texts to show (for the UI only).
    """

    def __init__(self, wav_path: Path, on_event, script: list[str] | None = None, speed: float = 8.0):
        self.wav_path = Path(wav_path)
        self.on_event = on_event
        self.script = list(script or [])
        self.speed = speed
        self._stop = threading.Event()
        self._cancel = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="standin-voice")

    def start(self):
        self._thread.start()

    def stop(self):
        self._stop.set()

    def cancel(self):
        self._cancel.set()
        self._stop.set()

    def _run(self):
        with wave.open(str(self.wav_path), "rb") as w:
            rate, width, ch = w.getframerate(), w.getsampwidth(), w.getnchannels()
            frames = w.readframes(w.getnframes())
        chunk = int(rate * 0.25) * width * ch
        got = bytearray()
        pos, i = 0, 0
        while not self._stop.is_set():
            piece = frames[pos:pos + chunk] if pos < len(frames) else b"\0" * chunk
            pos += chunk
            got += piece
            samples = np.frombuffer(piece, "<i2").astype(np.float32) if width == 2 else np.zeros(1)
            rms = float(np.sqrt(np.mean(samples ** 2))) / 32768.0 if samples.size else 0.0
            self.on_event(VoiceEvent("level", level=min(1.0, rms * 4)))
            if self.script and i < len(self.script):
                self.on_event(VoiceEvent("partial", text=self.script[i]))
            i += 1
            time.sleep(0.25 / self.speed)
        if self._cancel.is_set():
            return
        buf = io.BytesIO()
        with wave.open(buf, "wb") as out:
            out.setnchannels(ch)
            out.setsampwidth(width)
            out.setframerate(rate)
            out.writeframes(bytes(got))
        self.on_event(VoiceEvent("ended", result=StandinVoiceResult(
            "", buf.getvalue(), len(got) / (rate * width * ch), False, "done")))


class StandinCamera:
    """Synthetic frames: a grey scene, or a white page on a dark plate."""

    def __init__(self, letter: bool = False):
        self.letter = letter
        self.opened = False
        self.closed = False

    def open(self):
        self.opened = True

    def close(self):
        self.closed = True

    def read_frame(self):
        time.sleep(0.02)
        img = np.full((480, 640, 3), 40, np.uint8)
        if self.letter:
            img[60:420, 160:480] = 245
            img[100:110, 190:450] = 20
        else:
            img[:, :, 1] = 120
            img[200:280, 250:390] = (0, 0, 200)
        return img


@dataclass
class Printed:
    code: str
    name: str | None
    phone: str | None


REAL_VOICE = has("kiosk.voice.session") and has("drivers.microphone")
REAL_RECEIPT = has("kiosk.receipt.printing") and has("drivers.printer")
REAL_MEDIA = has("kiosk.media.photo") and has("kiosk.media.letter") and has("drivers.camera") \
    and has("kiosk.media.devices")
REAL_IME = has("kiosk.ime.pinyin")


class TestServices(Services):
    """The app's real Services in fake-hardware mode, with switches for missing devices.

    Real modules and their shipped fakes are used wherever this branch has them (see the
    REAL_* flags); the Standin* classes above cover a capability not merged yet.
    """

    __test__ = False

    def __init__(self, cfg, store, *, wav: Path | None = None, mic: bool = True, camera: bool = True,
                 scanner: bool = True, printer_ok: bool = True, script: list[str] | None = None):
        super().__init__(cfg, store, fake_hardware=True)
        self.wav = wav
        self.mic = mic
        self.camera_ok = camera
        self.scanner_ok = scanner
        self.printer_ok = printer_ok
        self.script = script
        self.printed: list[Printed] = []
        self.cameras: list = []

    # -- voice ---------------------------------------------------------------------
    def start_voice_model(self):
        if REAL_VOICE:
            super().start_voice_model()

    def asr_state(self) -> str:
        return super().asr_state() if REAL_VOICE else "absent"

    def make_microphone(self):
        from drivers.microphone import make_microphone
        if not self.mic or self.wav is None:
            return make_microphone("none")
        return make_microphone("wav", path=str(self.wav), realtime=True)

    def open_voice(self, on_event):
        if REAL_VOICE:
            return super().open_voice(on_event)
        if not self.mic or self.wav is None:
            raise FeatureUnavailable("microphone", "no capture device")
        s = StandinVoiceSession(self.wav, on_event, self.script)
        s.start()
        return s

    # -- printing ------------------------------------------------------------------
    def make_printer(self):
        printer = super().make_printer()
        printer.paper_out = not self.printer_ok
        return printer

    def print_receipt(self, item, *, name=None, phone=None):
        if REAL_RECEIPT:
            out = super().print_receipt(item, name=name, phone=phone)
            if out.printed:
                self.printed.append(Printed(str(item.code), name, phone))
            return out
        if not self.printer_ok:
            return PrintResult(False, "paper out")
        self.printed.append(Printed(str(item.code), name, phone))
        return PrintResult(True, None)

    @property
    def printer_output(self) -> bytes:
        return self.make_printer().output if REAL_RECEIPT else b""

    # -- cameras -------------------------------------------------------------------
    def make_camera(self, role):
        ok = self.scanner_ok if role == "scanner" else self.camera_ok
        if REAL_MEDIA:
            from drivers.camera import FakeCamera
            cam = FakeCamera(("synthetic-letter" if role == "scanner" else "synthetic-scene") if ok
                             else "/nonexistent-camera-dir")
        else:
            if not ok:
                raise FeatureUnavailable(role, "no such device")
            cam = StandinCamera(letter=role == "scanner")
        self.cameras.append(cam)
        return cam

    def photo_jpeg(self, frame) -> bytes:
        if REAL_MEDIA:
            return super().photo_jpeg(frame)
        import cv2
        return cv2.imencode(".jpg", frame)[1].tobytes()

    def scan_page(self, frame) -> ScannedPage:
        if REAL_MEDIA:
            return super().scan_page(frame)
        import cv2
        return ScannedPage(cv2.imencode(".jpg", frame)[1].tobytes(), True, frame)

    def pinyin(self):
        return super().pinyin() if REAL_IME else None


def speech_wav() -> Path:
    """A real Mandarin utterance from ../shared (skips when the shared data is absent)."""
    import pytest
    shared = Path(__file__).resolve().parents[2].parent / "shared" / "testdata" / "speech"
    wavs = sorted(shared.glob("*.wav")) if shared.is_dir() else []
    if not wavs:
        pytest.skip(f"../shared is absent ({shared} has no WAV files): shared test data unavailable")
    return wavs[0]
