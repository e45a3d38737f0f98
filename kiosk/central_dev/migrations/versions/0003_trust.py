"""Trust (docs/centre.md, "Station keys and the chain"): each station's pinned signing
key with the last key it refused, each item's link in its station's hash chain and
whether its content gives that link, and indexes for the (station, seq) and code checks.

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the station_keys table and the items' chain columns and indexes."""
    op.create_table(
        "station_keys",
        sa.Column("station", sa.Text, primary_key=True),
        sa.Column("public_key", sa.Text, nullable=False),
        sa.Column("via", sa.Text, nullable=False),
        sa.Column("pinned_at", sa.Text, nullable=False),
        sa.Column("refused_key", sa.Text),
        sa.Column("refused_via", sa.Text),
        sa.Column("refused_at", sa.Text),
        sa.Column("refusals", sa.BigInteger, nullable=False, server_default="0"))
    with op.batch_alter_table("items") as t:
        t.add_column(sa.Column("chain_prev", sa.Text))
        t.add_column(sa.Column("chain_hash", sa.Text))
        t.add_column(sa.Column("chain_check", sa.Text))
    op.create_index("items_station_seq", "items", ["station", "seq"])
    op.create_index("items_code", "items", ["code"])


def downgrade() -> None:
    """Not supported: the centre's data is never dropped by a migration."""
    raise NotImplementedError("the centre's migrations go forward only")
