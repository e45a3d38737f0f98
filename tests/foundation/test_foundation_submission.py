"""Submission rules: each a named, tested error; valid items commit whole."""

from __future__ import annotations

import pytest

from kiosk.core.submission import AttachmentInput, SubmissionError, build_draft, clean_text, normalise_phone, submit

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 64


def test_text_is_nfc_normalised_and_control_chars_stripped(cfg):
    d = build_draft(cfg, text="  e\u0301路灯\x07坏了\r\n第二行\u200b\t! ")
    assert d.text == "\u00e9路灯坏了\n第二行\t!"
    assert clean_text("a\x00b\x1bc") == "abc"


def test_text_at_limit_ok_over_limit_named(cfg):
    build_draft(cfg, text="字" * 5000)
    with pytest.raises(SubmissionError, match="5001 characters, more than the limit of 5000") as e:
        build_draft(cfg, text="字" * 5001)
    assert e.value.field == "text"


def test_empty_item_rejected(cfg):
    with pytest.raises(SubmissionError, match="needs text or at least one attachment"):
        build_draft(cfg, text=" \n\x07 ")


def test_attachment_alone_is_a_valid_item(cfg):
    d = build_draft(cfg, attachments=[AttachmentInput("p.png", PNG, kind="photo")])
    assert d.text == "" and d.attachments[0].media_type == "image/png"


def test_unknown_category_named(cfg):
    build_draft(cfg, text="x", category="traffic")
    build_draft(cfg, text="x", category=None)  # "not sure"
    with pytest.raises(SubmissionError, match="unknown category 'potholes'") as e:
        build_draft(cfg, text="x", category="potholes")
    assert e.value.field == "category"


@pytest.mark.parametrize("phone, expect", [
    ("13812345678", "13812345678"), ("+86 138-1234-5678", "13812345678"),
    ("0371-12345678", "037112345678"), ("(010) 1234 5678", "01012345678"),
    ("１３８１２３４５６７８", "13812345678"),
])
def test_good_phones(phone, expect):
    assert normalise_phone(phone) == expect


@pytest.mark.parametrize("phone", ["12812345678", "1381234567", "138123456789", "2345678",
                                   "abc", "", "0371-123", "+1 415 555 0100"])
def test_bad_phones_named(cfg, phone):
    with pytest.raises(SubmissionError, match="phone number must be") as e:
        build_draft(cfg, text="x", anonymous=False, name="张三", phone=phone)
    assert e.value.field == "phone"


def test_real_name_needs_name_and_anonymous_refuses_pii(cfg):
    with pytest.raises(SubmissionError, match="need the resident's name"):
        build_draft(cfg, text="x", anonymous=False, name=" ", phone="13812345678")
    with pytest.raises(SubmissionError, match="anonymous item cannot carry"):
        build_draft(cfg, text="x", anonymous=True, name="张三")


@pytest.mark.parametrize("name", ["../etc/passwd", "a/b.png", "..", ".hidden.png", "c:\\x.png", "a\x00.png", ""])
def test_path_like_attachment_names_rejected(cfg, name):
    with pytest.raises(SubmissionError, match="plain file name") as e:
        build_draft(cfg, text="x", attachments=[AttachmentInput(name, PNG, kind="photo")])
    assert e.value.field == "attachments"


def test_attachment_type_size_and_content_limits(write_config):
    from kiosk import config as configmod
    cfg = configmod.load(write_config('[submission]\nmax_attachment_bytes = 100\nmax_attachments = 2\n'
                                      'allowed_media_types = ["image/png", "image/jpeg"]\n'))
    with pytest.raises(SubmissionError, match="type application/pdf, which is not allowed"):
        build_draft(cfg, attachments=[AttachmentInput("a.pdf", b"%PDF-1.4", kind="file")])
    with pytest.raises(SubmissionError, match="more than the limit of 100"):
        build_draft(cfg, attachments=[AttachmentInput("a.png", PNG + b"x" * 100, kind="photo")])
    with pytest.raises(SubmissionError, match="too many attachments: 3"):
        build_draft(cfg, attachments=[AttachmentInput(f"{i}.png", PNG, kind="photo") for i in range(3)])
    with pytest.raises(SubmissionError, match="does not contain image/jpeg data"):
        build_draft(cfg, attachments=[AttachmentInput("fake.jpg", PNG, kind="photo")])
    with pytest.raises(SubmissionError, match="is empty"):
        build_draft(cfg, attachments=[AttachmentInput("e.png", b"", kind="photo")])
    build_draft(cfg, attachments=[AttachmentInput("ok.jpg", JPEG, kind="photo")])


def test_missing_attachment_file_named(cfg, tmp_path):
    with pytest.raises(SubmissionError, match="cannot read attachment"):
        build_draft(cfg, attachments=[AttachmentInput("x.png", tmp_path / "nope.png", kind="photo")])


def test_submit_commits_whole_item_with_encrypted_pii(cfg, store, tmp_path):
    src = tmp_path / "photo.png"
    src.write_bytes(PNG)
    item = submit(store, cfg, text="路灯坏了", category="traffic", anonymous=False, name="张三",
                  phone="138 1234 5678", attachments=[AttachmentInput("photo.png", src, kind="photo")],
                  source="text").item
    assert str(item.code).startswith("0371-000001-")
    assert item.name is None and "张三" not in repr(store.get_item(item.id, with_pii=True))
    full = store.get_item(item.id, with_pii=True)
    assert (full.name, full.phone) == ("张三", "13812345678")
    raw = store.db.execute("SELECT name_enc, phone_enc FROM items").fetchone()
    assert "张三" not in raw[0] and "13812345678" not in raw[1]
    db_bytes = store.db_path.read_bytes() + store.db_path.with_name("kiosk.db-wal").read_bytes()
    assert "张三".encode() not in db_bytes and b"13812345678" not in db_bytes
    (att,) = item.attachments
    assert att.path.read_bytes() == PNG and att.size == len(PNG)
    events = " ".join(e["message"] + (e["data"] or "") for e in store.events(100))
    assert "张三" not in events and "13812345678" not in events
