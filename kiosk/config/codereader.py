"""The ``[code_reader]`` configuration section (see kiosk/config/tree.py for the rules).

The receipt code reader is the QR scanner residents hold their receipt under to read the
answer to their item (driver: ``drivers.codereader``, guide: docs/codereader.md).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CodeReaderSettings:
    """Which code reader, where and how fast.

    The default ``none`` suits a PC (no reader): the lookup screen then asks residents
    to type the code; ``kiosk run --fake-hardware`` uses the fake reader regardless.
    """

    kind: str = "none"
    device: str = ""
    baudrate: int = 9600

    def validate(self) -> None:
        # The driver's registry is the one list of kinds; imported here, not at module
        # import, so that loading the config imports no driver (docs/architecture.md).
        from drivers.codereader import BAUDRATES, KINDS
        if self.kind not in KINDS:
            raise ValueError(f"kind: expected one of {', '.join(KINDS)}, got {self.kind!r}")
        if self.kind == "serial" and not self.device.strip():
            raise ValueError("device: expected the reader's serial device for kind = \"serial\", "
                             "e.g. \"/dev/ttyACM0\" or \"/dev/kiosk-codereader\"")
        if self.baudrate not in BAUDRATES:
            raise ValueError(f"baudrate: expected one of {', '.join(map(str, BAUDRATES))}, got {self.baudrate}")

    def driver_options(self) -> dict:
        """The keyword options ``drivers.codereader.make_code_reader(kind, **options)`` takes."""
        return {"device": self.device, "baudrate": self.baudrate}

    def build(self, *, fake_hardware: bool = False):
        """The (unopened) reader these settings describe; the fake one with *fake_hardware*.

        The one factory: the app, ``kiosk codereader`` and ``kiosk doctor`` all call it.
        Kind ``none`` gives the driver's ``NoCodeReader`` (its ``open()`` says why).
        """
        from drivers.codereader import make_code_reader
        if fake_hardware:
            return make_code_reader("fake", baudrate=self.baudrate)
        return make_code_reader(self.kind, **self.driver_options())
