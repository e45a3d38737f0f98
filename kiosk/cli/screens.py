"""`kiosk screens --out DIR`: render every screen of the app to PNG (offscreen)."""

from __future__ import annotations

NAME = "screens"
HELP = ("render every screen of the touchscreen app, in each language, to PNG files (offscreen), "
        "and fail when a rendered screen breaks an accessibility rule")


def register(p) -> None:
    p.add_argument("--out", metavar="DIR", required=True, help="directory for the PNG files (created)")
    p.add_argument("--lang", action="append", choices=["zh-CN", "zh-TW", "en"],
                   help="only this language (repeatable; default: all three)")


def run(args, ctx) -> int:
    from pathlib import Path

    from kiosk.cli import main as cli
    from kiosk.app.fonts import FontNotFound, find_font

    cfg = ctx.config
    try:
        find_font(cfg.ui.font_path)
    except FontNotFound as e:
        return ctx.fail(cli.EXIT_FAIL, str(e))
    from kiosk.app import kivyenv
    kivyenv.prepare(cfg.ui, offscreen=True, size=(1280, 800))
    from kiosk.app.offscreen.render import render_all

    out = Path(args.out)
    rendered = render_all(cfg, out, tuple(args.lang or ("zh-CN", "zh-TW", "en")))
    files = [str(f) for f in rendered.files]
    if rendered.problems:
        return ctx.fail(cli.EXIT_FAIL, f"{len(files)} screens written to {out}; accessibility rules "
                        "broken:\n" + "\n".join(rendered.problems), files=files, problems=rendered.problems)
    ctx.emit({"ok": True, "files": files, "problems": []}, f"{len(files)} screens written to {out}")
    return cli.EXIT_OK
