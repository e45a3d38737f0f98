"""The ID-card reader for the identity screen (docs/idcard.md): open it, read one card, close.

:meth:`IdCardService.open_reader` gives an :class:`OpenedCardReader` (or raises
FeatureNotConfigured: this kiosk has no reader, leave 刷身份证 out; FeatureUnavailable:
it has one that cannot be used now). :meth:`OpenedCardReader.read` waits for a card and
returns a :class:`CardIdentity` with the name and the number, or raises
:class:`CardNotRead` whose :class:`CardProblem` says what the screen tells the resident.
The driver's record (address, birth date …) goes no further than here, and the photo
block never reaches here: the driver discards it unread.

Blocking methods run on worker threads; :meth:`OpenedCardReader.close` may be called
from the UI thread and ends a waiting read (the driver's ``close()``).
"""

from __future__ import annotations

import enum
import threading
import time
from dataclasses import dataclass, field

from drivers.idcard import (IdCardError, IdCardInvalid, IdCardProtocolError, IdCardRemoved,
                            IdCardUnavailable)
from kiosk.app.services.errors import ExpectedFailure, FeatureUnavailable

#: How long 刷身份证 waits for a card to be laid on the reader.
READ_TIMEOUT_S = 20.0
#: Line faults in a row (bad checksum, cut frame, silence) before the reader is reported:
#: one is transient and the next find starts afresh (docs/idcard.md, "The line").
FAULTS_IN_A_ROW = 3


class CardProblem(enum.Enum):
    """Why no card was read: each has its sentence (``identity.card_<value>``)."""

    NO_CARD = "no_card"      # nothing laid on the reader in time
    REMOVED = "removed"      # the card moved away during the read
    INVALID = "invalid"      # not a valid resident ID card (misread, foreign card)
    FAULT = "fault"          # the reader answered wrongly, or reported a failure
    GONE = "gone"            # the reader went away (unplugged) or was closed


class CardNotRead(ExpectedFailure):
    """No card was read; ``problem`` says why, ``str()`` (safe to log) the driver's words."""

    def __init__(self, problem: CardProblem, detail: str):
        self.problem = problem
        super().__init__(detail)


@dataclass(frozen=True)
class CardIdentity:
    """What the identity screen takes from a card: the name, the number (never shown:
    only :attr:`masked_id`, its last 4 characters)."""

    name: str = field(repr=False)
    id_number: str = field(repr=False)
    masked_id: str


class OpenedCardReader:
    """An opened reader; :meth:`close` it when the screen is left."""

    def __init__(self, reader):
        self._reader = reader
        self._closed = threading.Event()

    def describe(self) -> str:
        """The reader's name for a log line."""
        return self._reader.describe()

    def read(self, timeout_s: float | None = None) -> CardIdentity:
        """Wait up to *timeout_s* (default :data:`READ_TIMEOUT_S`) for a card and read it
        (blocking); raises CardNotRead."""
        timeout_s = READ_TIMEOUT_S if timeout_s is None else timeout_s
        deadline = time.monotonic() + timeout_s
        faults = 0
        while not self._closed.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                raise CardNotRead(CardProblem.NO_CARD, f"no card within {timeout_s:g} s")
            try:
                card = self._reader.read_card(timeout=left)
            except IdCardProtocolError as e:
                faults += 1
                if faults >= FAULTS_IN_A_ROW:
                    raise CardNotRead(CardProblem.FAULT, str(e)) from None
                continue
            except IdCardRemoved as e:
                raise CardNotRead(CardProblem.REMOVED, str(e)) from None
            except IdCardInvalid as e:
                raise CardNotRead(CardProblem.INVALID, str(e)) from None
            except IdCardUnavailable as e:
                raise CardNotRead(CardProblem.GONE, str(e)) from None
            except IdCardError as e:  # IdCardStatusError: the reader reported a failure
                raise CardNotRead(CardProblem.FAULT, str(e)) from None
            if card is not None:
                return CardIdentity(name=card.name, id_number=card.id_number, masked_id=card.masked_id())
            faults = 0
        raise CardNotRead(CardProblem.GONE, f"{self.describe()}: closed")

    def close(self) -> None:
        """Release the reader; a read waiting in a worker ends (safe twice, any thread)."""
        self._closed.set()
        self._reader.close()


class IdCardService:
    """What the identity screen needs from the ID-card reader."""

    def __init__(self, devices):
        self.devices = devices

    def open_reader(self) -> OpenedCardReader:
        """Build and open the reader (blocking). Raises FeatureNotConfigured (none on this
        kiosk) or FeatureUnavailable (absent, busy, no permission: its words say which)."""
        reader = self.devices.id_card_reader()
        try:
            reader.open()
        except IdCardError as e:
            raise FeatureUnavailable("id_card_reader", str(e)) from None
        return OpenedCardReader(reader)
