"""The `kiosk` command: one entry point, subcommands discovered in kiosk.cli.

Each module in ``kiosk/cli/`` defines ``NAME``, ``HELP``, ``register(parser)`` and
``run(args, ctx) -> int``. Modules import heavy libraries (Kivy, Vosk, requests) inside
``run`` so that ``kiosk --help`` and the sync daemon stay light.

Exit codes (docs/cli.md): 0 ok; 1 failed or a check found a problem; 2 usage error;
3 configuration error; 4 invalid input; 5 not found; 6 storage error (disk full,
database, unusable personal-data key); 7 the service PIN pad is locked (``service
check-pin``); 75 staff left the app for the system (``run``); 130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys
from typing import Any

import kiosk.cli
from kiosk import config as configmod
from kiosk.runtime import lifeline
from kiosk.core.diskguard import DiskSpaceError, OutOfServiceError
from kiosk.core.pii import PIIKeyError

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_CONFIG, EXIT_INVALID, EXIT_NOT_FOUND, EXIT_STORAGE = range(7)
EXIT_INTERRUPTED = 130

#: modules of kiosk/cli/ that are not a command of their own
NOT_COMMANDS = ("main",)


class CommandFailed(Exception):
    """Raised by a command (or a Context helper) to end with *exit_code* and *message*."""

    def __init__(self, exit_code: int, message: str):
        self.exit_code = exit_code
        super().__init__(message)


class Context:
    """What a command needs, loaded on first use: the config and the store."""

    def __init__(self, args: argparse.Namespace):
        self.args = args
        #: set by a command that must not write (``kiosk doctor``): :attr:`store` is then
        #: opened read-only and never created (:meth:`kiosk.core.store.Store.open_read_only`)
        self.read_only = False
        self._config = None
        self._store = None

    @property
    def config(self):
        """The validated config. The files a section names (token files, CA bundle) are
        checked only for commands that use them (``check_setup_files``, set by
        ``kiosk sync``); for the rest, ``kiosk doctor`` reports them."""
        if self._config is None:
            self._config = configmod.load(configmod.resolve_path(self.args.config),
                                          check_files=getattr(self.args, "check_setup_files", False))
        return self._config

    @property
    def store(self):
        """The store, opened on first use WITHOUT start-up recovery: a command run by
        staff only reads or adds; the app and the sync daemon run ``store.recover()``
        themselves. With :attr:`read_only`, the existing store for reading only (raises
        :class:`kiosk.core.store.StoreNotCreated` when there is none yet)."""
        return self.open_store(recover=False)

    def open_store(self, **options):
        """The store, opened on first use with *options* (those of
        :meth:`kiosk.core.store.Store.open`); closed when the command ends."""
        if self._store is None:
            from kiosk.core.store import Store
            # The store makes its data dir owner-only itself (kiosk/core/store/connection.py).
            self._store = Store.open_read_only(self.config) if self.read_only else \
                Store.open(self.config, **options)
        return self._store

    def item_by_code(self, text: str, *, with_pii: bool = False):
        """The item with the tracking code a person typed.

        Raises :class:`CommandFailed`: exit 4 with "check digit wrong" (or what else is
        malformed) for a typo, exit 5 when this kiosk has no such item.
        """
        from kiosk.core.trackcode import CodeError, parse
        try:
            code = parse(text)
        except CodeError as e:
            raise CommandFailed(EXIT_INVALID, str(e)) from None
        item = self.store.find_by_code(code, with_pii=with_pii)
        if item is None:
            raise CommandFailed(EXIT_NOT_FOUND, f"no item with tracking code {code} at this kiosk")
        return item

    def emit(self, data: Any, human: str) -> None:
        """Print *data* as JSON with --json, else the human text."""
        if self.args.json:
            print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
        else:
            print(human)

    def fail(self, code: int, message: str, **extra) -> int:
        """Report an error (JSON on stdout with --json, else on stderr); return *code*."""
        if self.args.json:
            print(json.dumps({"ok": False, "error": message, "exit_code": code, **extra},
                             ensure_ascii=False, indent=2))
        else:
            print(f"kiosk: {message}", file=sys.stderr)
        return code

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


def command_modules() -> list:
    """Every subcommand module, sorted by name."""
    mods = []
    for info in pkgutil.iter_modules(kiosk.cli.__path__):
        if not info.name.startswith("_") and info.name not in NOT_COMMANDS:
            mods.append(importlib.import_module(f"kiosk.cli.{info.name}"))
    return sorted(mods, key=lambda m: m.NAME)


def _common(default) -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="FILE", default=default,
                        help=f"TOML config file (default: ${configmod.ENV_VAR}, else built-in defaults)")
    common.add_argument("--json", action="store_true", default=default or False,
                        help="print machine-readable JSON")
    return common


def add_action(sub, name: str, help: str, description: str) -> argparse.ArgumentParser:
    """One ACTION of a command with actions (``kiosk X ACTION``): it takes --config/--json
    too, so ``kiosk X ACTION ... --json`` works."""
    return sub.add_parser(name, parents=[_common(argparse.SUPPRESS)], help=help, description=description)


def version_line() -> str:
    """``kiosk 0.1.0 (schema m002_receipt_secret, protocol 1)``: what a maintainer quotes."""
    # Imported here: sqlite-utils must not load before `kiosk sync` keeps numpy out of the
    # daemon (kiosk/cli/sync.py, _keep_daemon_small).
    from kiosk.core.schema import schema_version
    from kiosk.sync.wire import PROTOCOL_VERSION, app_version
    return f"kiosk {app_version()} (schema {schema_version()}, protocol {PROTOCOL_VERSION})"


class _PrintVersion(argparse.Action):
    """``--version``: print :func:`version_line` and exit 0 (built only when asked)."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        print(version_line())
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (also used by the docs test)."""
    parser = argparse.ArgumentParser(
        prog="kiosk", parents=[_common(None)],
        description="minyi-kiosk: the self-service terminal of a 24-hour opinion station.",
        epilog="Exit codes: 0 ok, 1 failed/problem found, 2 usage, 3 config error, "
               "4 invalid input, 5 not found, 6 storage error, 7 PIN pad locked (service check-pin), "
               "75 staff left the app for the system (run), 130 interrupted.")
    parser.add_argument("--version", action=_PrintVersion,
                        help="print the kiosk's version, its database schema and protocol version")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for mod in command_modules():
        # Sub-parsers SUPPRESS their defaults so `kiosk --json status X` and
        # `kiosk status X --json` both work (argparse would reset the value otherwise).
        p = sub.add_parser(mod.NAME, help=mod.HELP, description=mod.HELP,
                           parents=[_common(argparse.SUPPRESS)])
        mod.register(p)
        p.set_defaults(_module=mod)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    lifeline.follow_parent_from_env()   # a child of `kiosk demo`: stop when it dies
    args = build_parser().parse_args(argv)
    ctx = Context(args)
    try:
        return args._module.run(args, ctx) or EXIT_OK
    except configmod.ConfigError as e:
        return ctx.fail(EXIT_CONFIG, f"configuration error: {e}")
    except CommandFailed as e:
        return ctx.fail(e.exit_code, str(e))
    except DiskSpaceError as e:
        # Any command that writes (status marks, requeue, sync, a receipt's log) on a disk
        # the guard refuses: the named refusal, never a traceback (docs/store.md).
        return ctx.fail(EXIT_STORAGE, str(e), reason="out_of_service" if isinstance(e, OutOfServiceError)
                        else "media_refused", disk=e.reading.as_alert())
    except PIIKeyError as e:  # the message names the key file and the items it locks
        return ctx.fail(EXIT_STORAGE, str(e), locked_items=e.locked_items,
                        key_file=str(e.path) if e.path else None)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    finally:
        ctx.close()


if __name__ == "__main__":
    sys.exit(main())
