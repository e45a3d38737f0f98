"""`kiosk prompts`: build the spoken prompts offline (espeak-ng) and list them."""

from __future__ import annotations

NAME = "prompts"
HELP = "build the screens' spoken prompts offline with espeak-ng, or list them per language"


def register(p) -> None:
    from kiosk.cli.main import add_action

    sub = p.add_subparsers(dest="prompts_action", metavar="ACTION", required=True)
    build = add_action(sub, "build", "generate a WAV per screen and language from the catalogs",
                       "Generate <storage.data_dir>/prompts/<lang>/<screen>.wav from each screen's prompt "
                       "text with espeak-ng (offline). Recorded prompts in ui.prompts_dir are never "
                       "touched and still win.")
    build.add_argument("--lang", action="append", choices=["zh-CN", "zh-TW", "en"],
                       help="only this language (repeatable; default: all three)")
    build.add_argument("--out", metavar="DIR", help="write under DIR/<lang>/ instead")
    add_action(sub, "list", "each screen's prompt per language: file, duration, missing",
               "List each screen's prompt per language: the file that plays (recorded or generated), "
               "its duration, and which are missing; exit 1 when any is.")


def run(args, ctx) -> int:
    from pathlib import Path

    from kiosk.cli import main as cli
    from kiosk.app import prompts

    cfg = ctx.config
    if args.prompts_action == "build":
        langs = tuple(args.lang or ("zh-CN", "zh-TW", "en"))
        try:
            built = prompts.build_prompts(cfg, langs, Path(args.out) if args.out else None)
        except prompts.PromptError as e:
            return ctx.fail(cli.EXIT_FAIL, str(e))
        total = sum(p.duration_s for p in built)
        ctx.emit({"ok": True, "prompts": [_row(p) for p in built]},
                 f"{len(built)} prompts written ({total:.0f} s of speech) under "
                 f"{Path(built[0].file).parent.parent if built else '-'}")
        return cli.EXIT_OK
    found = prompts.list_prompts(cfg)
    missing = [p for p in found if p.missing]
    lines = [f"{p.lang:6} {p.screen:16} "
             + (f"MISSING ({p.problem})" if p.problem else "MISSING" if p.file is None
                else f"{p.source:9} {p.duration_s:5.1f} s  {p.file}") for p in found]
    lines.append(f"{len(found) - len(missing)} of {len(found)} prompts present"
                 + ("; run `kiosk prompts build` (recorded ones go in ui.prompts_dir)" if missing else ""))
    ctx.emit({"ok": not missing, "missing": len(missing), "prompts": [_row(p) for p in found]}, "\n".join(lines))
    return cli.EXIT_FAIL if missing else cli.EXIT_OK


def _row(p) -> dict:
    return {"screen": p.screen, "lang": p.lang, "text": p.text, "file": p.file, "source": p.source,
            "duration_s": p.duration_s, "missing": p.missing, "problem": p.problem}
