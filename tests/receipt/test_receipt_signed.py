"""Signed receipts (kiosk/core/receiptsig.py, kiosk/core/stationkey.py): the station's
key, what the QR code carries, and the offline check any station can make
(kiosk/lookup/verify.py, `kiosk verify`) - tried as an attacker would."""

from __future__ import annotations

import base64
import json
import os
import stat

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk import config as configmod
from kiosk.cli import main as cli
from kiosk.core import receiptsig, stationkey, trackcode
from kiosk.core.receiptsig import Verdict
from kiosk.core.store import Store
from kiosk.core.submission import submit
from kiosk.core.trackcode import CodeError
from kiosk.lookup import answers as lookup
from kiosk.lookup.verify import verify_payload
from kiosk.receipt.printing import item_receipt_bytes


def _qr(cfg, sub) -> str:
    return cfg.receipt.qr_payload(sub.item.code.compact, sub.secret, sub.seal)


@pytest.mark.parametrize("umask", [0o022, 0o000])
def test_the_key_is_made_once_owner_only_and_recorded(cfg, umask):
    old = os.umask(umask)
    try:
        with Store.open(cfg) as store:
            path = store.signing_key_path
            assert not path.exists()   # opening the store makes no key
            key = stationkey.ensure(store)
    finally:
        os.umask(old)
    assert key.problem is None and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.parent != cfg.storage.data_path and cfg.storage.data_path not in path.parents
    with Store.open(cfg) as store:
        assert store.get_meta(stationkey.PUBLIC_META) == key.public
        assert store.station_key.public == key.public   # the same key, not a new one


def test_a_printed_receipt_decodes_to_an_authentic_seal(write_config, store, reader):
    cfg = configmod.load(write_config('[receipt]\nqr = "image"\nlookup_url = "https://minyi.example.gov.cn/q?c={code}"\n'))
    sub = submit(store, cfg, text="小区门口路灯坏了", category="urban", anonymous=False,
                 name="王小明", phone="13812341234")
    doc = reader.read(item_receipt_bytes(sub, cfg))
    (payload,) = [t for p in doc.pictures for t in reader.decode_qr_picture(p)]  # zxing-cpp reads it
    assert payload == _qr(cfg, sub) and "&r=1." in payload
    result = verify_payload(store, payload, cfg.receipt.lookup_url)
    assert result.verdict is Verdict.AUTHENTIC and result.content == "matches"
    assert result.station == "0371" and result.code == sub.item.code
    assert result.created_at[:16] == sub.item.created_at[:16]
    # The same payload still opens the answer (the seal is not needed for that).
    scan = lookup.scan_from_payload(payload, cfg.receipt.lookup_url)
    assert lookup.look_up(store, scan.code, scan.secret).authorised


def test_a_native_receipt_with_a_url_and_a_real_name_stays_under_2_kb(write_config, store, reader):
    cfg = configmod.load(write_config('[receipt]\nlookup_url = "https://minyi.example.gov.cn/q?c={code}"\n'))
    sub = submit(store, cfg, text="路" * 4000, category="urban", anonymous=False, name="欧阳某某", phone="13812341234")
    data = item_receipt_bytes(sub, cfg)
    (qr,) = reader.read(data).qrcodes
    assert qr.data.decode() == _qr(cfg, sub) and len(data) <= 2048


def _forge(payload: str, **change) -> str:
    base, fields = receiptsig.split_fragment(payload)
    seal = receiptsig.parse_seal(fields["r"])
    seal = receiptsig.Seal(change.get("created", seal.created), change.get("digest", seal.digest),
                           change.get("signature", seal.signature))
    return f"{base}#k={fields['k']}&r={seal.text()}"


def test_a_changed_time_digest_or_signature_is_forged(cfg, store):
    payload = _qr(cfg, submit(store, cfg, text="路灯坏了"))
    for forged in (_forge(payload, created=receiptsig.parse_seal(payload.split("&r=")[1]).created + 3600),
                   _forge(payload, digest="00" * 32),
                   _forge(payload, signature=bytes(64))):
        result = verify_payload(store, forged)
        assert result.verdict is Verdict.FORGED and "not station 0371's" in result.reason


def test_a_seal_moved_to_another_code_is_forged(cfg, store):
    first, second = submit(store, cfg, text="一"), submit(store, cfg, text="二")
    seal = _qr(cfg, first).partition("&r=")[2]
    moved = f"{second.item.code.compact}#k={second.secret}&r={seal}"
    assert verify_payload(store, moved).verdict is Verdict.FORGED


def test_an_attackers_own_key_does_not_make_a_receipt_authentic(cfg, store):
    sub = submit(store, cfg, text="路灯坏了")
    stolen_format = Ed25519PrivateKey.generate()
    digest = receiptsig.parse_seal(sub.seal).digest
    created = receiptsig.parse_seal(sub.seal).created
    sig = stolen_format.sign(receiptsig.message(sub.item.code, created, digest))
    forged = f"{sub.item.code.compact}#k={sub.secret}&r={receiptsig.Seal(created, digest, sig).text()}"
    assert verify_payload(store, forged).verdict is Verdict.FORGED


def test_unknown_station_unsigned_and_not_ours(cfg, store):
    other = trackcode.make("0999", 7)
    sub = submit(store, cfg, text="路灯坏了")
    seal = sub.seal
    assert verify_payload(store, f"{other.compact}#k=123456&r={seal}").verdict is Verdict.UNKNOWN_STATION
    old = verify_payload(store, f"{sub.item.code.compact}#k={sub.secret}")   # printed before seals
    assert old.verdict is Verdict.UNSIGNED and "cannot be proved" in old.reason
    assert verify_payload(store, sub.item.code.compact).verdict is Verdict.UNSIGNED
    for junk in ("https://weixin.qq.com/r/abc", f"{sub.item.code.compact}#k={sub.secret}&x=1",
                 f"{sub.item.code.compact}#k={sub.secret}&r={seal}&r={seal}"):
        with pytest.raises(CodeError):
            verify_payload(store, junk)
    assert verify_payload(store, f"{sub.item.code.compact}#r=1.2.3").verdict is Verdict.FORGED


def test_another_stations_receipt_is_checked_with_the_published_keys(cfg, store, tmp_path):
    """A receipt of station 0372, checked at 0371 with no network: the key comes from the
    station config the centre published (station_keys)."""
    other_cfg = _write(tmp_path)
    with Store.open(other_cfg) as other:
        sub = submit(other, other_cfg, text="别处的回执")
        payload, public = _qr(other_cfg, sub), other.get_meta(stationkey.PUBLIC_META)
    assert verify_payload(store, payload).verdict is Verdict.UNKNOWN_STATION
    from kiosk.core import station_config
    doc = {"version": "1", "categories": [{"id": "other", "names": {"zh-CN": "其他"}}],
           "station_keys": [{"station": "0372", "algorithm": "ed25519", "public_key": public}]}
    station_config.apply(store, json.dumps(doc).encode(), '"e1"')
    result = verify_payload(store, payload)
    assert result.verdict is Verdict.AUTHENTIC and result.content is None   # not held here
    doc["station_keys"][0]["public_key"] = stationkey.encode_public(Ed25519PrivateKey.generate().public_key())
    station_config.apply(store, json.dumps(doc).encode(), '"e2"')
    assert verify_payload(store, payload).verdict is Verdict.FORGED


def _write(tmp_path):
    p = tmp_path / "other.toml"
    p.write_text(f'[storage]\ndata_dir = "{tmp_path}/data2"\nkey_file = "{tmp_path}/keys2/pii.key"\n'
                 '[station]\nnumber = "0372"\nname = "别的工作站"\n', encoding="utf-8")
    return configmod.load(p)


def test_bad_station_keys_in_the_config_reject_it(store):
    from kiosk.core import station_config
    base = {"categories": [{"id": "other", "names": {"zh-CN": "其他"}}]}
    good = stationkey.encode_public(Ed25519PrivateKey.generate().public_key())
    for keys, field in (([{"station": "37", "public_key": good}], "station"),
                        ([{"station": "0372", "public_key": "AAAA"}], "public_key"),
                        ([{"station": "0372", "public_key": good, "algorithm": "rsa"}], "algorithm"),
                        ([{"station": "0372", "public_key": good}] * 2, "twice")):
        with pytest.raises(station_config.StationConfigError, match=field):
            station_config.parse(json.dumps({**base, "station_keys": keys}))


def test_the_item_changed_after_its_receipt_is_named(cfg, store):
    sub = submit(store, cfg, text="原来的话")
    with store.write() as db:  # what someone with the database file could do
        db.execute("UPDATE items SET text = '改过的话' WHERE id = ?", [sub.item.id])
    result = verify_payload(store, _qr(cfg, sub))
    assert result.verdict is Verdict.AUTHENTIC and result.content == "differs" and "no longer matches" in result.reason


def test_kiosk_verify_exit_codes(write_config, capsys):
    path = write_config()
    assert cli.main(["--config", str(path), "--json", "submit", "--text", "路灯坏了"]) == 0
    sub = json.loads(capsys.readouterr().out)
    assert sub["signed"]

    def verify(payload):
        code = cli.main(["--config", str(path), "--json", "verify", payload])
        return code, json.loads(capsys.readouterr().out)
    code, out = verify(sub["qr_payload"])
    assert code == 0 and out["ok"] and out["verdict"] == "authentic" and out["station"] == "0371"
    code, out = verify(_forge(sub["qr_payload"], digest="11" * 32))
    assert code == cli.EXIT_FAIL and out["verdict"] == "forged" and not out["ok"]
    code, out = verify(sub["qr_payload"].partition("&r=")[0])
    assert code == cli.EXIT_FAIL and out["verdict"] == "unsigned"
    code, out = verify("hello")
    assert code == cli.EXIT_INVALID and out["verdict"] == "not_a_receipt"


# -- the key is never replaced silently ------------------------------------------------


def _doctor(capsys, path) -> dict:
    cli.main(["--config", str(path), "--json", "doctor"])
    return {c["name"]: c for c in json.loads(capsys.readouterr().out)["checks"]}


def test_a_lost_key_is_a_named_error_never_a_new_key(write_config, capsys):
    path = write_config()
    cfg = configmod.load(path)
    with Store.open(cfg) as store:
        first = submit(store, cfg, text="路灯坏了")
        key_file = store.signing_key_path
    key_file.unlink()
    with Store.open(cfg) as store:
        key = store.station_key
        assert key.problem is not None and "is missing" in str(key.problem) and str(key_file) in str(key.problem)
        later = submit(store, cfg, text="又坏了")      # the resident's item is still taken
        assert later.seal is None and not key_file.exists()
        assert "without a seal" in store.events(kind="receipt_unsigned")[0]["message"]
        assert verify_payload(store, _qr(cfg, first)).verdict is Verdict.AUTHENTIC  # checked with the record
    check = _doctor(capsys, path)["station_key"]
    assert check["status"] == "fail" and "is missing" in check["detail"]
    assert not key_file.exists(), "kiosk doctor must not create a key"


@pytest.mark.parametrize("damage", ["corrupt", "other_key", "open_mode"])
def test_a_damaged_or_foreign_key_is_named(write_config, capsys, damage):
    path = write_config()
    cfg = configmod.load(path)
    with Store.open(cfg) as store:
        submit(store, cfg, text="路灯坏了")
        key_file = store.signing_key_path
    if damage == "corrupt":
        key_file.write_bytes(b"-----BEGIN PRIVATE KEY-----\nnot a key\n")
    elif damage == "other_key":
        key_file.write_bytes(Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    else:
        key_file.chmod(0o644)
    check = _doctor(capsys, path)["station_key"]
    assert check["status"] == "fail"
    assert {"corrupt": "not an Ed25519 private key", "other_key": "not the key",
            "open_mode": "chmod 600"}[damage] in check["detail"]
    if damage != "open_mode":
        with Store.open(cfg) as store:
            assert submit(store, cfg, text="再来").seal is None


def test_doctor_before_first_start_warns_and_creates_nothing(write_config, capsys):
    path = write_config()
    check = _doctor(capsys, path)["station_key"]
    assert check["status"] == "warn" and "not created yet" in check["detail"]
    assert not configmod.load(path).storage.signing_key_file or \
        not os.path.exists(configmod.load(path).storage.signing_key_file)


def test_the_public_key_is_base64_of_32_bytes(cfg, store):
    public = stationkey.ensure(store).public
    assert len(base64.b64decode(public)) == 32
    assert store.get_meta(stationkey.PUBLIC_META) == public
