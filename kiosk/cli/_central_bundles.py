"""`kiosk central-dev keygen DIR` and `kiosk central-dev import BUNDLE` (not a command of
its own: kiosk/cli/central_dev.py dispatches here)."""

from __future__ import annotations


def run(args, ctx) -> int:
    from pathlib import Path

    from kiosk.cli import main as cli
    from kiosk.sync import bundle

    if not args.path:
        return ctx.fail(cli.EXIT_USAGE, f"central-dev {args.action}: give the "
                        + ("key directory" if args.action == "keygen" else "bundle file"))
    if args.action == "keygen":
        try:
            pub, key = bundle.generate_keypair(Path(args.path))
        except bundle.KeyFileError as e:
            return ctx.fail(cli.EXIT_FAIL, str(e))
        except OSError as e:
            return ctx.fail(cli.EXIT_FAIL, f"cannot write keys to {args.path}: {e.strerror or e}")
        ctx.emit({"ok": True, "public_key": str(pub), "private_key": str(key)},
                 f"wrote {pub} (copy it to each kiosk: service.bundle_public_key_file)\n"
                 f"wrote {key} (keep it at the centre only: central_dev.bundle_private_key_file)")
        return cli.EXIT_OK
    return _import(args, ctx)


def _import(args, ctx) -> int:
    from pathlib import Path

    from kiosk.cli import main as cli
    from kiosk.central_dev.bundles import import_bundle
    from kiosk.cli._central_db import with_db
    from kiosk.sync import bundle

    cfg = ctx.config
    c = cfg.central_dev
    if not c.bundle_private_key_file:
        return ctx.fail(cli.EXIT_CONFIG, "configuration error: central_dev.bundle_private_key_file is not set "
                                         "(the bundle.key written by `kiosk central-dev keygen`)")
    try:
        token = c.accepted_token()
        key = bundle.load_private_key(Path(c.bundle_private_key_file))
    except ValueError as e:
        return ctx.fail(cli.EXIT_CONFIG, f"configuration error: central_dev.{e}")
    except bundle.KeyFileError as e:
        return ctx.fail(cli.EXIT_CONFIG, f"configuration error: {e}")

    def work(db) -> int:
        try:
            result = import_bundle(db, Path(args.path), key, token)
        except bundle.BundleError as e:
            return ctx.fail(cli.EXIT_INVALID, str(e), bundle=args.path)
        ctx.emit({"ok": True, **result.as_dict()}, _summary(args.path, result))
        return cli.EXIT_OK
    return with_db(args, ctx, work)


def _summary(path: str, result) -> str:
    human = (f"{path}: station {result.station} (signed by key {result.signer}"
             f"{', pinned now: first seen' if result.key == 'pinned' else ''}): {result.imported} imported, "
             f"{result.duplicates} already here")
    if result.left_out_at_kiosk:
        human += f"; {len(result.left_out_at_kiosk)} left out by the kiosk (damaged files): " + ", ".join(
            x.get("code", "?") for x in result.left_out_at_kiosk)
    return human
