"""Every tracking code shown as an example (docs, README, the code and its kv files) passes
the kiosk's own check digit: a newcomer who types the sample must not meet "check digit
wrong" (issue: sample codes everywhere are valid)."""

from __future__ import annotations

import re
from pathlib import Path

from kiosk.core import trackcode

ROOT = Path(__file__).resolve().parents[2]
CODE = re.compile(r"(?<![\d-])(\d{4}-\d{6}-\d)(?![\d-])")


def bad_codes(text: str) -> list[str]:
    """The grouped tracking codes in *text* whose check digit is wrong."""
    out = []
    for m in CODE.finditer(text):
        try:
            trackcode.parse(m.group(1))
        except trackcode.CodeError:
            out.append(m.group(1))
    return out


def _shown_files() -> list[Path]:
    files = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md")), *sorted((ROOT / "docs").rglob("*.yaml"))]
    for top in ("kiosk", "drivers"):
        files += sorted((ROOT / top).rglob("*.py")) + sorted((ROOT / top).rglob("*.kv"))
    return files


def test_every_sample_code_passes_the_check_digit():
    bad = [f"{p.relative_to(ROOT)}:{n}: {c}" for p in _shown_files()
           for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) for c in bad_codes(line)]
    assert not bad, "sample codes that fail the check digit:\n" + "\n".join(bad)


def test_a_wrong_check_digit_is_found():
    good = str(trackcode.make("0371", 45))
    wrong = good[:-1] + str((int(good[-1]) + 1) % 10)
    assert bad_codes(f"e.g. {good} or {wrong}") == [wrong]
