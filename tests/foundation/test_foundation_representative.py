"""Addressing a representative (issue 21, part 1; docs/protocol.md "Addressing a
representative"): the station config's sector and QR code, the item keeping whom it
addresses through the store, its digest (old items unchanged), and `kiosk submit
--representative`."""

from __future__ import annotations

import hashlib
import json

import pytest

from kiosk.cli import main as cli
from kiosk.core import chain, station_config
from kiosk.core.station_config import StationConfigError
from kiosk.core.store import Store
from kiosk.core.submission import RepresentativeRefused, submit
from kiosk.disclosure import address
from kiosk.disclosure.board import compute

DOC = {"version": "r1", "categories": [{"id": "roads", "names": {"zh-CN": "道路"}}],
       "representatives": [
           {"id": "r1", "name": "李明华", "sector": "工人", "qr": "https://centre.example/rep/r1"},
           {"id": "r2", "name": "王秀英", "sector": "教育", "on_duty": True, "qr": "REP-0002"},
           {"id": "r3", "name": "赵建国", "sector": "工人"},
           {"id": "r4", "name": "钱芳"}]}


def apply(store, doc=DOC) -> None:
    station_config.apply(store, json.dumps(doc, ensure_ascii=False).encode(), '"reps"')


def test_the_station_config_gives_sector_and_qr_and_refuses_duplicates():
    cfg = station_config.parse(json.dumps(DOC, ensure_ascii=False))
    r1 = cfg.representative("r1")
    assert (r1.sector, r1.qr) == ("工人", "https://centre.example/rep/r1")
    assert cfg.representative("r4").sector == "" and cfg.representative("r4").qr is None
    with pytest.raises(station_config.UnknownRepresentative) as e:
        cfg.representative("r9")
    assert e.value.known == ("r1", "r2", "r3", "r4") and "'r9'" in str(e.value)
    for change, field in [
            (lambda d: d["representatives"][1].update(id="r1"), "id 'r1' given twice"),
            (lambda d: d["representatives"][1].update(qr="https://centre.example/rep/r1"), "qr"),
            (lambda d: d["representatives"][0].update(sector="界" * 51), "representatives[0].sector"),
            (lambda d: d["representatives"][0].update(qr=" padded "), "representatives[0].qr"),
            (lambda d: d["representatives"][0].update(qr=""), "representatives[0].qr"),
            (lambda d: d["representatives"][0].update(id="r 1"), "representatives[0].id"),
            (lambda d: d["representatives"][0].update(sector=5), "representatives[0].sector")]:
        doc = json.loads(json.dumps(DOC))
        change(doc)
        with pytest.raises(StationConfigError, match=field.replace("[", r"\[").replace("]", r"\]")):
            station_config.parse(json.dumps(doc, ensure_ascii=False))


def test_the_address_groups_put_on_duty_first_then_each_sector(tmp_path):
    from datetime import datetime, timezone
    board = compute(station_config.parse(json.dumps(DOC, ensure_ascii=False)),
                    datetime(2026, 12, 2, 15, 0, tzinfo=timezone.utc), True, tmp_path)
    groups = address.groups(board)
    assert [(g.on_duty, g.sector, [c.id for c in g.cards]) for g in groups] == [
        (True, "", ["r2"]), (False, "工人", ["r1", "r3"]), (False, "", ["r4"])]
    assert address.by_code(board, "REP-0002\r\n").id == "r2"   # a reader's line end is no part of it
    for not_ours in ("REP-0003", "03710000457#k=482913", "", "rep-0002"):
        with pytest.raises(address.NotARepresentativeCode):
            address.by_code(board, not_ours)


def test_an_item_keeps_its_representative_through_the_store(cfg):
    with Store.open(cfg) as store:
        apply(store)
        sub = submit(store, cfg, text="小区门口路灯坏了", representative_id="r2")
        plain = submit(store, cfg, text="楼道灯不亮")
        assert (sub.item.representative_id, sub.item.representative_name) == ("r2", "王秀英")
    with Store.open(cfg) as store:   # read back from the database, not from the commit
        got, other = store.find_by_code(sub.item.code), store.find_by_code(plain.item.code)
        assert (got.representative_id, got.representative_name) == ("r2", "王秀英")
        assert (other.representative_id, other.representative_name) == (None, None)
        assert chain.item_digest(got) == chain.item_digest(sub.item)
        stored = store.station_items(store.station)
        assert chain.find_break(store.station, stored, store.chain_head()) is None


def test_an_unknown_representative_is_refused_and_nothing_is_stored(cfg):
    with Store.open(cfg) as store:
        with pytest.raises(RepresentativeRefused, match="has not sent a station config yet") as e:
            submit(store, cfg, text="x", representative_id="r1")
        assert e.value.field == "representative" and e.value.known == ()
        apply(store)
        with pytest.raises(RepresentativeRefused, match="'r9'.*r1, r2, r3, r4") as e:
            submit(store, cfg, text="x", representative_id="r9")
        assert e.value.known == ("r1", "r2", "r3", "r4")
        assert store.count() == 0


def _digest_without_representative(item) -> str:
    """docs/protocol.md "The item chain", version 1 as it shipped before representatives."""
    doc = {"v": 1, "id": item.id, "station": item.station, "seq": item.seq, "code": item.code.compact,
           "created_at": item.created_at, "clock_trusted": item.clock_trusted, "text": item.text,
           "category": item.category, "anonymous": item.anonymous, "source": item.source, "lang": item.lang,
           "attachments": []}
    return hashlib.sha256(json.dumps(doc, sort_keys=True, separators=(",", ":"),
                                     ensure_ascii=False).encode()).hexdigest()


def test_the_digest_covers_the_representative_and_leaves_old_items_as_they_were(cfg):
    with Store.open(cfg) as store:
        apply(store)
        plain = submit(store, cfg, text="楼道灯不亮").item
        addressed = submit(store, cfg, text="楼道灯不亮", representative_id="r1").item
        # An item addressing nobody hashes exactly as every item did before protocol 3.
        assert chain.item_digest(plain) == _digest_without_representative(plain)
        assert chain.item_digest(addressed) != _digest_without_representative(addressed)
        meta = {"id": addressed.id, "station": addressed.station, "seq": addressed.seq,
                "code": str(addressed.code), "created_at": addressed.created_at,
                "clock_trusted": addressed.clock_trusted, "text": addressed.text, "category": None,
                "anonymous": True, "source": "cli", "lang": "zh-CN", "attachments": [],
                "representative_id": "r1"}
        assert chain.meta_digest(meta) == chain.item_digest(addressed)
        assert chain.meta_digest({**meta, "representative_id": "r2"}) != chain.item_digest(addressed)
        # Re-addressing a stored item by hand is a rewrite the chain names.
        with store.write() as db:
            db.execute("UPDATE items SET representative_id = 'r2' WHERE id = ?", [addressed.id])
        found = chain.find_break(store.station, store.station_items(store.station), store.chain_head())
        assert found is not None and found.kind == "rewritten" and found.seq == addressed.seq


def test_kiosk_submit_representative_stores_and_refuses_by_name(cfg, write_config, capsys):
    path = write_config("")
    rc = cli.main(["--config", str(path), "--json", "submit", "--text", "路灯坏了", "--representative", "r1"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 2 and out["field"] == "representative" and "kiosk board" in out["error"], out
    with Store.open(cfg) as store:
        apply(store)
    rc = cli.main(["--config", str(path), "--json", "submit", "--text", "路灯坏了", "--representative", "r7"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 2 and out["choices"] == ["r1", "r2", "r3", "r4"] and "'r7'" in out["error"], out
    rc = cli.main(["--config", str(path), "--json", "submit", "--text", "路灯坏了", "--representative", "r3"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0 and out["representative"] == {"id": "r3", "name": "赵建国"}, out
    with Store.open(cfg) as store:
        assert store.count() == 1 and store.find_by_code(out["code"]).representative_id == "r3"
