"""`kiosk board`: what the public disclosure screens show right now (kiosk/disclosure/board.py)."""

from __future__ import annotations

NAME = "board"
HELP = "show what the public screens show now: representatives on duty, receptions, announcements, figures, published matters"

WEEKDAYS = ("", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def register(p) -> None:
    pass


def run(args, ctx) -> int:
    from kiosk.cli import main as cli
    from kiosk.disclosure.board import current_board

    board = current_board(ctx.store)
    if not board.available:
        ctx.emit({"ok": True, **board.to_dict()},
                 "no station config from the centre yet: the public screens say so")
        return cli.EXIT_OK
    lines = [f"station config {board.config_version}, at {board.at}"
             + ("" if board.clock_trusted else " (clock not synchronised: receptions undated)")]
    for r in board.representatives:
        state = "on duty now" if r.on_duty_now else "today" if r.on_duty_today else ""
        lines.append(f"  {r.name} {r.title} {r.constituency} {state}".rstrip()
                     + ("" if r.photo else "  (no photo cached)"))
    for x in board.receptions[:10]:
        lines.append(f"  reception {x.date or WEEKDAYS[x.weekday]} {x.start}-{x.end} {x.name}")
    for a in board.announcements:
        lines.append(f"  announcement: {a.title}")
    for w in board.withheld:
        lines.append(f"  announcement {w.id} withheld: {w.reason}")
    for m in board.months:
        lines.append(f"  {m.month}: received {m.received}, replied {m.replied}, resolved {m.resolved}")
    for m in board.matters:
        lines.append(f"  matter [{m.category}] {m.summary} -> {m.outcome}")
    ctx.emit({"ok": True, **board.to_dict()}, "\n".join(lines))
    return cli.EXIT_OK
