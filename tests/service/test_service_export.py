"""USB export: encrypted to the centre, authenticated, every file hashed, imported once."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from kiosk import config as configmod
from kiosk.sync import bundle
from kiosk.core.store import Store


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stored_and_exported(setup, kiosk, items, n: int, size: int = 2000):
    """A kiosk whose centre is unreachable stores *n* items and exports them."""
    conf, _ = setup("http://127.0.0.1:9")
    cfg = configmod.load(conf)
    with Store.open(cfg) as store:
        items(store, cfg, n, size=size)
    return conf, export(kiosk, conf)[0]


def payload_start(data: bytes) -> int:
    """Offset of the first encrypted chunk (after magic, length and header)."""
    n = len(bundle.MAGIC)
    return n + 4 + int.from_bytes(data[n:n + 4], "big")


def export(kiosk, conf, *extra):
    code, out = kiosk("service", "export", "--json", *extra, config=conf)
    assert code == 0, out
    return Path(out["bundle"]), out


def test_round_trip_centre_down_export_import_then_sync_answers_duplicate(setup, kiosk, items, central):
    from kiosk.sync.daemon import SyncDaemon

    db_url = f'database_url = "{central.database_url}"' if central.database_url else ""
    conf, usb = setup(f"http://127.0.0.1:{closed_port()}", db_url)
    cfg = configmod.load(conf)
    with Store.open(cfg) as store:
        made = items(store, cfg, 3, size=3000) + items(store, cfg, 1, real_name=True)
        # The centre is down: sync fails, everything stays pending.
        assert not SyncDaemon(cfg, store).run_once()["ok"]
        assert store.count("pending") == 4
    path, out = export(kiosk, conf)
    assert out["items"] == 4 and path.parent == usb and path.name.endswith(bundle.SUFFIX)
    raw = path.read_bytes()
    assert b"RIFF" not in raw and "张三".encode() not in raw and b"13812345678" not in raw

    # central-dev imports the bundle into the same data dir the running server uses.
    code, res = kiosk("central-dev", "import", str(path), "--json", "--data-dir", str(central.db.data_dir),
                      config=conf)
    assert code == 0 and res["imported"] == 4 and res["duplicates"] == 0
    for i in made:
        files = central.db.files(i.id)
        assert [(f["sha256"], f["size"]) for f in files] == [(a.sha256, a.size) for a in i.attachments]
        for a in i.attachments:
            assert central.db.file_path(i.id, a.idx).read_bytes() == a.path.read_bytes()
    assert central.db.item(made[-1].id)["meta"].count("13812345678") == 1  # real name kept for the centre
    code, res = kiosk("central-dev", "import", str(path), "--json", "--data-dir", str(central.db.data_dir),
                      config=conf)
    assert code == 0 and res["imported"] == 0 and res["duplicates"] == 4

    # The network comes back: the kiosk pushes, the centre answers duplicate, one item each.
    cfg2 = configmod.load(setup(central.url, db_url)[0])
    with Store.open(cfg2) as store:
        assert SyncDaemon(cfg2, store).run_once()["forward"]["delivered"] == 4
        assert all(store.get_item(i.id).delivery == "delivered" for i in made)
    assert len(central.db.q("SELECT id FROM items")) == 4
    for i in made:
        results = [r["result"] for r in central.db.q("SELECT result FROM receipts WHERE item_id = ? ORDER BY id",
                                                     [i.id])]
        assert results == ["created", "duplicate", "duplicate"]


@pytest.mark.parametrize("where", ["magic", "header", "first chunk", "middle", "last byte"])
def test_one_changed_byte_refuses_the_whole_bundle(setup, kiosk, items, where, tmp_path):
    conf, path = stored_and_exported(setup, kiosk, items, 2, 1_200_000)  # 2.4 MB: three chunks
    data = bytearray(path.read_bytes())
    head_end = payload_start(data)
    offset = {"magic": 3, "header": head_end - 5, "first chunk": head_end + 10,
              "middle": head_end + bundle.CHUNK + 100, "last byte": len(data) - 1}[where]
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))
    code, res = kiosk("central-dev", "import", str(path), "--json", config=conf)
    assert code == 4 and not res["ok"]
    expected = {"magic": "magic", "header": "chunk 0", "first chunk": "chunk 0",
                "middle": "chunk 1", "last byte": "the last one"}[where]
    assert expected in res["error"] or (where == "header" and "header" in res["error"]), res["error"]
    assert not (tmp_path / "central" / "central.db").exists() or _count(tmp_path) == 0


def _count(tmp_path) -> int:
    from kiosk.central_dev.db import CentralDB
    db = CentralDB(tmp_path / "central")
    try:
        return len(db.q("SELECT id FROM items"))
    finally:
        db.close()


def test_a_bundle_cut_at_a_chunk_boundary_is_refused(setup, kiosk, items, tmp_path):
    conf, path = stored_and_exported(setup, kiosk, items, 2, 700_000)  # two chunks
    data = path.read_bytes()
    path.write_bytes(data[:payload_start(data) + bundle.CHUNK + bundle.TAG])
    code, res = kiosk("central-dev", "import", str(path), "--json", config=conf)
    assert code == 4 and "cut short" in res["error"] and _count(tmp_path) == 0


def test_another_centres_key_or_token_is_refused(setup, kiosk, items, tmp_path):
    conf, path = stored_and_exported(setup, kiosk, items, 1)
    other = tmp_path / "other-keys"
    bundle.generate_keypair(other)
    wrong_key = conf.with_name("wrong-key.toml")
    wrong_key.write_text(conf.read_text().replace(f"{tmp_path}/centre-keys/bundle.key", f"{other}/bundle.key"))
    code, res = kiosk("central-dev", "import", str(path), "--json", config=wrong_key)
    assert code == 4 and "another centre's key" in res["error"]
    wrong_token = conf.with_name("wrong-token.toml")
    wrong_token.write_text(conf.read_text().replace("[central_dev]\n", "[central_dev]\ntoken = \"not-the-kiosks\"\n"))
    code, res = kiosk("central-dev", "import", str(path), "--json", config=wrong_token)
    assert code == 4 and "HMAC" in res["error"] and _count(tmp_path) == 0


def test_a_damaged_attachment_is_left_out_and_reported_not_hidden(setup, kiosk, items, tmp_path):
    conf, _ = setup("http://127.0.0.1:9")
    cfg = configmod.load(conf)
    with Store.open(cfg) as store:
        good, bad = items(store, cfg, 2)
    p = bad.attachments[0].path
    p.write_bytes(b"X" + p.read_bytes()[1:])  # same size, different content
    code, out = kiosk("service", "export", "--json", config=conf)
    assert code == 1 and out["items"] == 1 and out["left_out"][0]["code"] == str(bad.code)
    assert "SHA-256" in out["left_out"][0]["reason"]
    code, res = kiosk("central-dev", "import", out["bundle"], "--json", config=conf)
    assert code == 0 and res["imported"] == 1 and res["left_out_at_kiosk"][0]["code"] == str(bad.code)


def test_export_without_the_centres_key_names_the_key(write_config, kiosk, tmp_path):
    conf = write_config(f"[service]\nexport_dir = \"{tmp_path}\"\n")
    code, out = kiosk("service", "export", "--json", config=conf)
    assert code == 1 and "service.bundle_public_key_file" in out["error"]
    conf = write_config(f"[service]\nbundle_public_key_file = \"{tmp_path}/nope.pub\"\n", name="b.toml")
    code, out = kiosk("service", "export", str(tmp_path), "--json", config=conf)
    assert code == 1 and "service.bundle_public_key_file: cannot read" in out["error"]
    assert not list(tmp_path.glob("*.minyi-bundle")) and not list(tmp_path.glob(".*.part"))


def test_keygen_never_overwrites_a_key(kiosk, tmp_path):
    assert kiosk("central-dev", "keygen", str(tmp_path / "k"))[0] == 0
    before = (tmp_path / "k" / "bundle.key").read_bytes()
    code, _ = kiosk("central-dev", "keygen", str(tmp_path / "k"))
    assert code == 1 and (tmp_path / "k" / "bundle.key").read_bytes() == before


def test_export_targets_are_the_export_dir_or_mounted_drives_only(write_config, tmp_path):
    from kiosk.sync.export import find_targets
    usb = tmp_path / "usb"
    usb.mkdir()
    assert find_targets(configmod.load(write_config(f'[service]\nexport_dir = "{usb}"\n'))) == [usb]
    assert find_targets(configmod.load(write_config(f'[service]\nexport_dir = "{tmp_path}/gone"\n',
                                                    name="b.toml"))) == []
    # A plain directory under the mount root is not a drive: only mount points count.
    (tmp_path / "media" / "kiosk" / "STICK").mkdir(parents=True)
    cfg = configmod.load(write_config(f'[service]\nusb_mount_root = "{tmp_path}/media"\n', name="c.toml"))
    assert find_targets(cfg) == []


def _fake_sys_disk(sys_root: Path, dev: str, device_path: str, *, removable: str, partition: bool) -> None:
    """sysfs as the kernel lays it out: /sys/dev/block/<dev> a relative link into
    /sys/devices/..., a partition under its disk, ``removable`` on the disk."""
    node = sys_root / "devices" / device_path
    node.mkdir(parents=True)
    if partition:
        (node / "partition").write_text("1\n")
        (node.parent / "removable").write_text(removable + "\n")
    else:
        (node / "removable").write_text(removable + "\n")
    link = sys_root / "dev" / "block" / dev
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(Path("../..") / "devices" / device_path)


def test_export_targets_are_removable_drives_only(write_config, tmp_path):
    """The lowest edge faked: /proc/self/mountinfo and /sys as files; the code reads them
    as it reads the real ones."""
    from kiosk.sync.export import find_targets
    media, proc, sysfs = tmp_path / "media", tmp_path / "proc", tmp_path / "sys"
    mounts = {"usb stick": "8:17", "usb-disk": "8:33", "card": "179:1", "internal": "8:1", "ram": "0:45",
              "loop": "7:0"}
    for name in mounts:
        (media / "kiosk" / name).mkdir(parents=True)
    usb = "pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host6/target6:0:0/6:0:0:0/block"
    _fake_sys_disk(sysfs, "8:17", f"{usb}/sdb/sdb1", removable="1", partition=True)
    _fake_sys_disk(sysfs, "8:33", f"{usb}/sdc/sdc1", removable="0", partition=True)   # a USB hard disk
    _fake_sys_disk(sysfs, "179:1", "platform/mmc/mmc_host/mmc1/mmc1:0001/block/mmcblk1/mmcblk1p1",
                   removable="1", partition=True)                                     # a card reader slot
    _fake_sys_disk(sysfs, "8:1", "pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda/sda1",
                   removable="0", partition=True)
    _fake_sys_disk(sysfs, "7:0", "virtual/block/loop0", removable="0", partition=False)
    (sysfs / "devices" / "virtual" / "block" / "loop0" / "usb1").mkdir()   # a name below the node is no bus
    lines = [f"{20 + i} 1 {dev} / {str(media / 'kiosk' / name).replace(' ', chr(92) + '040')} rw - ext4 /dev/x rw"
             for i, (name, dev) in enumerate(mounts.items())]
    lines.append(f"40 1 8:17 / {tmp_path}/elsewhere rw - vfat /dev/sdb1 rw")   # outside the mount root
    (proc / "self").mkdir(parents=True)
    (proc / "self" / "mountinfo").write_text("\n".join(lines) + "\n")
    cfg = configmod.load(write_config(f'[service]\nusb_mount_root = "{media}"\n'))
    assert find_targets(cfg, proc_root=proc, sys_root=sysfs) == [
        media / "kiosk" / "usb stick", media / "kiosk" / "usb-disk", media / "kiosk" / "card"]


def test_a_real_tmpfs_under_the_mount_root_is_not_an_export_target(write_config, tmp_path):
    import subprocess

    from kiosk.sync.export import find_targets
    ram = tmp_path / "media" / "kiosk" / "RAM"
    ram.mkdir(parents=True)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(ram)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here (not root?)")
    try:
        cfg = configmod.load(write_config(f'[service]\nusb_mount_root = "{tmp_path}/media"\n'))
        assert os.path.ismount(ram) and os.access(ram, os.W_OK)
        assert find_targets(cfg) == [], "a writable tmpfs is not a USB drive"
    finally:
        subprocess.run(["umount", str(ram)], check=True)
