"""Database schema, as an ordered set of sqlite-utils migrations.

Applied migrations are recorded in the ``_sqlite_migrations`` version table that
sqlite-utils keeps. Never edit a migration that has shipped: add a new one.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from kiosk.core import chain, trackcode

migrations = Migrations("minyi-kiosk")


# The helpers below are parts of m001 and shipped with it: like the migration, they must
# never change (a new column or index is a new migration).

def _create_items(db: Database) -> None:
    """m001: the ``items`` table (one resident's submission) and its indexes."""
    db["items"].create(
        {
            "id": str,            # UUID, the global idempotency key
            "seq": int,           # per-station sequence, allocated in the commit transaction
            "station": str,
            "code": str,          # compact tracking code (digits only)
            "created_at": str,    # wall clock, UTC ISO 8601
            "clock_trusted": int,
            "text": str,
            "category": str,      # NULL: resident was not sure
            "anonymous": int,
            "name_enc": str,      # Fernet tokens; plaintext never stored
            "phone_enc": str,
            "source": str,        # voice / text / photo / letter / cli
            "lang": str,
            "state": str,         # stored -> delivered -> accepted ... closed
            "delivery": str,      # pending / delivered / quarantined
            "delivered_at": str,
            "delivered_via": str,  # push / pull
            "attempts": int,
            "last_error": str,
            "quarantine_reason": str,
            "integrity": str,     # ok / mismatch (an attachment changed or vanished on disk)
            "centre_status": str,
            "centre_reply": str,
            "centre_updated_at": str,
            "purged_at": str,
        },
        pk="id",
        not_null={"seq", "station", "code", "created_at", "state", "delivery", "integrity"},
        defaults={"attempts": 0, "integrity": "ok", "state": "stored", "delivery": "pending",
                  "anonymous": 1, "clock_trusted": 0, "text": ""},
    )
    db["items"].create_index(["code"], unique=True)
    db["items"].create_index(["station", "seq"], unique=True)
    db["items"].create_index(["delivery", "seq"])


def _create_attachments(db: Database) -> None:
    """m001: the ``attachments`` table (an item's recordings, photos, scans and files)."""
    db["attachments"].create(
        {
            "id": int,
            "item_id": str,
            "idx": int,
            "kind": str,          # audio / photo / scan / file
            "name": str,          # plain file name as stored under media/<item>/
            "media_type": str,
            "size": int,
            "sha256": str,
            "integrity": str,     # ok / mismatch / missing
            "purged": int,
        },
        pk="id",
        foreign_keys=[("item_id", "items", "id")],
        not_null={"item_id", "idx", "name", "media_type", "size", "sha256"},
        defaults={"integrity": "ok", "purged": 0},
    )
    db["attachments"].create_index(["item_id", "idx"], unique=True)


def _create_centre_tables(db: Database) -> None:
    """m001: what comes back from the centre (``status_history``), the residents'
    ``ratings`` of the answers, the ``events`` log, and the ``counters`` / ``meta`` rows."""
    db["status_history"].create(
        {"id": int, "item_id": str, "status": str, "reply": str, "at": str, "received_at": str},
        pk="id",
        foreign_keys=[("item_id", "items", "id")],
    )
    db["status_history"].create_index(["item_id"])

    db["ratings"].create(
        {"id": str, "item_id": str, "rating": str, "created_at": str, "clock_trusted": int,
         "delivery": str, "delivered_at": str, "attempts": int, "last_error": str},
        pk="id",
        foreign_keys=[("item_id", "items", "id")],
        defaults={"delivery": "pending", "attempts": 0},
    )
    db["ratings"].create_index(["delivery"])

    db["events"].create(
        {"id": int, "at": str, "level": str, "kind": str, "item_id": str, "message": str,
         "data": str},
        pk="id",
    )
    db["events"].create_index(["kind"])

    db["counters"].create({"station": str, "next_seq": int}, pk="station")
    db["meta"].create({"key": str, "value": str}, pk="key")


@migrations()
def m001_initial(db: Database) -> None:
    """The first schema: items, attachments, status history, ratings, events, counters, meta."""
    _create_items(db)
    _create_attachments(db)
    _create_centre_tables(db)


@migrations()
def m002_receipt_secret(db: Database) -> None:
    # The scrypt hash of the item's receipt secret (kiosk/core/itemsecret.py). NULL for items
    # committed before receipts carried a secret: those show their state only.
    db["items"].add_column("secret_hash", str)


@migrations()
def m003_item_chain(db: Database) -> None:
    # Each item's link in its station's hash chain (kiosk/core/chain.py), and the chain's
    # head per station next to its sequence counter, written in the commit transaction.
    # Items stored before are chained here, in seq order, so every station's chain starts
    # at its first item.
    db["items"].add_column("chain_prev", str)
    db["items"].add_column("chain_hash", str)
    db["counters"].add_column("chain_hash", str)
    for (station,) in db.execute("SELECT DISTINCT station FROM items").fetchall():
        prev = None
        for r in list(db["items"].rows_where("station = ?", [station], order_by="seq")):
            link = chain.next_link(station, r["seq"], prev, _row_digest(db, r))
            db.execute("UPDATE items SET chain_prev = ?, chain_hash = ? WHERE id = ?", [link.prev, link.hash, r["id"]])
            prev = link.hash
        db.execute("UPDATE counters SET chain_hash = ? WHERE station = ?", [prev, station])


@migrations()
def m004_representative(db: Database) -> None:
    # The representative an item addresses (issue 21, docs/protocol.md "representative_id"):
    # the centre's id, and the name as the station config gave it when the item was
    # stored, so a reprint names them even after the config changed. NULL: nobody in
    # particular (every item stored before). The id is part of the item's digest only when
    # set (kiosk/core/chain.py), so the links m003 computed stay true.
    db["items"].add_column("representative_id", str)
    db["items"].add_column("representative_name", str)


@migrations()
def m005_id_number(db: Database) -> None:
    # The resident's ID number (公民身份号码) read from their ID card (docs/idcard.md), a
    # Fernet token like the name and phone (kiosk/core/pii.py); NULL when it was typed,
    # anonymous, stored before, or purged. Outside the item's digest, as the name is
    # (kiosk/core/chain.py): no chain link changes.
    db["items"].add_column("id_number_enc", str)


@migrations()
def m006_rounds(db: Database) -> None:
    # The loop's stages and the 不满意再办 rounds (issue 21, docs/protocol.md "Status changes
    # and replies", protocol 4). Each centre update keeps its stage (accepted ... closed,
    # plus followed_up / escalated / rated / reopened), the round it belongs to, the
    # department and staff note, the rating of a `rated` update, and whether the matter
    # was under supervision (督办); a rating keeps the round it rates and the resident's
    # reason. What came before is round 1 with stage = status, as an older centre's
    # updates still are. Once per (item, round) is checked in the rating's transaction
    # (kiosk/core/store/answers.py), not by a unique index: a database may already hold a
    # second rating of an item (stored without the once check) and the migration must
    # neither fail on it nor drop it.
    for column, kind in (("stage", str), ("round", int), ("department", str), ("note", str),
                         ("rating", str), ("escalated", int)):
        db["status_history"].add_column(column, kind)
    db.execute("UPDATE status_history SET stage = status, round = 1")
    db["ratings"].add_column("round", int)
    db["ratings"].add_column("reason", str)
    db.execute("UPDATE ratings SET round = 1")
    db["ratings"].create_index(["item_id", "round"])


def _row_digest(db: Database, r: dict) -> str:
    """m003: the digest of an items row (with its attachments rows)."""
    atts = [dict(zip(("idx", "name", "kind", "media_type", "size", "sha256"), a)) for a in db.execute(
        "SELECT idx, name, kind, media_type, size, sha256 FROM attachments WHERE item_id = ? ORDER BY idx",
        [r["id"]]).fetchall()]
    # The code as the store reads it back (kiosk/core/store/items.py), as chain.item_digest takes it.
    code = trackcode.make(r["station"], r["seq"]).compact
    return chain.digest_of(id=r["id"], station=r["station"], seq=r["seq"], code=code,
                           created_at=r["created_at"], clock_trusted=bool(r["clock_trusted"]), text=r["text"],
                           category=r["category"], anonymous=bool(r["anonymous"]), source=r["source"],
                           lang=r["lang"], attachments=atts)


def schema_version() -> str:
    """The name of the newest migration: the schema this code writes (``kiosk --version``)."""
    return migrations.pending(Database(memory=True))[-1].name
