"""The receipt carries the item's receipt secret: printed as digits and inside the QR
code, so that scanning or typing it opens the reply (kiosk.lookup.answers)."""

from __future__ import annotations

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
    item = submit(store, cfg, text="垃圾没人清运", category="environment")
    store.record_status(item.id, "replied", REPLY, "2026-11-21T08:00:00Z")
    doc = reader.read(item_receipt_bytes(item, cfg))
    assert "查询密码：" in doc.texts and f"{item.secret[:3]} {item.secret[3:]}" in doc.texts
    if qr == "native":
        payloads = [q.data.decode() for q in doc.qrcodes]
    else:  # the picture itself, decoded by zxing-cpp
        payloads = [t for p in doc.pictures for t in reader.decode_qr_picture(p)]
    assert payloads == [f"https://minyi.example.gov.cn/q?c={item.code.compact}#k={item.secret}"]
    scan = lookup.scan_from_payload(payloads[0], cfg.receipt.lookup_url)
    answer = lookup.look_up(store, scan.code, scan.secret)
    assert answer.authorised and answer.reply == REPLY


def test_a_receipt_without_its_secret_is_not_printed(cfg, store):
    """An item read back from the store has no plaintext secret: printing it must not
    produce a receipt that silently cannot open the reply."""
    item = submit(store, cfg, text="路灯不亮")
    out = print_item_receipt(store.get_item(item.id), cfg, store=store)
    assert not out.printed and out.status == "error" and "secret" in out.reason
    assert store.events(kind="print_failed")


def test_lookup_url_with_a_fragment_is_refused_naming_the_key(write_config):
    with pytest.raises(ConfigError, match="lookup_url"):
        configmod.load(write_config('[receipt]\nlookup_url = "https://x.example.cn/q#c={code}"\n'))
