"""Architecture rules that a reviewer would otherwise have to check by eye (docs/architecture.md).

- The store owns every SQL statement: only the store package ``kiosk/core/store/`` and
  ``kiosk/core/schema.py`` contain SQL or call ``execute``; ``kiosk/central_dev/`` keeps its own database.
- Nobody outside the store reaches into its connection (``store.db``, ``store._lock``,
  ``store.write()``).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The store package (every module of kiosk/core/store/) and the schema own the SQL.
SQL_OWNERS = {"kiosk/core/schema.py"}
SQL_OWNER_DIRS = ("kiosk/core/store/",)
EXEMPT_DIRS = ("kiosk/central_dev/",)

# Upper-case SQL as this code base writes it. Case-sensitive on purpose: English prose
# ("select a photo from the list") must not count.
SQL_RE = re.compile(
    r"\bSELECT\b[\s\S]+\bFROM\b|\bINSERT\s+(OR\s+[A-Z]+\s+)?INTO\b|\bUPDATE\s+\w+\s+SET\b"
    r"|\bDELETE\s+FROM\b|\bCREATE\s+(UNIQUE\s+)?(TABLE|INDEX|VIEW|TRIGGER)\b|\bDROP\s+(TABLE|INDEX)\b"
    r"|\bALTER\s+TABLE\b|\bPRAGMA\s+\w+|\bBEGIN\s+(IMMEDIATE|EXCLUSIVE|DEFERRED)\b|\bREPLACE\s+INTO\b"
    r"|\bWHERE\s+\w+\s*(=|!=|<|>|IS\b|IN\b|LIKE\b)")
DB_CALLS = {"execute", "executemany", "executescript", "rows_where", "count_where"}
STORE_INTERNALS = {"db", "_lock", "write", "_write"}


def _sources() -> list[Path]:
    out = []
    for top in ("kiosk", "drivers"):
        for p in sorted((ROOT / top).rglob("*.py")):
            rel = p.relative_to(ROOT).as_posix()
            if rel in SQL_OWNERS or rel.startswith(SQL_OWNER_DIRS + EXEMPT_DIRS):
                continue
            out.append(p)
    return out


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of docstring nodes: prose about SQL (e.g. "one BEGIN IMMEDIATE") is not SQL."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                out.add(id(first.value))
    return out


def _strings(tree: ast.AST):
    docs = _docstrings(tree)
    for node in ast.walk(tree):
        if id(node) in docs:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value
        elif isinstance(node, ast.JoinedStr):
            yield node.lineno, "".join(v.value if isinstance(v, ast.Constant) else " x " for v in node.values)


def _is_store(expr: ast.AST) -> bool:
    """``store`` / ``self.store`` / ``ctx.store`` / ``self._store`` …"""
    if isinstance(expr, ast.Name):
        return expr.id in {"store", "_store"}
    if isinstance(expr, ast.Attribute):
        return expr.attr in {"store", "_store"}
    return False


def find_sql_violations(path: Path) -> list[str]:
    """Every place in *path* that holds SQL or reaches into the store's connection."""
    rel = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    bad = []
    for line, s in _strings(tree):
        if SQL_RE.search(s):
            bad.append(f"{rel}:{line}: SQL in a string: {s.strip()[:70]!r}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in DB_CALLS:
            bad.append(f"{rel}:{node.lineno}: .{node.func.attr}() outside the store")
        if isinstance(node, ast.Attribute) and node.attr in STORE_INTERNALS and _is_store(node.value):
            bad.append(f"{rel}:{node.lineno}: store.{node.attr} used outside the store")
    return bad


def test_only_the_store_holds_sql():
    bad = [v for p in _sources() for v in find_sql_violations(p)]
    assert not bad, "SQL belongs in the store, kiosk/core/store/ (add a verb-named method):\n" + "\n".join(bad)


def test_the_sql_owners_exist():
    # A stale path here would exempt nothing and the store's own files would be flagged;
    # a moved store must be named here, not silently lose its exemption.
    missing = [p for p in (*SQL_OWNERS, *SQL_OWNER_DIRS) if not (ROOT / p).exists()]
    assert not missing, missing
    assert any((ROOT / SQL_OWNER_DIRS[0]).glob("*.py"))


@pytest.mark.parametrize("snippet", [
    'rows = store.db.execute("SELECT id FROM items").fetchall()\n',
    'q = "UPDATE ratings SET delivery = ? WHERE id = ?"\n',
    'q = f"SELECT {cols} FROM items WHERE seq > ?"\n',
    'with self.store._lock:\n    pass\n',
    'with store.write() as db:\n    db["meta"].insert({})\n',
    'conn.execute(sql)\n',
    'n = store.count_where("delivery = \'pending\'")\n',
])
def test_the_scan_catches_sql_and_store_internals(tmp_path, snippet):
    p = tmp_path / "mod.py"
    p.write_text(snippet, encoding="utf-8")
    assert find_sql_violations(p)


def test_the_scan_leaves_prose_alone(tmp_path):
    p = tmp_path / "mod.py"
    p.write_text('msg = "select a photo from the list, then update the set of pages"\n'
                 'items = store.list_items(delivery="pending")\n', encoding="utf-8")
    assert find_sql_violations(p) == []


# -- loading the config imports no feature code ------------------------------------------

FORBIDDEN_ON_IMPORT = ("kiosk.app", "drivers", "kivy")
# Loading validates device kinds against the drivers' own registries (imported then), but
# never the UI, Kivy, OpenCV or numpy: the sync daemon loads the same file and keeps
# numpy out (kiosk/cli/sync.py).
FORBIDDEN_ON_LOAD = ("kiosk.app", "kivy", "cv2", "numpy", "PIL")

_PROBE = """
import json, sys
import kiosk.config
imported = sorted(sys.modules)
kiosk.config.load(sys.argv[1])
print(json.dumps({"import": imported, "load": sorted(sys.modules)}))
"""


def _under(names, prefixes):
    return sorted(n for n in names if any(n == p or n.startswith(p + ".") for p in prefixes))


def test_loading_the_config_imports_no_ui_driver_or_kivy(write_config):
    import json
    import subprocess
    import sys
    path = write_config('[camera]\nkind = "opencv"\n[printer]\nkind = "serial"\n'
                        '[code_reader]\nkind = "serial"\ndevice = "/dev/ttyACM0"\n[ui]\nfullscreen = false\n')
    out = subprocess.run([sys.executable, "-c", _PROBE, str(path)], capture_output=True, text=True,
                         cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    mods = json.loads(out.stdout)
    assert _under(mods["import"], FORBIDDEN_ON_IMPORT) == [], "import kiosk.config pulled these in"
    assert _under(mods["load"], FORBIDDEN_ON_LOAD) == [], "kiosk.config.load() pulled these in"


def test_the_import_probe_sees_a_forbidden_import():
    assert _under(["kiosk.app", "kiosk.app.kioskapp", "kiosk.uix", "drivers.camera", "kivy.core"],
                  FORBIDDEN_ON_IMPORT) == ["drivers.camera", "kiosk.app", "kiosk.app.kioskapp", "kivy.core"]
