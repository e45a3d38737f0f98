"""What the public screens show: representatives, the board, announcements (kiosk.disclosure.board),
and whom a resident may address (kiosk.disclosure.address)."""

from __future__ import annotations

from kiosk.disclosure import address
from kiosk.disclosure.address import Group, NotARepresentativeCode
from kiosk.disclosure.board import RepresentativeCard, current_board

__all__ = ["DisclosureService", "Group", "NotARepresentativeCode"]


class DisclosureService:
    """The public disclosure board computed from the applied station config."""

    def __init__(self, store):
        self.store = store

    def board(self):
        """What the public screens show now (kiosk.disclosure.board.Board). A database read."""
        return current_board(self.store)

    def address_groups(self) -> tuple[Group, ...]:
        """Whom a resident may address now: on duty first, then by sector (empty before
        the centre sent a station config). A database read."""
        board = self.board()
        return address.groups(board) if board.available else ()

    def representative_by_code(self, scanned: str) -> RepresentativeCard:
        """The representative a scanned QR code names; raises NotARepresentativeCode. A database read."""
        return address.by_code(self.board(), scanned)
