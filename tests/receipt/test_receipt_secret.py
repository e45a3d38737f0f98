"""The receipt carries the item's receipt secret: printed as digits and inside the QR
code, so that scanning or typing it opens the reply (kiosk.lookup.answers)."""

from __future__ import annotations

import dataclasses

import pytest

from kiosk import config as configmod
from kiosk.lookup import answers as lookup
from kiosk.config import ConfigError
from kiosk.receipt.printing import item_receipt_bytes, print_item_receipt
from kiosk.core.submission import submit

REPLY = "已联系环卫所，明早清运。"


@pytest.mark.parametrize("qr", ["native", "image"])
def test_printed_receipt_decodes_to_the_secret_that_opens_the_reply(write_config, store, reader, qr):
    url = "https://minyi.example.gov.cn/q?c={code}"
    cfg = configmod.load(write_config(f'[receipt]\nqr = "{qr}"\nlookup_url = "{url}"\n'))
    sub = submit(store, cfg, text="垃圾没人清运", category="environment")
    item, secret = sub.item, sub.secret
    store.record_status(item.id, "replied", REPLY, "2026-11-21T08:00:00Z")
    doc = reader.read(item_receipt_bytes(sub, cfg))
    assert "查询密码：" in doc.texts and f"{secret[:3]} {secret[3:]}" in doc.texts
    if qr == "native":
        payloads = [q.data.decode() for q in doc.qrcodes]
    else:  # the picture itself, decoded by zxing-cpp
        payloads = [t for p in doc.pictures for t in reader.decode_qr_picture(p)]
    assert payloads == [f"https://minyi.example.gov.cn/q?c={item.code.compact}#k={secret}&r={sub.seal}"]
    scan = lookup.scan_from_payload(payloads[0], cfg.receipt.lookup_url)
    answer = lookup.look_up(store, scan.code, scan.secret)
    assert answer.authorised and answer.reply == REPLY


def test_a_receipt_without_its_secret_is_not_printed(cfg, store):
    """A receipt record without the plaintext secret of an item that has one must not
    produce a receipt that silently cannot open the reply."""
    sub = submit(store, cfg, text="路灯不亮")
    out = print_item_receipt(dataclasses.replace(sub, secret=None), cfg, store=store)
    assert not out.printed and out.status == "error" and "secret" in out.reason
    assert store.events(kind="print_failed")


def test_lookup_url_with_a_fragment_is_refused_naming_the_key(write_config):
    with pytest.raises(ConfigError, match="lookup_url"):
        configmod.load(write_config('[receipt]\nlookup_url = "https://x.example.cn/q#c={code}"\n'))


def test_printing_reads_neither_the_store_nor_the_categories(store, cfg, make_item, reader, monkeypatch):
    """The print step gets what it prints (kiosk.core.records.Submitted) and never goes
    back to the store for the item, its categories or its secret (docs/architecture.md)."""
    from drivers.printer import FakePrinter
    from kiosk.core import categories

    rec = make_item("路灯坏了", category="traffic", anonymous=False, name="王小明", phone="13812345678")
    for name in ("get_item", "find_by_code", "get_meta", "list_items", "get_secret_hash", "replace_secret"):
        monkeypatch.setattr(store, name, lambda *a, _n=name, **k: pytest.fail(f"the print step called store.{_n}"))
    monkeypatch.setattr(categories, "current_categories", lambda *a: pytest.fail("categories read again"))
    fake = FakePrinter()
    assert print_item_receipt(rec, cfg, fake, store=store).printed
    doc = reader.read(fake.output)
    assert f"类别：{rec.category_name}" in doc.texts and "电话：138****5678" in doc.texts
    assert "姓名：王小明" in doc.texts and f"{rec.secret[:3]} {rec.secret[3:]}" in doc.texts
