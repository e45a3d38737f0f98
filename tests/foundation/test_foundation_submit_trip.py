"""The Submit trip reads straight (docs/architecture.md, "The Submit trip"): the
submission layer encrypts the personal data and draws the receipt secret, the store only
writes the complete row, and the result carries everything the receipt prints."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

from kiosk.core import itemsecret
from kiosk.core.categories import local_categories
from kiosk.core.pii import mask_phone
from kiosk.core.records import NewItem, Submitted
from kiosk.core.reprint import keep_reissued, reissue
from kiosk.core.submission import build_draft, seal, submit

ROOT = Path(__file__).resolve().parents[2]
STORE_PKG = ROOT / "kiosk/core/store"


def _calls(path: Path) -> set[str]:
    """Every ``a.b(...)`` / ``b(...)`` called in *path*, as ``a.b`` or ``b``."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Attribute):
                base = f.value.attr if isinstance(f.value, ast.Attribute) else getattr(f.value, "id", "?")
                out.add(f"{base}.{f.attr}")
            elif isinstance(f, ast.Name):
                out.add(f.id)
    return out


def test_the_store_neither_draws_secrets_nor_encrypts():
    files = sorted(STORE_PKG.glob("*.py"))
    assert files
    forbidden = {"itemsecret.issue", "itemsecret.hash_secret", "cipher.encrypt", "secrets.randbelow"}
    found = {f"{p.name}: {c}" for p in files for c in _calls(p) if c in forbidden}
    assert not found, "the submission layer draws and encrypts; the store only writes: " + ", ".join(found)


def test_the_scan_would_see_a_secret_drawn_in_the_store(tmp_path):
    p = tmp_path / "items.py"
    p.write_text("def _insert_item(self):\n    secret = itemsecret.issue()\n"
                 "    return self.cipher.encrypt(secret)\n", encoding="utf-8")
    assert {"itemsecret.issue", "cipher.encrypt"} <= _calls(p)


def test_submission_imports_nothing_above_the_core():
    tree = ast.parse((ROOT / "kiosk/core/submission.py").read_text(encoding="utf-8"))
    names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    names += [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module]
    assert not [n for n in names if n == "kiosk.config" or n.startswith("kiosk.config.")], names


def test_commit_item_writes_a_new_item_as_given(store, cfg):
    secret = itemsecret.issue()
    new = NewItem(text="路灯坏了", category="traffic", anonymous=False,
                  name_enc=store.cipher.encrypt("张三"), phone_enc=store.cipher.encrypt("13812345678"),
                  source="cli", lang="zh-CN", secret_hash=itemsecret.hash_secret(secret, store.receipt_key),
                  attachments=(), max_attachment_bytes=1000)
    item = store.commit_item(new)
    back = store.get_item(item.id, with_pii=True)
    assert (back.text, back.category, back.anonymous, back.source) == ("路灯坏了", "traffic", False, "cli")
    assert (back.name, back.phone) == ("张三", "13812345678")
    assert store.get_secret_hash(item.id) == new.secret_hash and back.has_secret
    assert itemsecret.secret_matches(store, item.id, secret)
    assert not hasattr(back, "secret")


def test_commit_item_refuses_a_plaintext_draft(store, cfg):
    draft = build_draft(cfg, text="x", anonymous=False, name="张三", phone="13812345678")
    with pytest.raises(TypeError, match="NewItem"):
        store.commit_item(draft)
    assert store.count() == 0


def test_seal_encrypts_and_hashes_before_the_store_sees_anything(store, cfg):
    draft = build_draft(cfg, text="x", anonymous=False, name="张三", phone="13812345678")
    new, secret = seal(draft, store.cipher, store.receipt_key)
    assert new.name_enc and "张三" not in new.name_enc and store.cipher.decrypt(new.name_enc) == "张三"
    assert store.cipher.decrypt(new.phone_enc) == "13812345678"
    assert itemsecret.matches(secret, new.secret_hash, store.receipt_key) and secret not in new.secret_hash
    for hidden in ("张三", "13812345678", secret, new.secret_hash):
        assert hidden not in repr(new)


def test_submitted_carries_what_the_receipt_prints(store, cfg):
    sub = submit(store, cfg, text="路灯坏了", category="traffic", anonymous=False, name="王小明",
                 phone="138 1234 5678", lang="zh-CN")
    assert isinstance(sub, Submitted)
    assert sub.category_name == local_categories(cfg).name("traffic", "zh-CN") and sub.category_name
    assert (sub.name, sub.masked_phone) == ("王小明", "138****5678")
    assert itemsecret.secret_matches(store, sub.item.id, sub.secret)
    assert sub.item == store.get_item(sub.item.id)
    for hidden in ("王小明", "138****5678", sub.secret):
        assert hidden not in repr(sub)
    anon = submit(store, cfg, text="噪音")
    assert (anon.name, anon.masked_phone, anon.category_name) == (None, None, None)


def test_submission_reads_the_categories_once(store, cfg, monkeypatch):
    from kiosk.core import submission
    reads = []
    real = submission.current_categories
    monkeypatch.setattr(submission, "current_categories", lambda *a: reads.append(1) or real(*a))
    submit(store, cfg, text="路灯坏了", category="traffic")
    assert reads == [1]


def test_a_reprint_replaces_the_hash_only_when_kept(store, cfg):
    sub = submit(store, cfg, text="路灯坏了", category="traffic", anonymous=False, name="王小明",
                 phone="13812345678")
    old = sub.secret
    again = reissue(store, cfg, store.get_item(sub.item.id, with_pii=True))
    while again.secret == old:      # one chance in a million: draw until it differs
        again = reissue(store, cfg, store.get_item(sub.item.id, with_pii=True))
    assert (again.name, again.masked_phone, again.category_name) == (sub.name, sub.masked_phone, sub.category_name)
    assert itemsecret.secret_matches(store, sub.item.id, old)             # not kept yet
    assert not itemsecret.secret_matches(store, sub.item.id, again.secret)
    keep_reissued(store, again)
    assert not itemsecret.secret_matches(store, sub.item.id, old)
    assert itemsecret.secret_matches(store, sub.item.id, again.secret)
    assert store.events(kind="secret_reissued")


def test_masking_a_masked_phone_changes_nothing():
    for phone in ("13812341234", "02787654321", "075512345678"):
        once = mask_phone(phone)
        assert "*" in once and mask_phone(once) == once


def test_the_app_hands_the_print_step_exactly_what_was_submitted(store, cfg):
    from kiosk.app.services.submitting import Snapshot, submit_and_print
    from kiosk.receipt.printing import PrintOutcome

    handed = []

    class Submission:
        def submit(self, **fields):
            handed.append(fields)
            return submit(store, cfg, **fields)

    class Printing:
        def print_receipt(self, receipt, **kw):
            handed.append(receipt)
            return PrintOutcome(True, None, "printed")

    services = type("S", (), {"submission": Submission(), "printing": Printing()})()
    fields = dict(text="路灯坏了", category="traffic", anonymous=False, name="王小明", phone="13812345678")
    assert [f.name for f in dataclasses.fields(Snapshot)] == ["fields"]   # one copy of the input
    out = submit_and_print(services, Snapshot(fields))
    given, receipt = handed
    assert given == fields and isinstance(receipt, Submitted)
    assert (out.code, out.secret, out.printing.printed) == (str(receipt.item.code), receipt.secret, True)
    assert (receipt.name, receipt.masked_phone) == ("王小明", "138****5678")
