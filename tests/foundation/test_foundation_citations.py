"""Every repo path, test file, module and ``Class.name`` that the docs or a comment cite exists.

A citation that points nowhere sends a newcomer looking for a thing that is not there. The
scan reads docs/ and the other Markdown files, and the comments and docstrings of the code
and the tests: repo paths (``kiosk/core/store/``, ``docs/cli.md``), bare file names
(a test module named without its folder), dotted module names (``kiosk.core.trackcode.parse``) and
``Class.attribute`` for the classes this repository defines.
"""

from __future__ import annotations

import ast
import io
import re
import subprocess
import tokenize
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOPS = ("kiosk", "drivers", "tests", "docs", "systemd", "assets", "models", ".ci")
PATH_RE = re.compile(r"(?<![\w./~-])((?:%s)/[\w./-]*)" % "|".join(re.escape(t) for t in TOPS))
FILE_RE = re.compile(r"(?<![\w./-])([a-z_][a-z0-9_]*\.(?:py|kv))\b")
DOTTED_RE = re.compile(r"(?<![\w./-])((?:kiosk|drivers)(?:\.[A-Za-z_]\w*)+)")
ATTR_RE = re.compile(r"(?<![\w.])([A-Z][A-Za-z0-9]+)\.([a-z_][a-z0-9_]*)\b")
# Dotted names that are files, not modules (kiosk.toml, kiosk.db …).
FILE_SUFFIXES = {"toml", "db", "py", "md", "log", "json", "service", "txt", "key", "wav", "conf", "lock"}


def _repo_files() -> set[str]:
    # What git tracks, and new files it does not ignore: never a venv, cache or build dir,
    # so a citation cannot pass by naming a file some installed package happens to have.
    out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
                         cwd=ROOT, capture_output=True, check=True).stdout.decode()
    tracked = {f for f in out.split("\0") if f and (ROOT / f).exists()}
    return tracked | {d for f in tracked for d in _parents(f)}


def _parents(path: str) -> list[str]:
    parts = path.split("/")[:-1]
    return ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]


@cache
def files() -> frozenset[str]:
    return frozenset(_repo_files())


@cache
def names_by_file() -> dict[str, set[str]]:
    """Every file name of the repo (without folders), for bare citations."""
    out: dict[str, set[str]] = {}
    for f in files():
        out.setdefault(f.rsplit("/", 1)[-1], set()).add(f)
    return out


def _py_files() -> list[Path]:
    return [p for top in ("kiosk", "drivers", "tests") for p in sorted((ROOT / top).rglob("*.py"))]


@cache
def classes() -> dict[str, set[str]]:
    """class name -> the names it defines (methods, class attributes, fields, ``self.x``),
    with those of its bases that this repository defines; several classes of one name merge."""
    own: dict[str, set[str]] = {}
    bases: dict[str, set[str]] = {}
    for p in [p for top in ("kiosk", "drivers") for p in (ROOT / top).rglob("*.py")]:
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ClassDef):
                continue
            names = own.setdefault(node.name, set())
            bases.setdefault(node.name, set()).update(
                b.id if isinstance(b, ast.Name) else b.attr for b in node.bases
                if isinstance(b, (ast.Name, ast.Attribute)))
            for item in ast.walk(node):
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    names.add(item.name)
                elif isinstance(item, ast.Name) and isinstance(item.ctx, ast.Store):
                    names.add(item.id)
                elif isinstance(item, ast.Attribute) and isinstance(item.ctx, ast.Store) \
                        and isinstance(item.value, ast.Name) and item.value.id in ("self", "cls"):
                    names.add(item.attr)

    def all_names(c, seen=()):
        out = set(own.get(c, ()))
        for b in bases.get(c, ()):
            if b in own and b not in seen:
                out |= all_names(b, seen + (c,))
        return out
    return {c: all_names(c) for c in own}


@cache
def top_level_names(rel: str) -> frozenset[str]:
    tree = ast.parse((ROOT / rel).read_text(encoding="utf-8"))
    out = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            for t in (node.targets if isinstance(node, ast.Assign) else [node.target]):
                out.update(n.id for n in ast.walk(t) if isinstance(n, ast.Name))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            out.update((a.asname or a.name).split(".")[0] for a in node.names)
    return frozenset(out)


def check_dotted(name: str) -> str | None:
    """None when *name* is a module, or a module's top-level name (and an attribute of it)."""
    parts = name.split(".")
    if parts[-1] in FILE_SUFFIXES:
        return None
    for i in range(len(parts), 0, -1):
        base = "/".join(parts[:i])
        for rel in (base + ".py", base + "/__init__.py"):
            if rel in files():
                rest = parts[i:]
                if not rest:
                    return None
                if (ROOT / base / (rest[0] + ".py")).exists():
                    return None
                if rest[0] not in top_level_names(rel):
                    return f"{'.'.join(parts[:i])} has no {rest[0]!r}"
                if len(rest) > 1 and rest[0] in classes() and rest[1] not in classes()[rest[0]]:
                    return f"{rest[0]} has no {rest[1]!r}"
                return None
    return "no such module"


def problems_in(text: str) -> list[str]:
    """What *text* cites that does not exist."""
    bad = []
    for m in PATH_RE.finditer(text):
        path = re.sub(r":\d+$", "", m.group(1)).rstrip(".,:;)")
        after = text[m.end():m.end() + 1]
        if any(c in path for c in "<*{") or path.endswith("/...") or after in ("*", "{", "<", "#", "…"):
            continue  # a pattern (kv/service_*.kv), a placeholder or a GitHub reference (owner/repo#123)
        if path.rstrip("/") not in files():
            bad.append(f"{path}: no such file or folder")
    for m in FILE_RE.finditer(text):
        if m.group(1) not in names_by_file():
            bad.append(f"{m.group(1)}: no file of that name")
    for m in DOTTED_RE.finditer(text):
        why = check_dotted(m.group(1).rstrip("."))
        if why:
            bad.append(f"{m.group(1)}: {why}")
    for m in ATTR_RE.finditer(text):
        cls, attr = m.groups()
        if cls in classes() and attr not in classes()[cls]:
            bad.append(f"{cls}.{attr}: {cls} defines no {attr!r}")
    return bad


def prose_of(path: Path) -> list[tuple[int, str]]:
    """(line, text) of the comments and docstrings of a Python file."""
    src = path.read_text(encoding="utf-8")
    out = [(t.start[0], t.string) for t in tokenize.generate_tokens(io.StringIO(src).readline)
           if t.type == tokenize.COMMENT]
    for node in ast.walk(ast.parse(src)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            doc = ast.get_docstring(node, clean=False)
            if doc and node.body:
                out.append((node.body[0].lineno, doc))
    return out


def documents() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.md") if ".venv" not in p.parts and ".git" not in p.parts
                  and ".pytest_cache" not in p.parts)


def test_the_documents_cite_only_what_exists():
    bad = []
    for doc in documents():
        for n, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), 1):
            bad += [f"{doc.relative_to(ROOT)}:{n}: {p}" for p in problems_in(line)]
    assert not bad, "\n".join(bad)


def test_comments_and_docstrings_cite_only_what_exists():
    bad = []
    for path in _py_files():
        for n, text in prose_of(path):
            bad += [f"{path.relative_to(ROOT)}:{n}: {p}" for p in problems_in(text)]
    assert not bad, "\n".join(bad)


def test_the_scan_finds_what_the_issue_found():
    assert problems_in("see kiosk/core/nothing_here.py") == ["kiosk/core/nothing_here.py: no such file or folder"]
    assert problems_in("(test_cli_docs.py)") == ["test_cli_docs.py: no file of that name"]
    assert problems_in("issue one (``Store.reissue_secret``)") == [
        "Store.reissue_secret: Store defines no 'reissue_secret'"]
    assert problems_in("kiosk.core.trackcode.no_such_function") == [
        "kiosk.core.trackcode.no_such_function: kiosk.core.trackcode has no 'no_such_function'"]
    assert problems_in("kiosk.settings") == ["kiosk.settings: kiosk has no 'settings'"]
    assert problems_in("nowhere.settings") == []
    assert problems_in("drivers.nothing") == ["drivers.nothing: drivers has no 'nothing'"]


def test_the_scan_leaves_real_citations_alone():
    assert problems_in("kiosk/core/store/ and docs/cli.md:6, kiosk.core.trackcode.parse, "
                       "Store.commit_item, kiosk.toml, test_foundation_citations.py") == []
