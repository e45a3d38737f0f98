"""The per-station hash chain (kiosk/core/chain.py) as the store keeps it: every committed
item extends it in its own transaction, quarantine and purge keep the link, items from
before the chain are chained by the migration, and `kiosk doctor` names the first broken
link of a chain tampered with by hand (sqlite3)."""

from __future__ import annotations

import json
import sqlite3
import subprocess

import pytest
from sqlite_utils import Database

from kiosk import config as configmod
from kiosk.cli import main as cli
from kiosk.core import chain
from kiosk.core.schema import migrations
from kiosk.core.store import Store
from kiosk.core.submission import AttachmentInput, submit
from kiosk.core.trackcode import make


def _items(store):
    return store.station_items(store.station)


def _add(store, cfg, n: int, **kw):
    return [submit(store, cfg, text=f"第{i}件", attachments=[AttachmentInput(
        name=f"v{i}.wav", source=b"RIFF" + bytes([i]) * 40, kind="audio")], source="voice", **kw).item
            for i in range(n)]


def test_every_item_links_to_the_one_before(cfg, store):
    items = _add(store, cfg, 3)
    assert items[0].chain_prev == chain.GENESIS
    for before, after in zip(items, items[1:]):
        assert after.chain_prev == before.chain_hash
    for it in items:
        assert it.chain_hash == chain.link_hash("0371", it.seq, it.chain_prev, chain.item_digest(it))
    assert store.chain_head() == (3, items[-1].chain_hash)
    assert chain.find_break("0371", _items(store), store.chain_head()) is None


def test_the_link_is_written_with_the_item_in_one_transaction(cfg, store, monkeypatch):
    """A commit that fails after the link was computed leaves neither item nor head."""
    _add(store, cfg, 1)
    head = store.chain_head()
    real = store._log

    def boom(db, level, kind, *a, **k):
        if kind == "item_stored":
            raise sqlite3.OperationalError("simulated failure inside the commit")
        return real(db, level, kind, *a, **k)
    monkeypatch.setattr(store, "_log", boom)
    with pytest.raises(Exception):
        _add(store, cfg, 1)
    monkeypatch.undo()
    assert store.chain_head() == head and store.count() == 1
    _add(store, cfg, 1)
    assert chain.find_break("0371", _items(store), store.chain_head()) is None


def test_quarantine_and_purge_keep_the_link(cfg, store):
    a, b, c = _add(store, cfg, 3)
    store.quarantine(a.id, "the centre refused it")
    store.mark_delivered(b.id, "push")
    assert store.purge_item(b.id)
    kept = {i.id: i for i in _items(store)}
    assert kept[b.id].purged_at and kept[b.id].chain_hash == b.chain_hash
    assert kept[a.id].chain_hash == a.chain_hash
    assert chain.find_break("0371", _items(store), store.chain_head()) is None


def test_items_from_before_the_chain_are_chained_by_the_migration(tmp_path, cfg):
    path = cfg.storage.data_path
    path.mkdir(parents=True)
    db = Database(path / "kiosk.db")
    migrations.apply(db, stop_before="m003_item_chain")
    for seq in (1, 2):
        db["items"].insert({"id": f"00000000-0000-4000-8000-00000000000{seq}", "seq": seq, "station": "0371",
                            "code": make("0371", seq).compact, "created_at": "2026-01-01T00:00:00+00:00",
                            "state": "stored", "delivery": "pending", "integrity": "ok", "text": "旧的"})
    db["attachments"].insert({"item_id": "00000000-0000-4000-8000-000000000002", "idx": 0, "kind": "audio",
                              "name": "00-a.wav", "media_type": "audio/wav", "size": 3, "sha256": "ab" * 32})
    db["counters"].insert({"station": "0371", "next_seq": 3})
    db.conn.close()
    with Store.open(cfg, recover=False) as store:
        old = _items(store)
        assert [i.seq for i in old] == [1, 2] and old[1].chain_prev == old[0].chain_hash
        assert chain.find_break("0371", old, store.chain_head()) is None
        new = _add(store, cfg, 1)[0]
        assert new.seq == 3 and new.chain_prev == old[1].chain_hash


def _doctor_chain(capsys, path) -> list[dict]:
    cli.main(["--config", str(path), "--json", "doctor"])
    return [c for c in json.loads(capsys.readouterr().out)["checks"] if c["name"] == "chain"]


def _sql(cfg, statement: str) -> None:
    """Change the kiosk's database by hand, as someone at its shell could."""
    subprocess.run(["sqlite3", str(cfg.storage.db_path), statement], check=True)


@pytest.mark.parametrize("attack, words", [
    ("DELETE FROM items WHERE seq = 2", "no item with seq 2"),
    ("DELETE FROM items WHERE seq = 3", "no item with seq 3 (removed at the end"),
    ("UPDATE items SET text = '改过了' WHERE seq = 2", "seq 2: item 0371-000002-"),
    ("UPDATE attachments SET sha256 = '" + "0" * 64 + "' WHERE idx = 0 AND item_id = "
     "(SELECT id FROM items WHERE seq = 1)", "seq 1: item"),
    ("UPDATE items SET chain_prev = '" + "1" * 64 + "' WHERE seq = 3", "seq 3: item"),
    ("UPDATE items SET chain_hash = NULL WHERE seq = 2", "has no chain link"),
])
def test_doctor_names_the_first_broken_link(write_config, capsys, attack, words):
    path = write_config()
    cfg = configmod.load(path)
    with Store.open(cfg) as store:
        _add(store, cfg, 3)
    (ok,) = _doctor_chain(capsys, path)
    assert ok["status"] == "ok" and "3 items, every link whole" in ok["detail"]
    _sql(cfg, attack)
    (bad,) = _doctor_chain(capsys, path)
    assert bad["status"] == "fail" and "first broken link" in bad["detail"] and words in bad["detail"], bad


def test_a_rewritten_and_rehashed_item_still_breaks_the_next_link(write_config, capsys):
    """Whoever rewrites an item and recomputes its own link still leaves the next item
    pointing at the old hash."""
    path = write_config()
    cfg = configmod.load(path)
    with Store.open(cfg) as store:
        a, b, c = _add(store, cfg, 3)
        with store.write() as db:
            db.execute("UPDATE items SET text = '改过了' WHERE id = ?", [b.id])
        changed = store.get_item(b.id)
        new_hash = chain.link_hash("0371", 2, changed.chain_prev, chain.item_digest(changed))
        with store.write() as db:
            db.execute("UPDATE items SET chain_hash = ? WHERE id = ?", [new_hash, b.id])
    (bad,) = _doctor_chain(capsys, path)
    assert bad["status"] == "fail" and "seq 3" in bad["detail"] and "links to" in bad["detail"]
