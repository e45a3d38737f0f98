"""The centre's tables as SQLAlchemy Core objects: the one schema every query is written
against, on SQLite and on PostgreSQL alike (docs/centre.md).

This is the schema at the newest migration (kiosk/central_dev/migrations/versions/);
a change here without a migration is a change no database gets.
"""

from __future__ import annotations

import sqlalchemy as sa

#: An auto-numbered key: INTEGER PRIMARY KEY (the rowid) on SQLite, BIGINT identity on PostgreSQL.
SERIAL = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
#: 0 to 2^63-1 (seq, idx, size: docs/protocol.md).
BIG = sa.BigInteger()

metadata = sa.MetaData()

items = sa.Table(
    "items", metadata,
    sa.Column("id", sa.Text, primary_key=True),  # the item's UUID: exactly-once rests on this key
    sa.Column("station", sa.Text, nullable=False),
    sa.Column("seq", BIG),
    sa.Column("code", sa.Text),
    sa.Column("received_at", sa.Text, nullable=False),
    sa.Column("meta", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False, server_default="received"),
    sa.Column("reply", sa.Text),
    sa.Column("updated_at", sa.Text),
    # The staff loop (migration 0002): the department a matter was assigned to, when it
    # was flagged 督办 (by staff or past its category's deadline_days) and why.
    sa.Column("department", sa.Text),
    sa.Column("escalated_at", sa.Text),
    sa.Column("escalated_by", sa.Text),
    # The item's link in its station's hash chain (migration 0003; kiosk/core/chain.py),
    # and "ok" / "mismatch" whether its content gives that link (None: sent unchained).
    sa.Column("chain_prev", sa.Text),
    sa.Column("chain_hash", sa.Text),
    sa.Column("chain_check", sa.Text),
    # 不满意再办 (migration 0005): the matter's current round (1 until a resident's
    # unsatisfied rating reopens it) and when that round opened (None: round 1, at
    # received_at); the round's deadline runs from then.
    sa.Column("round", BIG, nullable=False, server_default="1"),
    sa.Column("round_opened_at", sa.Text),
    sa.Index("items_station_seq", "station", "seq"),
    sa.Index("items_code", "code"),
    # Migration 0004: the data pool's window of weeks (a station's items use items_station_seq).
    sa.Index("items_received", "received_at"),
)

files = sa.Table(
    "files", metadata,
    sa.Column("item_id", sa.Text, primary_key=True),
    sa.Column("idx", BIG, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("media_type", sa.Text, nullable=False),
    sa.Column("size", BIG, nullable=False),
    sa.Column("sha256", sa.Text, nullable=False),
)

receipts = sa.Table(
    "receipts", metadata,
    sa.Column("id", SERIAL, primary_key=True),
    sa.Column("item_id", sa.Text, nullable=False),
    sa.Column("result", sa.Text, nullable=False),
    sa.Column("at", sa.Text, nullable=False),
)

updates = sa.Table(
    "updates", metadata,
    sa.Column("cursor", SERIAL, primary_key=True),
    sa.Column("station", sa.Text, nullable=False),
    sa.Column("item_id", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("reply", sa.Text),
    sa.Column("at", sa.Text, nullable=False),
    # Added fields of the back-channel (migration 0002; docs/protocol.md): the kiosk
    # reads status and reply as before and may show these.
    sa.Column("department", sa.Text),
    sa.Column("escalated", sa.Boolean, nullable=False, server_default=sa.false()),
    # Migration 0005 (protocol 4): the step of the loop this update reports (loop.py
    # UPDATE_STAGES), the round it belongs to, the staff's or resident's note, and on a
    # ``rated`` update the rating. The rounds of a matter are read back from these rows.
    sa.Column("stage", sa.Text),
    sa.Column("round", BIG, nullable=False, server_default="1"),
    sa.Column("note", sa.Text),
    sa.Column("rating", sa.Text),
    sa.Index("updates_station", "station", "cursor"),
    sa.Index("updates_item", "item_id", "cursor"),
    sqlite_autoincrement=True,
)

ratings = sa.Table(
    "ratings", metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("item_id", sa.Text, nullable=False),
    sa.Column("station", sa.Text),
    sa.Column("rating", sa.Text, nullable=False),
    sa.Column("created_at", sa.Text),
    sa.Column("received_at", sa.Text, nullable=False),
    # Migration 0005: the round rated (None: a second rating of a matter from before
    # protocol 4, which rates no round) and the resident's reason (with unsatisfied).
    sa.Column("round", BIG),
    sa.Column("reason", sa.Text),
    sa.Index("ratings_item_round", "item_id", "round", unique=True),  # a round is rated once
)

heartbeats = sa.Table(
    "heartbeats", metadata,
    sa.Column("id", SERIAL, primary_key=True),
    sa.Column("station", sa.Text, nullable=False),
    sa.Column("received_at", sa.Text, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Index("heartbeats_station", "station", "id"),  # migration 0004: a station's last beat
)

configs = sa.Table(
    "configs", metadata,
    sa.Column("station", sa.Text, primary_key=True),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("etag", sa.Text, nullable=False),
)

staff_users = sa.Table(
    "staff_users", metadata,
    sa.Column("user", sa.Text, primary_key=True),  # quoted by SQLAlchemy: USER is reserved in PostgreSQL
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("set_at", sa.Text, nullable=False),
)

staff_sessions = sa.Table(
    "staff_sessions", metadata,
    sa.Column("token_sha256", sa.Text, primary_key=True),
    sa.Column("user", sa.Text, nullable=False),
    sa.Column("csrf", sa.Text, nullable=False),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.Column("expires", sa.Float(53), nullable=False),
)

#: Every staff action on a matter, who did it and when (migration 0002). Append-only: the
#: code has no UPDATE or DELETE of it, and a trigger refuses both on either engine.
audit = sa.Table(
    "audit", metadata,
    sa.Column("id", SERIAL, primary_key=True),
    sa.Column("item_id", sa.Text, nullable=False),
    sa.Column("at", sa.Text, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("from_stage", sa.Text),
    sa.Column("to_stage", sa.Text),
    sa.Column("department", sa.Text),
    sa.Column("note", sa.Text),
    sa.Index("audit_item", "item_id", "id"),
    sqlite_autoincrement=True,
)

#: Each station's pinned signing key (migration 0003; docs/centre.md): the first one seen
#: (heartbeat or bundle) or enrolled, and the last different key that was refused.
station_keys = sa.Table(
    "station_keys", metadata,
    sa.Column("station", sa.Text, primary_key=True),
    sa.Column("public_key", sa.Text, nullable=False),
    sa.Column("via", sa.Text, nullable=False),
    sa.Column("pinned_at", sa.Text, nullable=False),
    sa.Column("refused_key", sa.Text),
    sa.Column("refused_via", sa.Text),
    sa.Column("refused_at", sa.Text),
    sa.Column("refusals", BIG, nullable=False, server_default="0"),
)
