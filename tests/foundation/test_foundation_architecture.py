"""The tree is the layer diagram: every import in kiosk/ and drivers/ points down the order
written in docs/architecture.md ("The order"), or stays in its own room, or crosses between
two capabilities that the document allows ("Allowed between capabilities"). No circles.

The order is read from the document itself, so the document and this test cannot drift
apart: a folder the table does not name fails here as well.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "architecture.md"
PACKAGES = ("kiosk", "drivers")


# -- what the document says ----------------------------------------------------------------

def _table(section: str) -> list[list[str]]:
    """The rows of the first Markdown table under the heading *section*."""
    text = DOC.read_text(encoding="utf-8")
    m = re.search(rf"^## {re.escape(section)}\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert m, f"docs/architecture.md has no section '## {section}'"
    rows = [r for r in m.group(1).splitlines() if r.startswith("|")]
    return [[c.strip() for c in r.strip("|").split("|")] for r in rows[2:]]


def _paths(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def layer_order() -> dict[str, tuple[int, str]]:
    """room (a folder or file of the repo) -> (rank, layer name), from the document."""
    rooms = {}
    for rank, row in enumerate(_table("The order")):
        for p in _paths(row[1]):
            rooms[p.rstrip("/")] = (rank, row[0])
    return rooms


def allowed_crossings() -> set[tuple[str, str]]:
    """(from room, to room) pairs of one layer that may import each other, from the document."""
    out = set()
    for row in _table("Allowed between capabilities"):
        (src,), (dst,) = _paths(row[0]), _paths(row[1])
        out.add((src.rstrip("/"), dst.rstrip("/")))
    return out


# -- what the code does --------------------------------------------------------------------

def module_of(rel: str) -> str:
    mod = rel[:-3].replace("/", ".")
    return mod[:-9] if mod.endswith(".__init__") else mod


def file_of(module: str, files: dict[str, str]) -> str | None:
    """The repo file that defines *module*, among *files*; None if none does."""
    base = module.replace(".", "/")
    for cand in (base + ".py", base + "/__init__.py"):
        if cand in files:
            return cand
    return None


def imports_of(rel: str, source: str, files: dict[str, str]) -> list[tuple[int, str]]:
    """(line, target file) of every import of this repo's code in *source*, top-level and
    function-local alike. ``from pkg import name`` targets ``pkg/name.py`` when that is a
    module, else ``pkg`` itself."""
    out = []
    package = module_of(rel) if rel.endswith("__init__.py") else module_of(rel).rpartition(".")[0]
    for node in ast.walk(ast.parse(source, filename=rel)):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([node.module] if node.module else []))
            targets = [f"{base}.{a.name}" if file_of(f"{base}.{a.name}", files) else base for a in node.names]
        else:
            continue
        for t in targets:
            if t.split(".")[0] in PACKAGES:
                f = file_of(t, files)
                while f is None and "." in t:
                    t = t.rpartition(".")[0]
                    f = file_of(t, files)
                if f and f != rel:
                    out.append((node.lineno, f))
    return out


def room_of(rel: str, rooms: dict) -> str | None:
    best = None
    for room in rooms:
        if (rel == room or rel.startswith(room + "/")) and (best is None or len(room) > len(best)):
            best = room
    return best


def find_layer_violations(files: dict[str, str]) -> list[str]:
    """Every import in *files* (repo path -> source) that breaks the document's order."""
    rooms, allowed = layer_order(), allowed_crossings()
    bad = []
    for rel in sorted(files):
        src_room = room_of(rel, rooms)
        if src_room is None:
            bad.append(f"{rel}: in no room of docs/architecture.md 'The order'")
            continue
        src_rank, src_layer = rooms[src_room]
        for line, target in imports_of(rel, files[rel], files):
            dst_room = room_of(target, rooms)
            if dst_room is None or dst_room == src_room:
                continue
            dst_rank, dst_layer = rooms[dst_room]
            if dst_rank > src_rank:
                bad.append(f"{rel}:{line}: imports {target} - up from {src_layer} to {dst_layer}")
            elif dst_rank == src_rank and (src_room, dst_room) not in allowed:
                bad.append(f"{rel}:{line}: imports {target} - across {src_layer}, from {src_room}/ to "
                           f"{dst_room}/, which 'Allowed between capabilities' does not list")
    return bad


def find_circles(files: dict[str, str]) -> list[list[str]]:
    """Groups of files that import each other round (strongly connected, more than one)."""
    graph = {rel: sorted({t for _, t in imports_of(rel, src, files)}) for rel, src in files.items()}
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def repo_sources() -> dict[str, str]:
    return {p.relative_to(ROOT).as_posix(): p.read_text(encoding="utf-8")
            for top in PACKAGES for p in sorted((ROOT / top).rglob("*.py"))}


# -- the tests -----------------------------------------------------------------------------

def test_every_import_points_down_the_documented_order():
    bad = find_layer_violations(repo_sources())
    assert not bad, "imports against docs/architecture.md:\n" + "\n".join(bad)


def test_no_import_circles():
    circles = find_circles(repo_sources())
    assert not circles, "files that import each other round:\n" + "\n".join(" <-> ".join(c) for c in circles)


def test_every_folder_of_the_tree_is_a_room_of_the_document():
    rooms = layer_order()
    folders = {p.parent.relative_to(ROOT).as_posix() for top in PACKAGES for p in (ROOT / top).rglob("*.py")}
    loose = [p.relative_to(ROOT).as_posix() for p in (ROOT / "kiosk").glob("*.py")]
    assert sorted(loose) == ["kiosk/__init__.py", "kiosk/__main__.py"], "loose modules at kiosk/"
    # kiosk/ itself holds only the two files above, each a room of its own.
    assert [f for f in sorted(folders - {"kiosk"}) if room_of(f + "/x.py", rooms) is None] == []
    assert all((ROOT / r).exists() for r in rooms), "the document names a room the tree lacks"


def test_a_planted_upward_import_fails_naming_file_and_line():
    files = repo_sources()
    files["kiosk/core/planted.py"] = '"""x"""\n\ndef f():\n    from kiosk.app.kioskapp import KioskApp\n'
    bad = [b for b in find_layer_violations(files) if "planted" in b]
    assert bad == ["kiosk/core/planted.py:4: imports kiosk/app/kioskapp.py - up from core to app"]


def test_a_planted_crossing_between_capabilities_fails():
    files = repo_sources()
    files["kiosk/voice/planted.py"] = "from kiosk.receipt import printing\n"
    assert [b for b in find_layer_violations(files) if "planted" in b] == [
        "kiosk/voice/planted.py:1: imports kiosk/receipt/printing.py - across capabilities, from "
        "kiosk/voice/ to kiosk/receipt/, which 'Allowed between capabilities' does not list"]


def test_a_planted_circle_is_found():
    files = repo_sources()
    files["kiosk/core/planted_a.py"] = "from kiosk.core import planted_b\n"
    files["kiosk/core/planted_b.py"] = "import kiosk.core.planted_a\n"
    assert ["kiosk/core/planted_a.py", "kiosk/core/planted_b.py"] in find_circles(files)
