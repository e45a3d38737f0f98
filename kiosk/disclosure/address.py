"""Addressing a representative (扫码找代表, or picking one by sector, 界别): who a resident
may address now, in the order the screens offer them, and which one a scanned code names.

UI-free, computed from the board (kiosk/disclosure/board.py), so the address screen, the
finish screen and ``kiosk board`` agree on who is there. The submission itself checks
the chosen id against the applied station config again (kiosk/core/submission.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.disclosure.board import Board, RepresentativeCard


class NotARepresentativeCode(LookupError):
    """A scanned code is no representative's (a receipt, another QR code, noise)."""


@dataclass(frozen=True)
class Group:
    """One block of the address screen: those on duty now (``on_duty``), or one sector's
    other representatives (``sector`` "" for those the centre gave no sector)."""

    sector: str
    on_duty: bool
    cards: tuple[RepresentativeCard, ...]


def groups(board: Board) -> tuple[Group, ...]:
    """On duty now first (any sector), then the rest by sector in the centre's order of
    first appearance, those without a sector last. Each representative appears once."""
    on_duty = tuple(c for c in board.representatives if c.on_duty_now)
    out = [Group("", True, on_duty)] if on_duty else []
    sectors: dict[str, list[RepresentativeCard]] = {}
    for c in board.representatives:
        if not c.on_duty_now:
            sectors.setdefault(c.sector, []).append(c)
    ordered = [s for s in sectors if s] + ([""] if "" in sectors else [])
    return tuple(out + [Group(s, False, tuple(sectors[s])) for s in ordered])


def by_code(board: Board, scanned: str) -> RepresentativeCard:
    """The representative whose code reads exactly *scanned* (white space a reader adds at
    the ends ignored); raises :class:`NotARepresentativeCode`."""
    text = scanned.strip()
    for c in board.representatives:
        if c.qr is not None and c.qr == text:
            return c
    raise NotARepresentativeCode("the scanned code is not a representative's code")


def by_id(board: Board, rep_id: str) -> RepresentativeCard | None:
    """The representative *rep_id* on the board, or None."""
    return next((c for c in board.representatives if c.id == rep_id), None)
