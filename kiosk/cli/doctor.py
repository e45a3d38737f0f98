"""`kiosk doctor`: every check, each OK or a clear reason."""

from __future__ import annotations

NAME = "doctor"
HELP = "check config, data dir, disk, database, queue, clock and devices"


def register(p) -> None:
    pass


def run(args, ctx) -> int:
    from kiosk.cli import main as cli
    from kiosk.doctor import FAIL, run_checks
    from kiosk.app import checks as ui_checks  # the app's font, catalogs and prompts

    results = run_checks(ctx, extra_modules=[ui_checks])
    failed = [r for r in results if r.status == FAIL]
    marks = {"ok": "OK  ", "warn": "WARN", "fail": "FAIL", "skip": "SKIP"}
    human = "\n".join(f"[{marks[r.status]}] {r.name}: {r.detail}" for r in results)
    ctx.emit({"ok": not failed, "checks": [r.as_dict() for r in results]}, human)
    return cli.EXIT_FAIL if failed else cli.EXIT_OK
