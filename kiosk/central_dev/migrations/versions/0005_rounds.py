"""不满意再办 rounds (issue 21 parts 2, 3, 6; docs/protocol.md protocol 4): an item's
current round and when it opened; each back-channel update's stage of the loop, round,
note and rating; each rating's round and the resident's reason, once per (item, round).

Existing rows are filled in as what they were: every item is in round 1, every update's
stage is its status in round 1, and each item's earliest rating rates round 1. Later
ratings of one item (protocol 1–3 let a resident rate again) keep a null round: they rate
no round, and the unique index (item_id, round) ignores nulls on both engines.

Revision ID: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# The earliest rating of each item (received_at, then id, to break a tie) rates round 1.
FIRST_RATINGS = (
    "UPDATE ratings SET round = 1 WHERE id IN (SELECT r.id FROM ratings r WHERE NOT EXISTS ("
    "SELECT 1 FROM ratings o WHERE o.item_id = r.item_id AND "
    "(o.received_at < r.received_at OR (o.received_at = r.received_at AND o.id < r.id))))")


def upgrade() -> None:
    """Add the columns, fill them for existing rows, add the once-per-round index."""
    with op.batch_alter_table("items") as t:
        t.add_column(sa.Column("round", sa.BigInteger(), nullable=False, server_default="1"))
        t.add_column(sa.Column("round_opened_at", sa.Text))
    with op.batch_alter_table("updates") as t:
        t.add_column(sa.Column("stage", sa.Text))
        t.add_column(sa.Column("round", sa.BigInteger(), nullable=False, server_default="1"))
        t.add_column(sa.Column("note", sa.Text))
        t.add_column(sa.Column("rating", sa.Text))
    with op.batch_alter_table("ratings") as t:
        t.add_column(sa.Column("round", sa.BigInteger()))
        t.add_column(sa.Column("reason", sa.Text))
    op.execute("UPDATE updates SET stage = status")
    op.execute(FIRST_RATINGS)
    op.create_index("ratings_item_round", "ratings", ["item_id", "round"], unique=True)
    op.create_index("updates_item", "updates", ["item_id", "cursor"])


def downgrade() -> None:
    """Not supported: the centre's data is never dropped by a migration."""
    raise NotImplementedError("the centre's migrations go forward only")
