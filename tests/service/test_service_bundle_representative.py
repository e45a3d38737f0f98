"""A USB bundle holding an item addressed to a representative the centre's station
config does not list is refused whole, naming the item; one whose representative is
listed imports with it (docs/centre.md, "Representatives an item addresses")."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from kiosk import config as configmod
from kiosk.central_dev.db import CentralDB
from kiosk.core import station_config
from kiosk.core.store import Store
from kiosk.core.submission import submit


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _kiosk_with(setup, reps: list[dict], rep_id: str):
    """A kiosk (centre unreachable) whose station config lists *reps*, with one item
    addressed to *rep_id*; its config path and the item."""
    conf, _ = setup(f"http://127.0.0.1:{closed_port()}")
    cfg = configmod.load(conf)
    doc = {"version": "b", "categories": [{"id": "roads", "names": {"zh-CN": "道路"}}], "representatives": reps}
    with Store.open(cfg) as store:
        station_config.apply(store, json.dumps(doc, ensure_ascii=False).encode(), '"b"')
        item = submit(store, cfg, text="学校门口没有红绿灯", representative_id=rep_id).item
    return conf, item


def _export_and_import(kiosk, conf):
    code, out = kiosk("service", "export", "--json", config=conf)
    assert code == 0, out
    return kiosk("central-dev", "import", str(Path(out["bundle"])), "--json", config=conf)


def test_a_bundle_with_an_unknown_representative_is_refused_naming_the_item(setup, kiosk, tmp_path):
    # central-dev serves its built-in config (representative r1 only) to every station.
    conf, item = _kiosk_with(setup, [{"id": "r1", "name": "王代表"}, {"id": "r7", "name": "钱代表"}], "r7")
    code, res = _export_and_import(kiosk, conf)
    assert code != 0, res
    assert f"item {item.code}" in res["error"] and "unknown representative 'r7'" in res["error"], res
    db = CentralDB(tmp_path / "central")
    try:
        assert not db.has_item(item.id)
    finally:
        db.close()


def test_a_bundle_with_a_listed_representative_imports_it(setup, kiosk, tmp_path):
    conf, item = _kiosk_with(setup, [{"id": "r1", "name": "王代表"}], "r1")
    code, res = _export_and_import(kiosk, conf)
    assert code == 0 and res["imported"] == 1, res
    db = CentralDB(tmp_path / "central")
    try:
        (row,) = db.q("SELECT meta, chain_check FROM items WHERE id = ?", [item.id])
        assert json.loads(row["meta"])["representative_id"] == "r1" and row["chain_check"] == "ok"
    finally:
        db.close()
