"""Services for the UI tests: the real store, submission, voice session, receipt layer,
photo/letter processing and pinyin engine; only the devices are the fakes shipped in
drivers/ (WAV-fed microphone, byte-collecting printer, synthetic cameras, the code
reader's fake serial port), handed out by :class:`TestDevices`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from kiosk.app.services import Devices, PrintingService, Services, VoiceService


@dataclass
class Printed:
    code: str
    name: str | None
    masked_phone: str | None   # the print step never receives the plaintext phone


class TestDevices(Devices):
    """The drivers' fakes, with switches for missing devices."""

    __test__ = False

    def __init__(self, cfg, *, wav: Path | None, mic: bool, camera: bool, scanner: bool, printer_ok: bool,
                 printer_silent: bool, id_card: str = "fake"):
        super().__init__(cfg, fake_hardware=True)
        self.id_card = id_card
        self.id_card_readers: list = []
        self.printer_silent = printer_silent
        self.wav = wav
        self.mic = mic
        self.camera_ok = camera
        self.scanner_ok = scanner
        self.printer_ok = printer_ok
        self.cameras: list = []
        self.code_readers: list = []

    def microphone(self):
        from drivers.microphone import make_microphone
        if not self.mic or self.wav is None:
            return make_microphone("none")          # open() raises MicrophoneUnavailable
        return make_microphone("wav", path=str(self.wav), realtime=True)

    def printer(self):
        printer = super().printer()                 # drivers.printer FakePrinter
        printer.paper_out = not self.printer_ok
        printer.silent = self.printer_silent        # never answers status: "sent, unconfirmed"
        return printer

    def code_reader(self):
        """The driver's fake reader (a fake serial port under the real line protocol);
        kept so a test can ``scan()`` a receipt or ``unplug()`` the reader."""
        reader = super().code_reader()
        self.code_readers.append(reader)
        return reader

    def id_card_reader(self):
        """*id_card* "fake": the driver's fake reader (the real protocol code over a fake
        serial port, the sample card on it; kept so a test can ``emulator.remove()``);
        "none": as a kiosk configured without one; "absent": a serial reader whose device
        is not there. The last two go through the app's own :class:`Devices`."""
        if self.id_card == "fake":
            reader = super().id_card_reader()
        else:
            from kiosk.config.idcard import IdCardReaderSettings
            settings = IdCardReaderSettings(kind="none") if self.id_card == "none" else \
                IdCardReaderSettings(kind="serial", device="/dev/nonexistent-kiosk-idcard")
            reader = Devices(replace(self.cfg, id_card_reader=settings)).id_card_reader()
        self.id_card_readers.append(reader)
        return reader

    def camera(self, role):
        from drivers.camera import FakeCamera
        ok = self.scanner_ok if role == "scanner" else self.camera_ok
        # A fake camera whose source does not exist fails in open() like a missing device.
        cam = FakeCamera(("synthetic-letter" if role == "scanner" else "synthetic-scene") if ok
                         else "/nonexistent-camera-dir")
        self.cameras.append(cam)
        return cam


class RecordingPrinting(PrintingService):
    """The real printing service; remembers what printed (the fake printer keeps the bytes)."""

    def __init__(self, cfg, store, devices):
        super().__init__(cfg, store, devices)
        self.printed: list[Printed] = []

    def print_receipt(self, receipt, *, reprint=False):
        out = super().print_receipt(receipt, reprint=reprint)
        if out.printed:
            self.printed.append(Printed(str(receipt.item.code), receipt.name, receipt.masked_phone))
        return out


class TestServices(Services):
    """The app's services on :class:`TestDevices`; *model*: an ASR model holder to use."""

    __test__ = False

    def __init__(self, cfg, store, *, wav: Path | None = None, mic: bool = True, camera: bool = True,
                 scanner: bool = True, printer_ok: bool = True, printer_silent: bool = False, model=None,
                 id_card: str = "fake"):
        devices = TestDevices(cfg, wav=wav, mic=mic, camera=camera, scanner=scanner, printer_ok=printer_ok,
                              printer_silent=printer_silent, id_card=id_card)
        super().__init__(cfg, store, devices=devices)
        self.printing = RecordingPrinting(cfg, store, devices)
        if model is not None:
            self.voice = VoiceService(cfg, devices, model=model)

    @property
    def printed(self) -> list[Printed]:
        return self.printing.printed

    @property
    def cameras(self) -> list:
        return self.devices.cameras

    @property
    def id_card_readers(self) -> list:
        return self.devices.id_card_readers

    @property
    def code_readers(self) -> list:
        return self.devices.code_readers

    @property
    def printer_output(self) -> bytes:
        """Every ESC/POS byte the fake printer received."""
        return self.devices.printer().output


def type_latin(h, keyboard, letters: str) -> None:
    """Switch the on-screen keyboard to Latin letters (中/英) and type *letters*, real taps."""
    if keyboard.mode == "zh":
        h.tap(h.key(keyboard, "\x0f"))
    h.type(keyboard, letters)


def speech_wav() -> Path:
    """A real Mandarin utterance from ../shared (skips when the shared data is absent)."""
    import pytest
    shared = Path(__file__).resolve().parents[2].parent / "shared" / "testdata" / "speech"
    wavs = sorted(shared.glob("*.wav")) if shared.is_dir() else []
    if not wavs:
        pytest.skip(f"../shared is absent ({shared} has no WAV files): shared test data unavailable")
    return wavs[0]
