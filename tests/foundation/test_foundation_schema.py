"""The migrations build exactly the schema that shipped.

``schema_golden.sql`` is what ``kiosk.core.schema.migrations`` produced on a fresh
database when m001 was split into per-table helpers; a station that migrated long ago and
a fresh one must hold the same tables. A new migration changes the golden file on
purpose (regenerate it with ``dump_schema`` and review the diff); any other difference
means a shipped migration was edited, which kiosk/core/schema.py forbids.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database

from kiosk.core.schema import migrations

GOLDEN = Path(__file__).with_name("schema_golden.sql")


def dump_schema(path: Path) -> str:
    """Every table and index of the database at *path* (sqlite-utils' own table left out),
    one ``CREATE`` statement each, in a stable order."""
    con = sqlite3.connect(path)
    try:
        rows = con.execute("SELECT type, name, tbl_name, sql FROM sqlite_master "
                           "WHERE tbl_name != '_sqlite_migrations' ORDER BY type, name").fetchall()
    finally:
        con.close()
    return "".join(f"-- {kind} {name} ON {table}\n{sql};\n" for kind, name, table, sql in rows)


def test_migrations_build_the_shipped_schema(tmp_path):
    db = Database(tmp_path / "kiosk.db")
    migrations.apply(db)
    db.conn.close()
    assert dump_schema(tmp_path / "kiosk.db") == GOLDEN.read_text(encoding="utf-8")


def test_dump_sees_a_changed_schema(tmp_path):
    # The comparison can fail: one extra column is a different dump.
    db = Database(tmp_path / "kiosk.db")
    migrations.apply(db)
    db["items"].add_column("planted", str)
    db.conn.close()
    dumped = dump_schema(tmp_path / "kiosk.db")
    assert dumped != GOLDEN.read_text(encoding="utf-8") and '"planted" TEXT' in dumped
