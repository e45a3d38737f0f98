"""Indexes for a fleet of stations: each station's last heartbeat (the fleet page, the
inbox), the stations known from their items, and the data pool's window of weeks
(docs/centre.md, "Fleet" and "Data pool"). Indexes only: no row changes.

Down revision 0002 for now: the hash-chain migration 0003 is written in parallel; when
both are merged this one goes after it (down_revision = "0003").

Revision ID: 0004
"""

from alembic import op

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the three indexes."""
    # max(id) per station reads one index entry per station instead of every heartbeat.
    op.create_index("heartbeats_station", "heartbeats", ["station", "id"])
    op.create_index("items_station", "items", ["station"])
    op.create_index("items_received", "items", ["received_at"])
