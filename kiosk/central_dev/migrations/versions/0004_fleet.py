"""Indexes for a fleet of stations: each station's last heartbeat (the fleet page, the
inbox) and the data pool's window of weeks (docs/centre.md, "The fleet" and "The data
pool"). A station's items are found by 0003's items_station_seq (station first), so no
index of its own. Indexes only: no row changes.

Revision ID: 0004
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the two indexes."""
    # max(id) per station reads one index entry per station instead of every heartbeat.
    op.create_index("heartbeats_station", "heartbeats", ["station", "id"])
    op.create_index("items_received", "items", ["received_at"])


def downgrade() -> None:
    """Not supported: the centre's data is never dropped by a migration."""
    raise NotImplementedError("the centre's migrations go forward only")
