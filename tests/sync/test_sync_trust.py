"""Station keys and the item chain end to end: real sync daemons talking to a real
central-dev on loopback (SQLite and PostgreSQL), tried as an attacker would
(docs/security.md, "Station keys" and "The item chain")."""

from __future__ import annotations

import json
import subprocess
import time

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk import config as configmod
from kiosk.central_dev.continuity import station_reports
from kiosk.central_dev.keys import StationKeys
from kiosk.cli import main as cli
from kiosk.config.sync import DEV_TOKEN
from kiosk.core import stationkey
from kiosk.core.receiptsig import Verdict
from kiosk.core.store import Store
from kiosk.core.submission import submit
from kiosk.lookup.verify import verify_payload
from kiosk.sync.daemon import SyncDaemon

AUTH = {"Authorization": f"Bearer {DEV_TOKEN}"}


def _other_station(make_cfg, central, tmp_path, number: str = "0372"):
    """A second kiosk's config: its own station number, data dir and keys."""
    cfg = make_cfg(central.url, name=f"k{number}.toml")
    path = tmp_path / f"k{number}.toml"
    text = path.read_text(encoding="utf-8").replace('number = "0371"', f'number = "{number}"')
    text = text.replace(f"{tmp_path}/data", f"{tmp_path}/data{number}").replace(f"{tmp_path}/keys", f"{tmp_path}/keys{number}")
    path.write_text(text, encoding="utf-8")
    assert cfg.station.number == "0371"
    return configmod.load(path)


def _report(central, station: str) -> dict:
    return next(r for r in station_reports(central.db) if r["station"] == station)


def test_keys_are_pinned_published_and_a_receipt_of_another_station_checks_offline(
        central, make_cfg, store, tmp_path):
    cfg = make_cfg(central.url)
    stationkey.ensure(store)
    other_cfg = _other_station(make_cfg, central, tmp_path)
    with Store.open(other_cfg) as other:
        stationkey.ensure(other)
        sub = submit(other, other_cfg, text="在0372提交的意见")
        assert SyncDaemon(other_cfg, other).run_once()["ok"]     # its heartbeat pins its key
        payload = other_cfg.receipt.qr_payload(sub.item.code.compact, sub.secret, sub.seal)
        other_public = other.get_meta(stationkey.PUBLIC_META)
    assert StationKeys(central.db).pinned("0372") == other_public
    assert verify_payload(store, payload).verdict is Verdict.UNKNOWN_STATION   # 0371 knows no 0372 key yet
    d = SyncDaemon(cfg, store)
    assert d.run_once()["ok"]           # config with station_keys fetched and applied
    assert StationKeys(central.db).pinned("0371") == store.get_meta(stationkey.PUBLIC_META)
    served = requests.get(f"{central.url}/api/v1/stations/0371/config", headers=AUTH).json()
    assert {k["station"]: k["public_key"] for k in served["station_keys"]}["0372"] == other_public
    time.sleep(0.25)
    d.run_once()
    central.stop()                       # no network from here on
    result = verify_payload(store, payload)
    assert result.verdict is Verdict.AUTHENTIC and result.station == "0372"


def test_a_changed_key_is_refused_named_and_shown(central, make_cfg, store, staff, capsys, write_config):
    cfg = make_cfg(central.url)
    first = stationkey.ensure(store).public
    assert SyncDaemon(cfg, store).run_once()["ok"]
    # An attacker (or a reinstalled kiosk) heartbeats as 0371 with another key.
    intruder = stationkey.encode_public(Ed25519PrivateKey.generate().public_key())
    r = requests.post(f"{central.url}/api/v1/stations/0371/heartbeat", headers=AUTH,
                      json={"station": "0371", "station_key": {"algorithm": "ed25519", "public_key": intruder}})
    assert r.status_code == 204
    keys = StationKeys(central.db)
    assert keys.pinned("0371") == first, "the pinned key stays"
    report = _report(central, "0371")["key"]
    assert report["refused"]["fingerprint"] == stationkey.fingerprint(intruder) and report["refused"]["count"] == 1
    page = staff.get("/").text
    assert "REFUSED" in page and stationkey.fingerprint(intruder) in page
    served = requests.get(f"{central.url}/api/v1/stations/0371/config", headers=AUTH).json()
    assert [k["public_key"] for k in served["station_keys"]] == [first]
    # The command line names it too, and staff replace the key only on purpose.
    path = write_config(f'[central_dev]\ndata_dir = "{central.db.data_dir}"\n'
                        + (f'database_url = "{central.database_url}"\n' if central.database_url else ""),
                        name="centre.toml")
    code = cli.main(["--config", str(path), "--json", "central-dev", "stations"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["stations"][0]["key"]["refused"]["count"] == 1
    code = cli.main(["--config", str(path), "--json", "central-dev", "enrol", "0371", intruder])
    out = json.loads(capsys.readouterr().out)
    assert code == cli.EXIT_INVALID and out["reason"] == "key_changed" and "refused" in out["error"]
    code = cli.main(["--config", str(path), "--json", "central-dev", "enrol", "0371", "not-a-key"])
    assert code == cli.EXIT_USAGE and "not a station public key" in json.loads(capsys.readouterr().out)["error"]
    code = cli.main(["--config", str(path), "--json", "central-dev", "enrol", "0371", intruder, "--replace"])
    assert code == 0 and json.loads(capsys.readouterr().out)["result"] == "replaced"
    assert keys.pinned("0371") == intruder


def test_enrolled_before_first_contact_then_a_different_heartbeat_key_is_refused(central, make_cfg, store):
    cfg = make_cfg(central.url)
    enrolled = stationkey.encode_public(Ed25519PrivateKey.generate().public_key())
    assert StationKeys(central.db).enrol("0371", enrolled) == "pinned"
    stationkey.ensure(store)
    assert SyncDaemon(cfg, store).run_once()["ok"]
    report = _report(central, "0371")["key"]
    assert report["public_key"] == enrolled and report["via"] == "enrolled"
    assert report["refused"]["via"] == "heartbeat"


# -- the chain: no item lost or changed unseen -----------------------------------------


def _centre_cli(write_config, central, capsys, *argv) -> tuple[int, dict]:
    path = write_config(f'[central_dev]\ndata_dir = "{central.db.data_dir}"\n'
                        + (f'database_url = "{central.database_url}"\n' if central.database_url else ""),
                        name="centre.toml")
    code = cli.main(["--config", str(path), "--json", "central-dev", *argv])
    return code, json.loads(capsys.readouterr().out)


def test_an_undelivered_item_deleted_by_hand_is_a_named_gap_at_the_centre(
        central, make_cfg, store, staff, capsys, write_config, h):
    cfg = make_cfg(central.url)
    items = h.add_items(store, cfg, 4)
    store.quarantine(items[3].id, "held back by staff")       # still at the kiosk: awaited, not lost
    subprocess.run(["sqlite3", str(cfg.storage.db_path),      # by hand, as at the kiosk's shell
                    f"DELETE FROM items WHERE id = '{items[1].id}'"], check=True)
    assert SyncDaemon(cfg, store).run_once()["ok"]
    chain = _report(central, "0371")["chain"]
    assert chain["state"] == "gap" and chain["gaps"] == [2] and chain["gap_count"] == 1
    assert chain["awaited"] == [4] and chain["head_seq"] == 4 and chain["rewrites"] == []
    assert f"MISSING seq 2 ({items[1].code})" in chain["summary"]
    code, out = _centre_cli(write_config, central, capsys, "stations")
    assert code == 0 and out["stations"][0]["chain"]["gaps"] == [2]
    page = staff.get("/").text
    assert "缺失 GAP" in page and "MISSING seq 2" in page
    # The kiosk's own doctor names the same link.
    cli.main(["--config", str(write_config(name="kiosk-doctor.toml")), "--json", "doctor"])
    (chain_check,) = [c for c in json.loads(capsys.readouterr().out)["checks"] if c["name"] == "chain"]
    assert chain_check["status"] == "fail" and "no item with seq 2" in chain_check["detail"]


def test_an_item_rewritten_before_delivery_is_a_named_rewrite(central, make_cfg, store, h):
    cfg = make_cfg(central.url)
    items = h.add_items(store, cfg, 3)
    with store.write() as db:
        db.execute("UPDATE items SET text = '别人改过的话' WHERE id = ?", [items[1].id])
    assert SyncDaemon(cfg, store).run_once()["ok"]     # the item still arrives: nothing is lost
    chain = _report(central, "0371")["chain"]
    assert chain["state"] == "rewrite" and chain["gaps"] == []
    (rw,) = chain["rewrites"]
    assert rw["seq"] == 2 and "does not give its link" in rw["reason"]
    assert central.db.item(items[1].id)["chain_check"] == "mismatch"
    assert central.db.item(items[0].id)["chain_check"] == "ok"


def test_a_whole_chain_is_ok_and_a_pending_item_is_awaited_not_lost(central, make_cfg, store, h):
    cfg = make_cfg(central.url)
    h.add_items(store, cfg, 2)
    d = SyncDaemon(cfg, store)
    assert d.run_once()["ok"]
    assert _report(central, "0371")["chain"]["state"] == "ok"
    central.faults.arm("500", times=50)              # the next item cannot get through yet
    h.add_items(store, cfg, 1)
    d.run_once()
    d.heartbeat()
    chain = _report(central, "0371")["chain"]
    assert chain["state"] == "awaiting" and chain["awaited"] == [3] and chain["gaps"] == []
    central.faults.clear()
    time.sleep(0.1)
    d.run_once()
    assert _report(central, "0371")["chain"]["state"] == "ok"


def test_the_centres_pages_check_a_receipt_too(central, make_cfg, store, staff, h):
    cfg = make_cfg(central.url)
    subs = h.submit_items(store, cfg, 2)
    with store.write() as db:   # the second one is changed at the kiosk after its receipt was printed
        db.execute("UPDATE items SET text = '改过' WHERE id = ?", [subs[1].item.id])
    assert SyncDaemon(cfg, store).run_once()["ok"]
    qr = [cfg.receipt.qr_payload(s.item.code.compact, s.secret, s.seal) for s in subs]
    page = staff.post("/verify", data={"payload": qr[0]}).text
    assert "真实 AUTHENTIC" in page and "the centre&#x27;s item matches it" in page
    page = staff.post("/verify", data={"payload": qr[1]}).text
    assert "真实 AUTHENTIC" in page and "not what it was issued for" in page
    at = len(qr[0]) - 20   # a character well inside the signature (all six of its bits count)
    forged = qr[0][:at] + ("A" if qr[0][at] != "A" else "B") + qr[0][at + 1:]
    assert "伪造 FORGED" in staff.post("/verify", data={"payload": forged}).text
    assert "not a receipt of ours" in staff.post("/verify", data={"payload": "hello"}).text
    assert "未签名 UNSIGNED" in staff.post("/verify", data={"payload": qr[0].partition("&r=")[0]}).text
