"""Services for the UI tests: the real store, submission, voice session, receipt layer,
photo/letter processing and pinyin engine; only the devices are the fakes shipped in
drivers/ (WAV-fed microphone, byte-collecting printer, synthetic cameras).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kiosk.ui.services import Services



@dataclass
class Printed:
    code: str
    name: str | None
    phone: str | None


class TestServices(Services):
    """The app's Services in fake-hardware mode, with switches for missing devices."""

    __test__ = False

    def __init__(self, cfg, store, *, wav: Path | None = None, mic: bool = True, camera: bool = True,
                 scanner: bool = True, printer_ok: bool = True):
        super().__init__(cfg, store, fake_hardware=True)
        self.wav = wav
        self.mic = mic
        self.camera_ok = camera
        self.scanner_ok = scanner
        self.printer_ok = printer_ok
        self.printed: list[Printed] = []
        self.cameras: list = []
        self.code_readers: list = []

    def make_microphone(self):
        from drivers.microphone import make_microphone
        if not self.mic or self.wav is None:
            return make_microphone("none")          # open() raises MicrophoneUnavailable
        return make_microphone("wav", path=str(self.wav), realtime=True)

    def make_printer(self):
        printer = super().make_printer()            # drivers.printer FakePrinter
        printer.paper_out = not self.printer_ok
        return printer

    def print_receipt(self, item, *, name=None, phone=None):
        out = super().print_receipt(item, name=name, phone=phone)
        if out.printed:
            self.printed.append(Printed(str(item.code), name, phone))
        return out

    @property
    def printer_output(self) -> bytes:
        """Every ESC/POS byte the fake printer received."""
        return self.make_printer().output

    def make_code_reader(self):
        """The driver's fake reader (a fake serial port under the real line protocol);
        kept so a test can ``scan()`` a receipt or ``unplug()`` the reader."""
        reader = super().make_code_reader()
        self.code_readers.append(reader)
        return reader

    def make_camera(self, role):
        from drivers.camera import FakeCamera
        ok = self.scanner_ok if role == "scanner" else self.camera_ok
        # A fake camera whose source does not exist fails in open() like a missing device.
        cam = FakeCamera(("synthetic-letter" if role == "scanner" else "synthetic-scene") if ok
                         else "/nonexistent-camera-dir")
        self.cameras.append(cam)
        return cam


def speech_wav() -> Path:
    """A real Mandarin utterance from ../shared (skips when the shared data is absent)."""
    import pytest
    shared = Path(__file__).resolve().parents[2].parent / "shared" / "testdata" / "speech"
    wavs = sorted(shared.glob("*.wav")) if shared.is_dir() else []
    if not wavs:
        pytest.skip(f"../shared is absent ({shared} has no WAV files): shared test data unavailable")
    return wavs[0]
