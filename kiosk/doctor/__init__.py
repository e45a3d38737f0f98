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
