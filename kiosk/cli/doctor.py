"""`kiosk doctor`: every check, each OK or a clear reason. It only reads: nothing is
created, repaired or recovered (docs/cli.md, "kiosk doctor")."""

from __future__ import annotations

NAME = "doctor"
HELP = ("check config, data dir, disk, database, queue, clock and devices, changing nothing "
        "(exit 1 when a check fails, 3 when the config is invalid)")


def register(p) -> None:
    pass


def run(args, ctx) -> int:
    from kiosk.cli import main as cli
    from kiosk.config import ConfigError
    from kiosk.doctor import FAIL, run_checks
    from kiosk.app import checks as ui_checks  # the app's font, catalogs and prompts

    ctx.read_only = True
    try:
        ctx.config
        config_ok = True
    except ConfigError:  # the config check reports it; the other checks are skipped
        config_ok = False
    results = run_checks(ctx, extra_modules=[ui_checks])
    failed = [r for r in results if r.status == FAIL]
    marks = {"ok": "OK  ", "warn": "WARN", "fail": "FAIL", "skip": "SKIP"}
    human = "\n".join(f"[{marks[r.status]}] {r.name}: {r.detail}" for r in results)
    ctx.emit({"ok": not failed, "checks": [r.as_dict() for r in results]}, human)
    if not config_ok:
        return cli.EXIT_CONFIG
    return cli.EXIT_FAIL if failed else cli.EXIT_OK
