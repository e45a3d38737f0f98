"""The ID number read from a resident's ID card (docs/idcard.md) in the store: encrypted at
rest like the name, masked everywhere it is shown or printed, on the wire in full inside
``identity``, purged with the name, and outside the item's digest (old and new items'
chain links and receipt seals verify)."""

from __future__ import annotations

import sqlite3

import pytest

from drivers.idcard_fake import SAMPLE_CARD
from kiosk.core import chain
from kiosk.core.store import Store
from kiosk.core.submission import SubmissionError, submit
from kiosk.lookup.verify import Verdict, verify_payload
from kiosk.sync.wire import item_meta

NUMBER = SAMPLE_CARD.id_number          # 999999199003070012: no region code, right check character
MASKED = "**************0012"


def _real_name(store, cfg, **kw):
    return submit(store, cfg, text="楼道灯坏了", anonymous=False, name="张三", phone="13812345678", **kw)


def _database_bytes(store) -> bytes:
    store.db.execute("PRAGMA wal_checkpoint(FULL)")
    files = [store.db_path, store.db_path.with_name(store.db_path.name + "-wal")]
    return b"".join(p.read_bytes() for p in files if p.exists())


def test_the_number_is_stored_encrypted_and_read_back_only_with_pii(cfg, store):
    sub = _real_name(store, cfg, id_number=NUMBER)
    assert sub.masked_id_number == MASKED and NUMBER not in repr(sub)
    assert store.get_item(sub.item.id, with_pii=True).id_number == NUMBER
    assert store.get_item(sub.item.id).id_number is None
    raw = _database_bytes(store)
    assert NUMBER.encode() not in raw and "张三".encode() not in raw
    token = store.db.execute("SELECT id_number_enc FROM items").fetchone()[0]
    assert token and store.cipher.decrypt(token) == NUMBER


def test_the_bytes_check_would_see_a_plaintext_number(cfg, store):
    _real_name(store, cfg, id_number=NUMBER)
    with store.write() as db:
        db.execute("UPDATE items SET id_number_enc = ?", [NUMBER])
    assert NUMBER.encode() in _database_bytes(store)


def test_a_typed_identity_has_no_number(cfg, store):
    sub = _real_name(store, cfg)
    assert sub.masked_id_number is None and store.get_item(sub.item.id, with_pii=True).id_number is None
    assert "id_number" not in item_meta(store.get_item(sub.item.id, with_pii=True), with_pii=True)["identity"]


@pytest.mark.parametrize("number, why", [("999999199003070013", "check character"),
                                         ("99999919900307001", "18 characters")])
def test_a_wrong_number_is_refused_without_repeating_it(cfg, store, number, why):
    with pytest.raises(SubmissionError) as e:
        _real_name(store, cfg, id_number=number)
    assert e.value.field == "id_number" and why in str(e.value) and number not in str(e.value)
    assert store.count() == 0


def test_an_anonymous_item_cannot_carry_a_number(cfg, store):
    with pytest.raises(SubmissionError) as e:
        submit(store, cfg, text="匿名", id_number=NUMBER)
    assert e.value.field == "identity"


def test_the_wire_carries_the_full_number_only_with_pii(cfg, store):
    item = store.get_item(_real_name(store, cfg, id_number=NUMBER).item.id, with_pii=True)
    assert item_meta(item, with_pii=True)["identity"] == {"name": "张三", "phone": "13812345678",
                                                          "id_number": NUMBER}
    assert item_meta(item, with_pii=False)["identity"] is None


def test_purge_removes_the_number_and_the_key_counts_it(cfg, store):
    item = _real_name(store, cfg, id_number=NUMBER).item
    assert store.count_encrypted_items() == 1
    store.mark_delivered(item.id, "push")
    assert store.purge_item(item.id)
    purged = store.get_item(item.id, with_pii=True)
    assert (purged.name, purged.phone, purged.id_number) == (None, None, None)
    assert store.db.execute("SELECT id_number_enc FROM items").fetchone()[0] is None
    assert store.count_encrypted_items() == 0


def test_the_number_is_outside_the_digest_and_links_and_seals_verify(cfg, store):
    with_card = _real_name(store, cfg, id_number=NUMBER)
    typed = _real_name(store, cfg)
    stored = store.station_items(store.station)
    assert chain.find_break("0371", stored, store.chain_head()) is None
    # The digest is the one of version 1, with the same keys whether a number came or not.
    meta = item_meta(store.get_item(with_card.item.id, with_pii=True), with_pii=True)
    assert chain.meta_digest(meta) == chain.item_digest(stored[0])
    for sub in (with_card, typed):
        payload = cfg.receipt.qr_payload(sub.item.code.compact, sub.secret, sub.seal)
        assert verify_payload(store, payload, cfg.receipt.lookup_url).verdict is Verdict.AUTHENTIC


def test_items_stored_before_the_column_keep_their_links(cfg):
    with Store.open(cfg) as store:
        old = _real_name(store, cfg).item
    # The database as the code before m005 left it: the same row without the column.
    con = sqlite3.connect(cfg.storage.db_path)
    con.execute("ALTER TABLE items DROP COLUMN id_number_enc")
    con.execute("DELETE FROM _sqlite_migrations WHERE name = 'm005_id_number'")
    con.commit()
    con.close()
    with Store.open(cfg) as store:
        assert store.pending_migrations() == []
        assert store.get_item(old.id).chain_hash == old.chain_hash
        new = _real_name(store, cfg, id_number=NUMBER).item
        assert new.chain_prev == old.chain_hash
        assert chain.find_break("0371", store.station_items("0371"), store.chain_head()) is None
        assert store.get_item(old.id, with_pii=True).id_number is None


def test_the_receipt_and_its_reprint_print_only_the_last_4(cfg, store):
    from kiosk.core.reprint import reissue
    from kiosk.receipt.printing import item_layout, item_receipt_bytes
    sub = _real_name(store, cfg, id_number=NUMBER)
    again = reissue(store, cfg, store.get_item(sub.item.id, with_pii=True))
    for receipt in (sub, again):
        lines = item_layout(receipt, cfg).lines()
        assert f"身份证：{MASKED}" in lines
        assert not any(NUMBER in ln or NUMBER[:14] in ln for ln in lines)
        assert NUMBER.encode() not in item_receipt_bytes(receipt, cfg)
    typed = item_layout(_real_name(store, cfg), cfg).lines()
    assert not any(ln.startswith("身份证") for ln in typed)
