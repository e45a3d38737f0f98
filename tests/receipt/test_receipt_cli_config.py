"""`kiosk receipt` and the [printer] / [receipt] config sections."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from kiosk.cli import main as cli
from kiosk import config as configmod
from kiosk.config import ConfigError
from kiosk.core.itemsecret import secret_matches
from kiosk.receipt.printing import item_receipt_bytes

REPO = Path(__file__).resolve().parents[2]


def _run(capsys, *argv) -> tuple[int, dict]:
    code = cli.main(list(argv))
    out = capsys.readouterr().out
    return code, (json.loads(out) if out.strip() else {})


def test_receipt_out_writes_the_reprint_bytes(write_config, capsys, tmp_path, reader):
    path = write_config()
    code, res = _run(capsys, "--config", str(path), "--json", "submit", "--text", "垃圾桶满了没人清理。",
                     "--category", "environment", "--name", "韩梅梅", "--phone", "13600001234")
    assert code == 0 and res["signed"]
    first_qr = res["qr_payload"]
    out = tmp_path / "r.bin"
    code, res = _run(capsys, "--config", str(path), "--json", "receipt", res["code_compact"], "--out", str(out))
    assert code == 0 and res["ok"] and res["bytes"] == out.stat().st_size
    doc = reader.read(out.read_bytes())
    assert "意见建议受理回执（补打）" in doc.texts
    assert "类别：生态环境" in doc.texts
    assert "姓名：韩梅梅" in doc.texts and "电话：136****1234" in doc.texts
    # A reprint cannot know the old secret (only its hash is stored): it carries a new one.
    new = res["secret"]
    assert res["secret_reissued"] and re.fullmatch(r"\d{6}", new)
    compact = res["what"].split()[-1].replace("-", "")
    # … and the same seal: Ed25519 signs the same item the same way (kiosk/core/receiptsig.py).
    seal = first_qr.partition("&r=")[2]
    assert first_qr.startswith(compact + "#k=") and len(seal) == 143
    assert doc.qrcodes[0].data.decode() == compact + "#k=" + new + "&r=" + seal
    assert f"{new[:3]} {new[3:]}" in doc.texts and "查询密码：" in doc.texts


def test_receipt_prints_on_the_configured_printer(write_config, capsys, tmp_path, store, cfg, make_item):
    rec = make_item("路面坑洼。")
    target = tmp_path / "lp0"
    path = write_config(f'[printer]\nkind = "file"\npath = "{target}"\n', name="file.toml")
    code, res = _run(capsys, "--config", str(path), "--json", "receipt", str(rec.item.code))
    assert code == 0
    assert res["status"] == "sent_unconfirmed" and res["printed"] is False
    assert target.read_bytes() == item_receipt_bytes(dataclasses.replace(rec, secret=res["secret"]),
                                                     configmod.load(path), reprint=True)
    assert secret_matches(store, rec.item.id, res["secret"])
    assert rec.secret == res["secret"] or not secret_matches(store, rec.item.id, rec.secret)
    # The fake printer confirms.
    code, res = _run(capsys, "--config", str(write_config()), "--json", "receipt", str(rec.item.code))
    assert code == 0 and res["status"] == "printed" and res["printed"] is True


def test_receipt_failures_and_usage(write_config, capsys, tmp_path, store, make_item):
    rec = make_item()
    path = write_config(f'[printer]\nkind = "serial"\nserial_device = "{tmp_path}/ttyUSB3"\n', name="absent.toml")
    code, res = _run(capsys, "--config", str(path), "--json", "receipt", str(rec.item.code))
    assert code == cli.EXIT_FAIL and res["status"] == "absent" and "ttyUSB3" in res["error"]
    assert store.events(kind="print_failed")[0]["item_id"] == rec.item.id
    assert secret_matches(store, rec.item.id, rec.secret)      # nothing printed: the old receipt still works
    assert not store.events(kind="secret_reissued")
    base = str(write_config())
    assert _run(capsys, "--config", base, "--json", "receipt", "0371-000001-3")[0] == cli.EXIT_INVALID
    assert _run(capsys, "--config", base, "--json", "receipt", "0371-000099-0")[0] in (cli.EXIT_NOT_FOUND, cli.EXIT_INVALID)
    assert _run(capsys, "--config", base, "--json", "receipt")[0] == cli.EXIT_USAGE
    assert _run(capsys, "--config", base, "--json", "receipt", str(rec.item.code), "--test")[0] == cli.EXIT_USAGE


def test_unknown_code_is_not_found(write_config, capsys):
    from kiosk.core.trackcode import make
    code, res = _run(capsys, "--config", str(write_config()), "--json", "receipt", str(make("0371", 42)))
    assert code == cli.EXIT_NOT_FOUND and "0371-000042" in res["error"]


def test_test_page_out_in_raster_with_image_qr(write_config, capsys, tmp_path, reader):
    out = tmp_path / "t.bin"
    code, res = _run(capsys, "--config", str(write_config()), "--json", "receipt", "--test",
                     "--out", str(out), "--encoding", "raster", "--qr", "image")
    assert code == 0
    doc = reader.read(out.read_bytes())
    assert not any(ln.chinese_mode for ln in doc.lines)
    assert doc.qrcodes == []
    assert [t for p in doc.pictures for t in reader.decode_qr_picture(p)] == ["03710000000"]
    assert "12345678901234567890123456789012" in doc.texts
    assert any("encoding raster" in t for t in doc.texts)


def test_test_page_on_the_fake_printer(write_config, capsys):
    code, res = _run(capsys, "--config", str(write_config()), "--json", "receipt", "--test")
    assert code == 0 and res["printed"] and res["what"] == "test page"


@pytest.mark.parametrize("text,key", [
    ('[printer]\nkind = "parallel"\n', "printer.kind"),
    ("[printer]\npaper_width_mm = 76\n", "printer.paper_width_mm"),
    ('[printer]\nkind = "usb"\n', "printer.usb_vendor_id"),
    ('[printer]\nkind = "network"\n', "printer.host"),
    ("[printer]\nserial_baudrate = 14400\n", "printer.serial_baudrate"),
    ('[printer]\nserial_parity = "e"\n', "printer.serial_parity"),
    ('[printer]\nserial_flow_control = "hardware"\n', "printer.serial_flow_control"),
    ("[printer]\nstatus_timeout = 0\n", "printer.status_timeout"),
    ('[receipt]\nencoding = "utf8"\n', "receipt.encoding"),
    ('[receipt]\nraster_fallback = "always"\n', "receipt.raster_fallback"),
    ('[receipt]\nqr = "svg"\n', "receipt.qr"),
    ('[receipt]\nlookup_url = "https://x.cn/q"\n', "receipt.lookup_url"),
    ('[receipt]\nlookup_url = "ftp://x.cn/{code}"\n', "receipt.lookup_url"),
    ('[receipt]\ntimezone = "Mars/Olympus"\n', "receipt.timezone"),
    ("[receipt]\nqr_module_size = 0\n", "receipt.qr_module_size"),
])
def test_bad_values_name_the_key(write_config, text, key):
    with pytest.raises(ConfigError) as e:
        configmod.load(write_config(text))
    assert e.value.key == key, str(e.value)


def test_full_printer_config_maps_to_driver_options(write_config):
    cfg = configmod.load(write_config(
        '[printer]\nkind = "usb"\nusb_vendor_id = 0x0416\nusb_product_id = 0x5011\npaper_width_mm = 80\n'
        '[receipt]\nfooter = ["开放时间：全天", "地址：解放路5号"]\nhotline = "12345"\n'))
    assert cfg.printer.driver_options()["vendor_id"] == 0x0416
    assert (cfg.printer.dots, cfg.printer.columns) == (576, 48)
    assert cfg.receipt.footer == ("开放时间：全天", "地址：解放路5号")


def test_my_sections_and_command_are_documented():
    text = (REPO / "docs" / "config.md").read_text(encoding="utf-8")
    for key in configmod.all_keys():
        if key.startswith(("printer.", "receipt.")):
            assert f"`{key}`" in text, key
    cli_doc = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    section = re.search(r"^## `kiosk receipt`(.*?)(?=^## |\Z)", cli_doc, re.S | re.M).group(1)
    for opt in ("--test", "--out", "--encoding", "--qr"):
        assert f"`{opt}" in section
    assert (REPO / "docs" / "receipts.md").is_file()


def test_cli_and_config_stay_light():
    # `kiosk --help`, config loading and the receipt modules import no escpos/Pillow/pyserial.
    import subprocess
    import sys
    code = ("import sys, kiosk.cli.main; kiosk.cli.main.build_parser(); from kiosk import config; config.load(None); "
            "import kiosk.receipt.printing, kiosk.doctor.printer, drivers.printer; "
            "print(sorted(m for m in ('escpos', 'PIL', 'qrcode', 'serial', 'usb') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.strip() == "[]"


def test_printer_build_is_the_one_factory(write_config):
    from drivers.printer import FakePrinter, NetworkPrinter
    cfg = configmod.load(write_config('[printer]\nkind = "network"\nhost = "10.0.0.9"\n'))
    assert isinstance(cfg.printer.build(), NetworkPrinter)
    assert isinstance(cfg.printer.build(fake_hardware=True), FakePrinter)
    none = configmod.load(write_config('[printer]\nkind = "none"\n', name="n.toml"))
    assert none.printer.build() is None
    assert isinstance(none.printer.build(fake_hardware=True), FakePrinter)
    with pytest.raises(ConfigError) as e:   # the kinds are the driver's registry, plus "none"
        configmod.from_dict({"printer": {"kind": "parallel"}})
    assert e.value.key == "printer.kind" and "none, usb, serial, network, file, fake" in str(e.value)
