"""Size limits the team keeps (issue 20, "What to deliver" 3): no source file under
``kiosk/`` or ``drivers/`` over 500 lines, no function or method over 60 lines.

A function's length runs from its ``def`` line to its last line (decorators not counted),
nested functions are measured on their own as well as inside their parent. A failure names
``file:line`` of every offender.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOPS = ("kiosk", "drivers")
MAX_FILE_LINES = 500
MAX_FUNCTION_LINES = 60
# Nothing is excluded; a file that must be longer would be named here with the reason.
EXCLUDED: set[str] = set()


def find_oversized(root: Path, tops=TOPS, excluded=frozenset(EXCLUDED)) -> list[str]:
    """One ``"<file>:<line>: ..."`` message per file over :data:`MAX_FILE_LINES` lines and
    per function over :data:`MAX_FUNCTION_LINES` lines in the ``*.py`` files under *tops*
    of *root* (paths in *excluded*, relative to *root*, are skipped)."""
    problems = []
    for top in tops:
        for path in sorted((root / top).rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            if rel in excluded:
                continue
            source = path.read_text(encoding="utf-8")
            lines = len(source.splitlines())
            if lines > MAX_FILE_LINES:
                problems.append((rel, 1, f"file has {lines} lines (limit {MAX_FILE_LINES})"))
            for node in ast.walk(ast.parse(source, filename=rel)):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    length = node.end_lineno - node.lineno + 1
                    if length > MAX_FUNCTION_LINES:
                        problems.append((rel, node.lineno, f"function {node.name} has {length} lines "
                                                           f"(limit {MAX_FUNCTION_LINES})"))
    return [f"{rel}:{line}: {what}" for rel, line, what in sorted(problems)]


def test_no_oversized_file_or_function():
    problems = find_oversized(ROOT)
    assert not problems, "split these by meaning:\n" + "\n".join(problems)


def test_the_exclusion_names_an_existing_file():
    # A stale exclusion would hide nothing and mislead: it must name a file that exists.
    for rel in EXCLUDED:
        assert (ROOT / rel).is_file(), f"{rel} is excluded but does not exist: drop the exclusion"


def _function(name: str, body_lines: int) -> str:
    """Source of a function of 1 + *body_lines* lines."""
    return f"def {name}():\n" + "".join(f"    x{i} = {i}\n" for i in range(body_lines))


def test_checker_reports_a_planted_long_function_and_file(tmp_path):
    pkg = tmp_path / "kiosk" / "sub"
    pkg.mkdir(parents=True)
    (pkg / "long.py").write_text("import os\n\n\n" + _function("too_long", 60)
                                 + "\n\nclass K:\n    " + _function("fits", 59).replace("\n    ", "\n        "),
                                 encoding="utf-8")
    (tmp_path / "drivers").mkdir()
    (tmp_path / "drivers" / "big.py").write_text("x = 1\n" * 501, encoding="utf-8")
    (tmp_path / "drivers" / "ok.py").write_text("x = 1\n" * 500, encoding="utf-8")
    assert find_oversized(tmp_path, excluded=frozenset()) == [
        "drivers/big.py:1: file has 501 lines (limit 500)",
        "kiosk/sub/long.py:4: function too_long has 61 lines (limit 60)",
    ]
    # The exclusion skips exactly the path it names.
    assert find_oversized(tmp_path, excluded=frozenset({"kiosk/sub/long.py"})) == [
        "drivers/big.py:1: file has 501 lines (limit 500)"]


def test_checker_measures_nested_functions_and_methods(tmp_path):
    (tmp_path / "kiosk").mkdir()
    inner = _function("inner", 60).replace("\n", "\n    ").rstrip() + "\n"
    (tmp_path / "kiosk" / "nested.py").write_text(
        "class A:\n    async " + _function("method", 61).replace("\n    ", "\n        ")
        + "\n\ndef outer():\n    " + inner, encoding="utf-8")
    assert find_oversized(tmp_path, excluded=frozenset()) == [
        "kiosk/nested.py:2: function method has 62 lines (limit 60)",
        "kiosk/nested.py:66: function outer has 62 lines (limit 60)",
        "kiosk/nested.py:67: function inner has 61 lines (limit 60)",
    ]
    # Reported in line order, not text order (line 9 before line 70).
    (tmp_path / "kiosk" / "nested.py").write_text("\n" * 8 + _function("a", 60) + _function("b", 60),
                                                  encoding="utf-8")
    assert [m.split(": ")[0] for m in find_oversized(tmp_path, excluded=frozenset())] == [
        "kiosk/nested.py:9", "kiosk/nested.py:70",
    ]
