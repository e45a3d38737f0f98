"""`kiosk models`: install a Vosk speech model (URL, zip or directory) and list installed ones."""

from __future__ import annotations

import sys
import time

NAME = "models"
HELP = "install a Vosk speech model (verified, atomic switch) or list the installed models"


def register(p) -> None:
    import argparse

    from kiosk.cli.main import _common

    # Nested parsers take --config/--json too, so `kiosk X ACTION ... --json` works.
    common = [_common(argparse.SUPPRESS)]
    sub = p.add_subparsers(dest="models_action", metavar="ACTION", required=True)
    inst = sub.add_parser("install", parents=common, help="install a model and make it the one in use",
                          description="Install a Vosk model from a URL (resumable download), a .zip "
                                      "file or a model directory, verify it and switch to it atomically.")
    inst.add_argument("source", nargs="?", default=None, metavar="SOURCE",
                      help="URL, .zip file or model directory (default: the small Mandarin model "
                           "vosk-model-small-cn-0.22 from alphacephei.com)")
    inst.add_argument("--sha256", metavar="HEX",
                      help="expected SHA-256 of the zip (built in for known archives)")
    inst.add_argument("--quiet", action="store_true", help="no download progress on stderr")
    sub.add_parser("list", parents=common, help="list the installed models and which one is current",
                   description="List the models in the models directory and which one is current.")


class _Progress:
    """Download progress on stderr: a line at most every 2 s (a log-friendly format)."""

    def __init__(self):
        self.last = 0.0
        self.started = time.monotonic()

    def __call__(self, done: int, total: int | None) -> None:
        now = time.monotonic()
        if now - self.last < 2.0 and not (total and done >= total):
            return
        self.last = now
        mb = done / 2**20
        rate = mb / max(now - self.started, 1e-3)
        if total:
            print(f"downloading: {mb:.1f} of {total / 2**20:.1f} MB ({100 * done // total}%), "
                  f"{rate:.1f} MB/s", file=sys.stderr, flush=True)
        else:
            print(f"downloading: {mb:.1f} MB, {rate:.1f} MB/s", file=sys.stderr, flush=True)


def run(args, ctx) -> int:
    from kiosk.cli import main as cli
    from kiosk.voice import install as inst
    from kiosk.voice import models as layout

    cfg = ctx.config
    root = layout.models_root(cfg.asr, cfg.storage)
    if args.models_action == "list":
        found = layout.list_models(root)
        data = {"ok": True, "models_dir": str(root), "current": layout.current_name(root),
                "in_use": str(layout.model_path(cfg.asr, cfg.storage)),
                "models": [m.as_dict() for m in found]}
        lines = [f"models directory: {root}"]
        if cfg.asr.model_dir:
            lines.append(f"asr.model_dir overrides it: {cfg.asr.model_dir}")
        for m in found:
            mark = "*" if m.current else " "
            state = "ok" if m.complete else f"BROKEN: {m.problem}"
            lines.append(f"{mark} {m.name}  {m.size_bytes / 2**20:.0f} MB  {state}"
                         + (f"  sha256 {m.sha256[:12]}…" if m.sha256 else ""))
        if not found:
            lines.append("no models installed; run: kiosk models install")
        ctx.emit(data, "\n".join(lines))
        return cli.EXIT_OK

    source = args.source or layout.DEFAULT_MODEL_URL
    expected = args.sha256
    if expected is None and args.source is None:
        expected = layout.DEFAULT_MODEL_SHA256
    progress = None if args.quiet else _Progress()
    try:
        result = inst.install(source, root, expected, progress=progress)
    except ValueError as e:  # malformed --sha256
        return ctx.fail(cli.EXIT_USAGE, str(e))
    except inst.SourceNotFound as e:
        return ctx.fail(cli.EXIT_NOT_FOUND, str(e), error_code=e.code)
    except inst.NotEnoughSpace as e:
        return ctx.fail(cli.EXIT_STORAGE, str(e), error_code=e.code)
    except (inst.ChecksumMismatch, inst.CorruptArchive, inst.UnsafeArchive, inst.ModelIncomplete) as e:
        return ctx.fail(cli.EXIT_INVALID, f"{e} (the model in use is unchanged)", error_code=e.code)
    except inst.ModelInstallError as e:
        return ctx.fail(cli.EXIT_FAIL, f"{e} (the model in use is unchanged)", error_code=e.code)
    except OSError as e:
        return ctx.fail(cli.EXIT_STORAGE, f"cannot write under {root}: {e.strerror or e} "
                                          "(the model in use is unchanged)")
    note = ""
    if cfg.asr.model_dir:
        note = (f"note: asr.model_dir = {cfg.asr.model_dir} overrides the installed model; "
                "remove it from the config to use this one")
    data = {"ok": True, **result.as_dict(), "models_dir": str(root)}
    if note:
        data["note"] = note
    human = (f"installed {result.name} ({result.size_bytes / 2**20:.0f} MB) and made it current"
             + (f"; previous: {result.previous}" if result.previous else "")
             + ("\nsha256 verified" if result.verified else
                f"\nsha256 {result.sha256 or '-'} (not verified: no expected checksum known)")
             + "\nrestart the kiosk app to load it" + (f"\n{note}" if note else ""))
    ctx.emit(data, human)
    return cli.EXIT_OK
