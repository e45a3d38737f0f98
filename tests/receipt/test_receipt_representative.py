"""The receipt names the representative the item addresses (issue 21, part 1), read back
from the ESC/POS bytes by the independent reader; a staff reprint names them too, and the
seal of an addressed item verifies like any other."""

from __future__ import annotations

import json

import pytest

from kiosk.core import reprint, station_config
from kiosk.core.receiptsig import Verdict
from kiosk.core.submission import submit
from kiosk.lookup.verify import verify_payload
from kiosk.receipt.printing import item_receipt_bytes

DOC = {"version": "r", "categories": [{"id": "roads", "names": {"zh-CN": "道路"}}],
       "representatives": [{"id": "r9", "name": "李明华", "sector": "工人"}]}


@pytest.fixture
def addressed(store):
    station_config.apply(store, json.dumps(DOC, ensure_ascii=False).encode(), '"r"')
    return store


@pytest.mark.parametrize("lang, line", [("zh-CN", "代表：李明华"), ("zh-TW", "代表：李明华"),
                                        ("en", "Representative: 李明华")])
def test_the_receipt_prints_the_representatives_name(addressed, cfg, reader, lang, line):
    sub = submit(addressed, cfg, text="小区门口路灯坏了", representative_id="r9", lang=lang)
    texts = reader.read(item_receipt_bytes(sub, cfg)).texts
    assert line in texts, texts   # the name as the centre wrote it, in every language


def test_no_representative_no_line(addressed, cfg, reader):
    sub = submit(addressed, cfg, text="小区门口路灯坏了")
    texts = reader.read(item_receipt_bytes(sub, cfg)).texts
    assert not [t for t in texts if t.startswith("代表")], texts


def test_a_reprint_names_the_representative_after_the_config_dropped_them(addressed, cfg, reader):
    sub = submit(addressed, cfg, text="小区门口路灯坏了", representative_id="r9")
    doc = {**DOC, "version": "r2", "representatives": []}
    station_config.apply(addressed, json.dumps(doc, ensure_ascii=False).encode(), '"r2"')
    item = addressed.find_by_code(sub.item.code, with_pii=True)
    again = reprint.reissue(addressed, cfg, item)
    assert "代表：李明华" in reader.read(item_receipt_bytes(again, cfg, reprint=True)).texts


def test_the_seal_of_an_addressed_item_verifies_and_matches(addressed, cfg):
    sub = submit(addressed, cfg, text="小区门口路灯坏了", representative_id="r9")
    payload = cfg.receipt.qr_payload(sub.item.code.compact, sub.secret, sub.seal)
    result = verify_payload(addressed, payload, cfg.receipt.lookup_url)
    assert result.verdict is Verdict.AUTHENTIC and result.content == "matches"
