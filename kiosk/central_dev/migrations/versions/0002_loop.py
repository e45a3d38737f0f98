"""The staff loop (受理—分流—处置—跟踪—督办—反馈—办结): an item's department and 督办 flag,
the back-channel's added fields, and the append-only audit log (docs/centre.md).

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SERIAL = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# The audit log refuses UPDATE and DELETE in the database itself, so not even a query
# typed at the database's own prompt by a staff account changes what was recorded.
SQLITE_TRIGGERS = [
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit "
    "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END",
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit "
    "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END",
]
PG_TRIGGERS = [
    "CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'audit log is append-only'; END $$",
    "CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit "
    "FOR EACH ROW EXECUTE FUNCTION audit_append_only()",
    "CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()",
]


def upgrade() -> None:
    """Add the loop's columns and the audit table with its triggers."""
    with op.batch_alter_table("items") as t:
        t.add_column(sa.Column("department", sa.Text))
        t.add_column(sa.Column("escalated_at", sa.Text))
        t.add_column(sa.Column("escalated_by", sa.Text))
    with op.batch_alter_table("updates") as t:
        t.add_column(sa.Column("department", sa.Text))
        t.add_column(sa.Column("escalated", sa.Boolean, nullable=False, server_default=sa.false()))
    op.create_table(
        "audit",
        sa.Column("id", SERIAL, primary_key=True),
        sa.Column("item_id", sa.Text, nullable=False),
        sa.Column("at", sa.Text, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("from_stage", sa.Text),
        sa.Column("to_stage", sa.Text),
        sa.Column("department", sa.Text),
        sa.Column("note", sa.Text),
        sqlite_autoincrement=True)
    op.create_index("audit_item", "audit", ["item_id", "id"])
    for sql in SQLITE_TRIGGERS if op.get_bind().dialect.name == "sqlite" else PG_TRIGGERS:
        op.execute(sql)


def downgrade() -> None:
    """Not supported: the centre's data is never dropped by a migration."""
    raise NotImplementedError("the centre's migrations go forward only")
