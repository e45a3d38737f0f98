"""The keyed receipt-secret check (kiosk/core/itemsecret.py, kiosk/core/receiptkey.py):
receipts made before it (scrypt) still open their replies, new ones open with the key,
wrong secrets are refused, and a missing or corrupt key is a named error, never a new key."""

from __future__ import annotations

import base64
import hashlib
import os
import stat

import pytest

from kiosk.core import itemsecret, receiptkey
from kiosk.core.receiptkey import ReceiptKeyError
from kiosk.core.records import NewItem
from kiosk.core.reprint import keep_reissued, reissue
from kiosk.core.store import Store
from kiosk.core.submission import submit
from kiosk.lookup import answers as lookup

REPLY = "已安排维修。"
# Made by the code before the keyed check (main f1a8174's itemsecret.hash_secret("482913")):
# a hash exactly as it sits in the databases of kiosks in service.
OLD_SECRET = "482913"
OLD_HASH = "scrypt$11$8$1$hax9mnkqPxHh/shuXIAhug==$U9YFYgy0gqUciw7eL3Jt02OBfZQEvT1qXASmQ2f2k4g="


def _old_style_hash(secret: str) -> str:
    """The scrypt format, computed here without the kiosk's code."""
    salt = os.urandom(16)
    key = hashlib.scrypt(secret.encode(), salt=salt, n=2 ** 11, r=8, p=1, maxmem=2 ** 22, dklen=32)
    return f"scrypt$11$8$1${base64.b64encode(salt).decode()}${base64.b64encode(key).decode()}"


def _commit_with_hash(store, secret_hash: str):
    item = store.commit_item(NewItem(text="楼道灯不亮", category=None, anonymous=True, name_enc=None,
                                     phone_enc=None, source="cli", lang="zh-CN", secret_hash=secret_hash,
                                     attachments=(), max_attachment_bytes=1000))
    store.record_status(item.id, "replied", REPLY, "2026-11-20T10:00:00Z")
    return item


def _wrong(secret: str) -> str:
    return f"{(int(secret) + 1) % 10 ** 6:06d}"


def test_an_old_scrypt_receipt_still_opens_its_reply(store):
    for secret, stored in ((OLD_SECRET, OLD_HASH), ("070707", _old_style_hash("070707"))):
        item = _commit_with_hash(store, stored)
        a = lookup.look_up(store, item.code, secret)
        assert a.authorised and a.reply == REPLY
        with pytest.raises(lookup.WrongSecret):
            lookup.look_up(store, item.code, _wrong(secret))
        assert lookup.rate(store, a, "satisfied").rating == "satisfied"


def test_a_new_receipt_is_keyed_opens_and_refuses_a_wrong_secret(store, cfg):
    sub = submit(store, cfg, text="路灯坏了")
    store.record_status(sub.item.id, "replied", REPLY, "2026-11-20T10:00:00Z")
    stored = store.get_secret_hash(sub.item.id)
    assert stored.startswith("hmac1$") and sub.secret not in stored
    assert lookup.look_up(store, sub.item.code, sub.secret).reply == REPLY
    with pytest.raises(lookup.WrongSecret):
        lookup.look_up(store, sub.item.code, _wrong(sub.secret))
    # the check depends on the key: under another key the same secret does not match
    other = receiptkey.ReceiptKey(os.urandom(32))
    assert itemsecret.matches(sub.secret, stored, store.receipt_key)
    assert not itemsecret.matches(sub.secret, stored, other)
    with pytest.raises(ReceiptKeyError):
        itemsecret.matches(sub.secret, stored)        # a keyed check without a key: named, not "wrong"


def test_a_reprint_of_an_old_item_gets_a_keyed_secret(store, cfg):
    item = _commit_with_hash(store, OLD_HASH)
    again = reissue(store, cfg, store.get_item(item.id, with_pii=True))
    keep_reissued(store, again)
    assert store.get_secret_hash(item.id).startswith("hmac1$")
    assert itemsecret.secret_matches(store, item.id, again.secret)
    assert again.secret == OLD_SECRET or not itemsecret.secret_matches(store, item.id, OLD_SECRET)


def test_the_key_is_a_private_file_beside_the_pii_key_outside_the_data_dir(store, cfg):
    path = receiptkey.path_for(cfg.storage.key_file)
    assert store.receipt_key.usable and store.receipt_key.path == path
    assert path.parent == cfg.storage.data_path.parent / "keys"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(base64.b64decode(path.read_bytes().strip())) == 32


def test_a_missing_key_with_keyed_items_is_named_and_never_made_anew(cfg):
    path = receiptkey.path_for(cfg.storage.key_file)
    with Store.open(cfg) as store:
        keyed = submit(store, cfg, text="一")
        old = _commit_with_hash(store, OLD_HASH)
    path.unlink()
    with Store.open(cfg) as store:
        assert not path.exists(), "a new key must not be made while keyed items exist"
        problem = store.receipt_key.problem
        assert problem is not None and problem.locked_items == 1
        assert str(path) in str(problem) and "1 stored items" in str(problem) and "backup" in str(problem)
        with pytest.raises(ReceiptKeyError, match="receipt-secret key .* is missing"):
            lookup.look_up(store, keyed.item.code, keyed.secret)
        assert lookup.look_up(store, old.code, OLD_SECRET).authorised    # old receipts need no key
        # the kiosk goes on: a new item's secret falls back to scrypt and its receipt works
        later = submit(store, cfg, text="二")
        assert store.get_secret_hash(later.item.id).startswith("scrypt$")
        assert itemsecret.secret_matches(store, later.item.id, later.secret)


def test_a_corrupt_key_is_named_and_kept(cfg):
    path = receiptkey.path_for(cfg.storage.key_file)
    with Store.open(cfg) as store:
        sub = submit(store, cfg, text="一")
    for content in (b"", b"not base64 !!\n", base64.b64encode(b"short") + b"\n"):
        path.write_bytes(content)
        with Store.open(cfg) as store:
            assert path.read_bytes() == content, "a damaged key file must never be overwritten"
            with pytest.raises(ReceiptKeyError, match="empty|not a key"):
                itemsecret.secret_matches(store, sub.item.id, sub.secret)


def test_a_missing_key_without_keyed_items_is_created(cfg):
    path = receiptkey.path_for(cfg.storage.key_file)
    with Store.open(cfg) as store:
        old = _commit_with_hash(store, OLD_HASH)     # scrypt only: no item needs the key
    path.unlink()
    with Store.open(cfg) as store:
        assert store.receipt_key.usable and path.exists()
        assert lookup.look_up(store, old.code, OLD_SECRET).authorised


def test_doctor_names_the_key(cfg, store):
    from kiosk.doctor import receiptkey as check

    ctx = type("Ctx", (), {"config": cfg, "store": store})()
    submit(store, cfg, text="一")
    (line,) = check.checks(ctx)
    assert line.status == "ok" and "1 stored items" in line.detail
    receiptkey.path_for(cfg.storage.key_file).unlink()
    with Store.open_read_only(cfg) as ro:
        (line,) = check.checks(type("Ctx", (), {"config": cfg, "store": ro})())
    assert line.status == "fail" and "is missing" in line.detail
