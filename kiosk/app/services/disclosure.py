"""What the public screens show: representatives, the board, announcements (kiosk.disclosure.board)."""

from __future__ import annotations

from kiosk.disclosure.board import current_board


class DisclosureService:
    """The public disclosure board computed from the applied station config."""

    def __init__(self, store):
        self.store = store

    def board(self):
        """What the public screens show now (kiosk.disclosure.board.Board). A database read."""
        return current_board(self.store)
