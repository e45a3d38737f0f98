"""USB bundles are tied to the station that made them (kiosk/sync/export.py signs,
kiosk/central_dev/bundles.py checks), tried as the attacker of issue 21 did: someone
holding the district's shared token and the centre's public bundle key, who can read a
kiosk's items and write bundles of their own."""

from __future__ import annotations

import base64
import io
import json
import tarfile
import uuid
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk import config as configmod
from kiosk.central_dev.db import CentralDB
from kiosk.central_dev.keys import StationKeys
from kiosk.config.sync import DEV_TOKEN
from kiosk.core import stationkey
from kiosk.core.store import Store
from kiosk.sync import bundle
from kiosk.sync.export import MANIFEST, MANIFEST_MAC, MANIFEST_SIG, manifest_mac, manifest_message



def closed_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def export(kiosk, conf) -> Path:
    code, out = kiosk("service", "export", "--json", config=conf)
    assert code == 0, out
    return Path(out["bundle"])


@pytest.fixture
def made(setup, kiosk, items, tmp_path):
    """A kiosk (centre unreachable) that stored 2 items and exported them honestly."""
    conf, _ = setup(f"http://127.0.0.1:{closed_port()}")
    cfg = configmod.load(conf)
    with Store.open(cfg) as store:
        stored = items(store, cfg, 2)
        station_key = store.station_key
    path = export(kiosk, conf)
    return conf, cfg, path, stored, station_key


def _open(path: Path, tmp_path: Path) -> tuple[dict, dict, dict[str, bytes]]:
    """What the attacker would start from: the header, the manifest and the files (the
    station's signature under ``MANIFEST_SIG`` among them; the HMAC left out)."""
    key = bundle.load_private_key(tmp_path / "centre-keys" / "bundle.key")
    out = io.BytesIO()
    header = bundle.open_bundle(path, key, out)
    out.seek(0)
    with tarfile.open(fileobj=out, mode="r:") as tar:
        files = {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}
    files.pop(MANIFEST_MAC)
    return header, json.loads(files.pop(MANIFEST)), files


def _forge(path: Path, tmp_path: Path, header: dict, manifest: dict, files: dict, *,
           signer, name: str = "forged") -> Path:
    """A bundle written from scratch: encrypted to the centre, the manifest HMACed with the
    shared token, and signed with *signer* (a key; ``"keep"``: the signature in *files*;
    None: no signature at all)."""
    recipient = bundle.load_public_key(tmp_path / "centre-keys" / "bundle.pub")
    raw = json.dumps(manifest, ensure_ascii=False).encode("utf-8")
    keep = {k: v for k, v in header.items() if k not in ("format", "cipher", "chunk", "ephemeral_public", "salt")}
    target = path.with_name(f"{name}{bundle.SUFFIX}")
    with open(target, "wb") as out:
        writer = bundle.BundleWriter(out, recipient, keep)
        with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as tar:
            members = {**files, MANIFEST: raw, MANIFEST_MAC: manifest_mac(DEV_TOKEN, raw).encode()}
            if signer is None:
                members.pop(MANIFEST_SIG, None)
            elif signer != "keep":
                members[MANIFEST_SIG] = base64.b64encode(signer.sign(manifest_message(raw)))
            for member, data in members.items():
                info = tarfile.TarInfo(member)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        writer.finish()
    return target


def _import(kiosk, conf, path):
    return kiosk("central-dev", "import", str(path), "--json", config=conf)


def _central(tmp_path) -> CentralDB:
    return CentralDB(tmp_path / "central")


def _ids(tmp_path) -> list[str]:
    db = _central(tmp_path)
    try:
        return sorted(r["id"] for r in db.q("SELECT id FROM items"))
    finally:
        db.close()


def test_an_honest_bundle_imports_and_pins_its_stations_key(made, kiosk, tmp_path):
    conf, cfg, path, stored, station_key = made
    code, res = _import(kiosk, conf, path)
    assert code == 0 and res["imported"] == 2 and res["key"] == "pinned"
    assert res["signer"] == station_key.fingerprint
    db = _central(tmp_path)
    try:
        assert StationKeys(db).pinned("0371") == station_key.public
        assert StationKeys(db).all()[0]["via"] == "bundle"
    finally:
        db.close()
    assert _import(kiosk, conf, path)[1]["key"] == "same"


def test_a_bundle_resigned_with_changed_text_is_refused(made, kiosk, tmp_path):
    conf, cfg, path, stored, station_key = made
    header, manifest, files = _open(path, tmp_path)
    manifest["items"][0]["text"] = "改过的内容"
    # HMAC redone with the shared token, the station's signature kept: it no longer covers it.
    code, res = _import(kiosk, conf, _forge(path, tmp_path, header, manifest, files, signer="keep"))
    assert code == 4 and "signature does not verify" in res["error"] and "changed after station 0371" in res["error"]
    code, res = _import(kiosk, conf, _forge(path, tmp_path, header, manifest, files, signer=None))
    assert code == 4 and "not signed by its station" in res["error"]
    assert _ids(tmp_path) == []
    # Re-signed with the attacker's own key, named as the signer: the station's pinned key is another.
    assert _import(kiosk, conf, path)[0] == 0            # the real bundle first: its key is pinned
    mine = Ed25519PrivateKey.generate()
    header["signer"] = manifest["signer"] = stationkey.encode_public(mine.public_key())
    code, res = _import(kiosk, conf, _forge(path, tmp_path, header, manifest, files, signer=mine))
    assert code == 4 and "pinned key is" in res["error"] and "refused" in res["error"]
    assert _ids(tmp_path) == sorted(i.id for i in stored)
    db = _central(tmp_path)
    try:
        assert "改过的内容" not in db.item(stored[0].id)["meta"]
        refused = StationKeys(db).all()[0]["refused"]
        assert refused["via"] == "bundle" and refused["count"] == 1
    finally:
        db.close()


def test_a_header_naming_another_station_is_refused(made, kiosk, tmp_path):
    conf, cfg, path, stored, station_key = made
    header, manifest, files = _open(path, tmp_path)
    header["station"] = "0999"
    code, res = _import(kiosk, conf, _forge(path, tmp_path, header, manifest, files, signer=station_key))
    assert code == 4 and "header names station '0999'" in res["error"] and _ids(tmp_path) == []
    header, manifest, files = _open(path, tmp_path)
    manifest["items"][1]["station"] = "0999"
    code, res = _import(kiosk, conf, _forge(path, tmp_path, header, manifest, files, signer=station_key))
    assert code == 4 and "is station 0999's, but the bundle is station 0371's" in res["error"]
    assert _ids(tmp_path) == []


def test_a_tracking_code_reused_with_a_new_id_is_refused(made, kiosk, tmp_path):
    conf, cfg, path, stored, station_key = made
    assert _import(kiosk, conf, path)[1]["imported"] == 2
    header, manifest, files = _open(path, tmp_path)
    old_id, new_id = stored[0].id, str(uuid.uuid4())
    manifest["items"] = [dict(manifest["items"][0], id=new_id, text="冒名顶替")]
    files = {k.replace(old_id, new_id): v for k, v in files.items() if old_id in k}
    # Signed even with the station's own key (a reinstalled kiosk starting again at seq 1).
    code, res = _import(kiosk, conf, _forge(path, tmp_path, header, manifest, files, signer=station_key))
    assert code == 4 and f"seq 1 is item {old_id}" in res["error"] and "new id: refused" in res["error"]
    assert new_id not in _ids(tmp_path)
    # Two items of one bundle sharing a code are refused too.
    header, manifest, files = _open(path, tmp_path)
    twin = dict(manifest["items"][1], id=str(uuid.uuid4()), seq=manifest["items"][0]["seq"])
    manifest["items"].append(twin)
    files.update({k.replace(stored[1].id, twin["id"]): v for k, v in files.items() if stored[1].id in k})
    code, res = _import(kiosk, conf, _forge(path, tmp_path, header, manifest, files, signer=station_key))
    assert code == 4 and "share seq 1" in res["error"]


def test_the_api_refuses_a_reused_seq_with_a_new_id(central):
    from kiosk.core.trackcode import make
    meta = {"protocol": 2, "id": str(uuid.uuid4()), "station": "0371", "seq": 7, "code": str(make("0371", 7)),
            "created_at": "2026-12-01T10:00:00+08:00", "clock_trusted": True, "text": "第一", "category": None,
            "anonymous": True, "identity": None, "source": "cli", "lang": "zh-CN", "attachments": []}

    def put(m):
        return requests.put(f"{central.url}/api/v1/items/{m['id']}", timeout=30,
                            headers={"Authorization": f"Bearer {DEV_TOKEN}"},
                            files={"metadata": (None, json.dumps(m, ensure_ascii=False), "application/json")})
    assert put(meta).status_code == 201
    assert put(meta).json()["result"] == "duplicate"            # the same UUID again: fine
    again = dict(meta, id=str(uuid.uuid4()), text="冒名")
    r = put(again)
    assert r.status_code == 422 and "new id: refused" in r.json()["error"]
    r = put(dict(meta, id=str(uuid.uuid4()), seq=8))              # its code, under another seq
    assert r.status_code == 422 and "tracking code" in r.json()["error"]
