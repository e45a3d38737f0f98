"""The ``[id_card_reader]`` configuration section (see kiosk/config/tree.py for the rules).

The second-generation ID-card reader (居民身份证阅读器) lets a resident fill the real name by
laying their card on it (driver: ``drivers.idcard``, guide: docs/idcard.md).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IdCardReaderSettings:
    """Which ID-card reader, where and how fast.

    The default ``none`` suits a PC and a kiosk without a reader: residents type their name;
    ``kiosk run --fake-hardware`` uses the fake reader (its sample card) regardless.
    """

    kind: str = "none"
    device: str = ""
    baudrate: int = 115200

    def validate(self) -> None:
        # The driver's registry is the one list of kinds; imported here, not at module
        # import, so that loading the config imports no driver (docs/architecture.md).
        from drivers.idcard import BAUDRATES, KINDS
        if self.kind not in KINDS:
            raise ValueError(f"kind: expected one of {', '.join(KINDS)}, got {self.kind!r}")
        if self.kind == "serial" and not self.device.strip():
            raise ValueError("device: expected the reader's serial device for kind = \"serial\", "
                             "e.g. \"/dev/ttyUSB0\" or \"/dev/kiosk-idcard\"")
        if self.baudrate not in BAUDRATES:
            raise ValueError(f"baudrate: expected one of {', '.join(map(str, BAUDRATES))}, got {self.baudrate}")

    def build(self, *, fake_hardware: bool = False):
        """The (unopened) reader these settings describe; the fake one with *fake_hardware*.

        The one factory: ``kiosk idcard``, the self-test and ``kiosk doctor`` call it.
        Kind ``none`` gives the driver's ``NoIdCardReader`` (its ``open()`` says why).
        """
        from drivers.idcard import make_id_card_reader
        if fake_hardware:
            return make_id_card_reader("fake", baudrate=self.baudrate)
        return make_id_card_reader(self.kind, device=self.device, baudrate=self.baudrate)
