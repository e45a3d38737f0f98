"""The schema central-dev created before migrations (CREATE TABLE IF NOT EXISTS in db.py
and staff.py). A database made then is stamped at this revision instead (storage.py).

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SERIAL = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create the base tables."""
    op.create_table(
        "items",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("station", sa.Text, nullable=False),
        sa.Column("seq", sa.BigInteger),
        sa.Column("code", sa.Text),
        sa.Column("received_at", sa.Text, nullable=False),
        sa.Column("meta", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False, server_default="received"),
        sa.Column("reply", sa.Text),
        sa.Column("updated_at", sa.Text))
    op.create_table(
        "files",
        sa.Column("item_id", sa.Text, primary_key=True),
        sa.Column("idx", sa.BigInteger, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("media_type", sa.Text, nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.Text, nullable=False))
    op.create_table(
        "receipts",
        sa.Column("id", SERIAL, primary_key=True),
        sa.Column("item_id", sa.Text, nullable=False),
        sa.Column("result", sa.Text, nullable=False),
        sa.Column("at", sa.Text, nullable=False))
    op.create_table(
        "updates",
        sa.Column("cursor", SERIAL, primary_key=True),
        sa.Column("station", sa.Text, nullable=False),
        sa.Column("item_id", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("reply", sa.Text),
        sa.Column("at", sa.Text, nullable=False),
        sqlite_autoincrement=True)
    op.create_index("updates_station", "updates", ["station", "cursor"])
    op.create_table(
        "ratings",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("item_id", sa.Text, nullable=False),
        sa.Column("station", sa.Text),
        sa.Column("rating", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text),
        sa.Column("received_at", sa.Text, nullable=False))
    op.create_table(
        "heartbeats",
        sa.Column("id", SERIAL, primary_key=True),
        sa.Column("station", sa.Text, nullable=False),
        sa.Column("received_at", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False))
    op.create_table(
        "configs",
        sa.Column("station", sa.Text, primary_key=True),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("etag", sa.Text, nullable=False))
    _create_staff_tables()


def _create_staff_tables() -> None:
    op.create_table(
        "staff_users",
        sa.Column("user", sa.Text, primary_key=True),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("set_at", sa.Text, nullable=False))
    op.create_table(
        "staff_sessions",
        sa.Column("token_sha256", sa.Text, primary_key=True),
        sa.Column("user", sa.Text, nullable=False),
        sa.Column("csrf", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("expires", sa.Float(53), nullable=False))


def downgrade() -> None:
    """Not supported: the centre's data is never dropped by a migration."""
    raise NotImplementedError("the centre's migrations go forward only")
