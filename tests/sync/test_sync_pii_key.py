"""The personal-data key (kiosk/core/pii.py, docs/store.md "The personal-data key"): created
only while no encrypted data exists; otherwise a missing, empty or corrupt key is a
named error (exit 6, no traceback) naming the file and the items it locks; doctor
test-decrypts a stored identity; the sync daemon holds only the items it cannot read."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet

from kiosk.core.store import Store, StoreError
from kiosk.core.submission import submit
from kiosk.sync.daemon import SyncDaemon


def kiosk(cfg_path, *args):
    return subprocess.run([sys.executable, "-m", "kiosk", "--config", str(cfg_path), *args],
                          capture_output=True, text=True, timeout=60)


def doctor_pii(cfg_path, name: str = "pii_key") -> dict:
    res = kiosk(cfg_path, "--json", "doctor")
    return next(c for c in json.loads(res.stdout)["checks"] if c["name"] == name)


@pytest.fixture
def stored(cfg, store, h, tmp_path):
    """Two real-name items and one anonymous one; returns (items, key path, config path)."""
    items = h.add_items(store, cfg, 2, real_name=True) + h.add_items(store, cfg, 1)
    return items, tmp_path / "keys" / "pii.key", tmp_path / "kiosk.toml"


def test_a_new_kiosk_creates_its_key_and_doctor_is_happy(cfg, tmp_path):
    key = tmp_path / "keys" / "pii.key"
    assert not key.exists()
    with Store.open(cfg) as s:
        assert s.cipher.problem is None and key.exists()
    assert key.stat().st_mode & 0o777 == 0o600
    check = doctor_pii(tmp_path / "kiosk.toml")
    assert check["status"] == "ok" and "no personal data stored yet" in check["detail"]


@pytest.mark.parametrize("damage", ["missing", "empty", "corrupt"])
def test_a_lost_key_is_never_replaced_and_is_a_named_error(damage, stored, store):
    items, key, cfg_path = stored
    store.close()
    {"missing": key.unlink, "empty": lambda: key.write_bytes(b""),
     "corrupt": lambda: key.write_bytes(b"not-a-fernet-key\n")}[damage]()

    # A command that needs no personal data works, and does not create a key.
    res = kiosk(cfg_path, "status", str(items[0].code))
    assert res.returncode == 0, res.stderr
    assert key.exists() == (damage != "missing"), "a new key must not be created over stored data"
    # One that needs it fails with exit 6, naming the file and what it locks.
    res = kiosk(cfg_path, "receipt", str(items[0].code), "--out", str(cfg_path.parent / "r.bin"))
    assert res.returncode == 6 and "Traceback" not in res.stderr, res.stderr
    assert str(key) in res.stderr and "2 stored items" in res.stderr and damage in res.stderr
    res = kiosk(cfg_path, "--json", "submit", "--text", "路灯坏了", "--name", "李四", "--phone", "13900000000")
    assert res.returncode == 6 and str(key) in json.loads(res.stdout)["error"]
    # doctor names it as a failure.
    check = doctor_pii(cfg_path)
    assert check["status"] == "fail" and str(key) in check["detail"] and "backup" in check["detail"]


def test_nothing_is_stored_when_the_key_is_unusable(stored, cfg):
    items, key, _ = stored
    key.unlink()
    with Store.open(cfg) as s:
        before, media = s.count(), sorted(s.media_dir.iterdir())
        with pytest.raises(StoreError, match="real-name item not stored"):
            submit(s, cfg, text="路灯坏了", anonymous=False, name="李四", phone="13900000000")
        assert s.count() == before and sorted(s.media_dir.iterdir()) == media
        assert submit(s, cfg, text="匿名也可以").item.code  # anonymous items need no key


def test_doctor_test_decrypts_a_stored_identity(stored):
    items, key, cfg_path = stored
    key.write_bytes(Fernet.generate_key())  # a valid key, but not the one of the data
    check = doctor_pii(cfg_path)
    assert check["status"] == "fail" and "not the key" in check["detail"] and str(key) in check["detail"]


def test_doctor_fails_a_key_readable_by_others(stored):
    _, key, cfg_path = stored
    check = doctor_pii(cfg_path)
    assert check["status"] == "ok" and "2 stored items" in check["detail"]
    os.chmod(key, 0o644)
    check = doctor_pii(cfg_path, "permissions")
    assert check["status"] == "fail" and f"chmod 600 {key}" in check["detail"] and "0644" in check["detail"]


def test_the_daemon_holds_only_the_items_it_cannot_decrypt(central, make_cfg, stored, h, cfg):
    items, key, _ = stored
    good_key = key.read_bytes()
    key.unlink()
    dcfg = make_cfg(central.url)
    with Store.open(dcfg) as s:
        d = SyncDaemon(dcfg, s)
        out = d.run_once()
        anonymous = items[2]
        assert s.get_item(anonymous.id).delivery == "delivered", "the anonymous item must not wait"
        assert [s.get_item(i.id).delivery for i in items[:2]] == ["pending", "pending"]
        assert out["heartbeat"] and out["status"] is not None and out["config"], out
        assert out["forward"]["unreadable"] == 2 and not out["ok"], "held items are not a success"
        events = s.events(kind="sync_item_unreadable")
        assert len(events) == 2 and all("cannot be decrypted" in e["message"] for e in events)
        assert "pending" == s.get_item(items[0].id).delivery and "missing" in s.get_item(items[0].id).last_error
        d.run_once()
        assert len(s.events(kind="sync_item_unreadable")) == 2, "reported once per item, not per round"
    # Staff restore the key from the backup: the held items go, exactly once.
    key.write_bytes(good_key)
    with Store.open(dcfg) as s:
        assert SyncDaemon(dcfg, s).run_once()["ok"]
        h.assert_exactly_once(central, s, items)


def test_a_key_that_cannot_be_created_is_a_named_error(cfg, tmp_path):
    (tmp_path / "keys").write_text("a file where the key directory should be")
    with Store.open(cfg) as s:
        assert "cannot be created" in str(s.cipher.problem)
        with pytest.raises(StoreError, match="cannot be created"):
            submit(s, cfg, text="路灯坏了", anonymous=False, name="李四", phone="13900000000")
        assert submit(s, cfg, text="匿名也可以").item.code


def test_the_pull_api_answers_a_locked_identity_with_503_not_500(make_cfg, stored, h):
    """A lost key is the kiosk's setup failure: the centre pulling a real-name item gets
    a retryable 503 naming it, and everything else the API serves goes on."""
    import requests

    from kiosk.config.sync import DEV_TOKEN
    items, key, _ = stored
    key.unlink()
    pcfg = make_cfg(f"http://127.0.0.1:{h.free_port()}")
    auth = {"Authorization": f"Bearer {DEV_TOKEN}"}
    with Store.open(pcfg) as s:
        d = SyncDaemon(pcfg, s)
        port = d.start_pull_api()
        try:
            base = f"http://127.0.0.1:{port}/pull/v1"
            r = requests.get(f"{base}/items/{items[0].id}", headers=auth, timeout=10)
            assert r.status_code == 503 and "personal-data key" in r.json()["error"], r.text
            assert r.headers["Retry-After"] == "300"
            assert requests.get(f"{base}/items/{items[2].id}", headers=auth, timeout=10).status_code == 200
            listing = requests.get(f"{base}/items", headers=auth, timeout=10)
            assert listing.status_code == 200 and len(listing.json()["items"]) == 3
        finally:
            d.stop_pull_api()
        assert s.get_item(items[0].id).delivery == "pending"
