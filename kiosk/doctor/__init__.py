"""`kiosk doctor`: the check runner, and the checks contributed by the modules of this package.

Each module here defines ``checks(ctx) -> list[Check]``. A check never raises: a broken
device or a missing model is a failed check with a reason, not a crash. A check module
imports ``Check`` and the statuses from this package (``from kiosk.doctor import OK, Check``).
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import asdict, dataclass

OK, WARN, FAIL, SKIP = "ok", "warn", "fail", "skip"


@dataclass(frozen=True)
class Check:
    """One line of the doctor's report."""

    name: str
    status: str  # ok / warn / fail / skip
    detail: str

    def as_dict(self) -> dict:
        return asdict(self)


class Unavailable(Exception):
    """What a check needs (the config, the database) cannot be had; :attr:`check` is the
    SKIP line the check reports instead (the core checks say why)."""

    def __init__(self, check: Check):
        self.check = check
        super().__init__(check.detail)


def config_and_store(ctx, name: str):
    """``(config, store)`` for the check *name*; the store is None before the kiosk's
    first start (no database yet: :class:`~kiosk.core.store.StoreNotCreated`). Raises
    :class:`Unavailable` with a SKIP line when the config or the database cannot be had."""
    from kiosk.core.store import StoreNotCreated
    try:
        cfg = ctx.config
    except Exception as e:  # the core checks report a bad config themselves
        raise Unavailable(Check(name, SKIP, f"config unavailable: {e}")) from None
    try:
        return cfg, ctx.store
    except StoreNotCreated:
        return cfg, None
    except Exception as e:  # the core checks report a bad database themselves
        raise Unavailable(Check(name, SKIP, f"database unavailable: {e}")) from None


def check_modules() -> list:
    """Every check module, core first, then by name."""
    names = sorted(i.name for i in pkgutil.iter_modules(__path__) if not i.name.startswith("_"))
    names.sort(key=lambda n: (n != "core", n))
    return [importlib.import_module(f"kiosk.doctor.{n}") for n in names]


def run_checks(ctx, extra_modules=()) -> list[Check]:
    """Run every check, then those of *extra_modules* (a higher layer's checks, such as
    the touchscreen app's ``kiosk.app.checks``, handed in by the doctor command so this
    package never imports the UI); a check module that raises becomes one failed check."""
    results: list[Check] = []
    for mod in [*check_modules(), *extra_modules]:
        try:
            results.extend(mod.checks(ctx))
        except Exception as e:  # a doctor must report, not crash
            results.append(Check(mod.__name__.rsplit(".", 1)[-1], FAIL, f"check crashed: {e!r}"))
    return results
