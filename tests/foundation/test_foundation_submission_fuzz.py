"""Property-based tests of the submission rules (kiosk.core.submission.submit and `kiosk submit`).

Whatever a resident (or a broken caller) hands in - any text, name, phone, category,
attachment name, kind and bytes - the submission is either stored exactly as the rules
say, or refused with a SubmissionError naming the field (a StoreError for the store's
own refusals); never another exception, and nothing already stored changes.
"""

from __future__ import annotations

import hashlib
import json

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from kiosk.cli import main as cli

from kiosk.core import itemsecret
from kiosk.lookup import answers as lookup
from kiosk.core.store import StoreError
from kiosk.core.submission import (KINDS, SOURCES, AttachmentInput, SubmissionError, clean_text, submit)

FIELDS = {"text", "category", "source", "identity", "name", "phone", "attachments"}
FUZZ = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# Real file signatures so that some attachments pass the magic-number check.
HEADS = [b"\xff\xd8\xff\xe0", b"\x89PNG\r\n\x1a\n", b"%PDF-1.4\n", b"RIFF\0\0\0\0WAVE", b"OggS", b"fLaC", b""]
NAMES = ["photo.jpg", "scan.png", "letter.pdf", "voice.wav", "a.ogg", "b.flac", "note.txt", "照片.JPG",
         "../etc/passwd", ".hidden.png", "dir/x.jpg", "back\\slash.pdf", "", ".", "..", "x" * 210 + ".png",
         "tab\there.jpg", "no-extension", "evil.html"]

# Each field: mostly values that pass (so that stored items are checked too), else anything.
def mostly(valid, anything):
    return st.one_of(valid, valid, valid, anything)


texts = mostly(st.text(min_size=1, max_size=200).filter(lambda t: clean_text(t)),
               st.one_of(st.text(max_size=200), st.integers(4990, 5010).map(lambda n: "字" * n),
                         st.sampled_from(["", " \n\t ", "\u200b\u202e", "路灯坏了\r\n三个月"])))
names = st.one_of(st.none(), st.text(max_size=60), st.sampled_from(["王秀英", "张3", " ", "A" * 51]))
phones = st.one_of(st.none(), st.text(alphabet="0123456789+-() （）１３", max_size=16), st.text(max_size=20),
                   st.sampled_from(["13812345678", "+86 138-1234-5678", "0371-12345678", "12345678901"]))
identities = mostly(st.one_of(st.tuples(st.just(True), st.none(), st.none()),
                              st.tuples(st.just(False), st.sampled_from(["王秀英", "Zhang Ming", "欧阳 娜娜"]),
                                        st.sampled_from(["13812345678", "+86 138-1234-5678", "0371-12345678"]))),
                    st.tuples(st.booleans(), names, phones))
sources = mostly(st.sampled_from(SOURCES), st.text(max_size=6))
attachment_bytes = st.one_of(st.binary(max_size=200),
                             st.tuples(st.sampled_from(HEADS), st.binary(max_size=64)).map(b"".join))
SIGNED = [("photo.jpg", b"\xff\xd8\xff\xe0", "photo"), ("scan.png", b"\x89PNG\r\n\x1a\n", "scan"),
          ("letter.pdf", b"%PDF-1.4\n", "file"), ("voice.wav", b"RIFF\0\0\0\0WAVE", "audio"),
          ("照片.JPG", b"\xff\xd8\xff\xdb", "photo")]
valid_attachment = st.tuples(st.sampled_from(SIGNED), st.binary(min_size=1, max_size=64)).map(
    lambda t: AttachmentInput(name=t[0][0], source=t[0][1] + t[1], kind=t[0][2]))
attachments = st.lists(mostly(valid_attachment,
                              st.builds(AttachmentInput,
                                        name=st.one_of(st.sampled_from(NAMES), st.text(max_size=30)),
                                        source=attachment_bytes,
                                        kind=st.one_of(st.sampled_from(KINDS), st.text(max_size=6)))),
                       max_size=3)


def categories(cfg):
    return mostly(st.one_of(st.none(), st.sampled_from([c.id for c in cfg.submission.categories])),
                  st.one_of(st.just(""), st.text(max_size=20)))


def snapshot(store) -> tuple:
    """Everything a later submission must not change: items, attachments, files on disk."""
    items = tuple((i.id, i.code, i.text, i.category, i.anonymous, i.state, i.delivery, i.integrity,
                   tuple((a.name, a.sha256, a.size) for a in i.attachments))
                  for i in store.list_items())
    files = tuple(sorted(str(p.relative_to(store.data_dir)) for p in store.media_dir.rglob("*")))
    return items, files, tuple(store.tmp_dir.iterdir())


def _check_stored(store, cfg, submitted, fields, before):
    item = submitted.item
    items_before, files_before, _ = before
    items_after, files_after, tmp_after = snapshot(store)
    assert items_after[:-1] == items_before and items_after[-1][0] == item.id   # only appended
    assert set(files_before) <= set(files_after) and tmp_after == ()
    got = store.get_item(item.id, with_pii=True)
    assert got.text == clean_text(fields["text"])
    assert got.category == (fields["category"] or None)
    assert got.anonymous == fields["anonymous"]
    if got.anonymous:
        assert got.name is None and got.phone is None
    else:
        assert got.name and got.phone and got.phone.isdigit()
    assert len(got.attachments) == len(fields["attachments"])
    for att, given_att in zip(got.attachments, fields["attachments"]):
        data = bytes(given_att.source)
        assert att.path.read_bytes() == data
        assert (att.sha256, att.size) == (hashlib.sha256(data).hexdigest(), len(data))
        assert att.path.parent == store.media_dir / item.id
    assert lookup.look_up(store, item.code, submitted.secret).authorised


@given(data=st.data())
@FUZZ
def test_fuzz_submit_stores_exactly_or_refuses_with_a_named_error(store, cfg, data):
    anonymous, name, phone = data.draw(identities, "identity")
    fields = dict(text=data.draw(texts, "text"), category=data.draw(categories(cfg), "category"),
                  anonymous=anonymous, name=name, phone=phone,
                  attachments=data.draw(attachments, "attachments"), source=data.draw(sources, "source"),
                  lang=data.draw(st.sampled_from(["zh-CN", "zh-TW", "en"]), "lang"))
    before = snapshot(store)
    try:
        submitted = submit(store, cfg, **fields)
    except SubmissionError as e:
        event(f"refused: {e.field}")
        assert e.field in FIELDS and str(e)
        assert snapshot(store) == before
        return
    except StoreError as e:
        event("store refused")
        assert str(e)
        assert snapshot(store) == before
        return
    event(f"stored with {len(fields['attachments'])} attachments")
    _check_stored(store, cfg, submitted, fields, before)


FILE_NAMES = ["photo.jpg", "scan.png", "letter.pdf", "voice.wav", "照片.png", "notes.txt", "page.html", "x"]


def _not_stdin(text: str) -> bool:
    # `--text -` is a usage error (exit 2) pointing at --text-file -: tested on its own in
    # tests/foundation/test_foundation_cli_submit.py, not a value this fuzz should draw.
    return text.replace("\0", "") != "-"


@given(data=st.data())
@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_fuzz_kiosk_submit_answers_json_and_a_documented_exit_code(write_config, store, cfg, tmp_path, capsys,
                                                                  data):
    """`kiosk submit --json` with arbitrary option values: exit 0 with the item, or the
    invalid-input / storage exit code with a JSON error; never a traceback, and a refusal
    leaves the store (the same data directory) as it was."""
    cfg_path, store_cfg = str(write_config()), cfg
    argv = ["--config", cfg_path, "--json", "submit", "--text=" + data.draw(texts.filter(_not_stdin), "text")]
    for opt, strategy in (("category", categories(store_cfg)), ("name", names), ("phone", phones)):
        value = data.draw(st.one_of(st.none(), strategy), opt)
        if value is not None:
            argv.append(f"--{opt}={value}")
    files = data.draw(st.lists(st.tuples(st.sampled_from(FILE_NAMES), attachment_bytes), max_size=2), "files")
    for i, (name, content) in enumerate(files):
        d = tmp_path / "attach" / str(len(list((tmp_path).glob("attach/*")))) / str(i)
        d.mkdir(parents=True)
        (d / name).write_bytes(content)
        argv.append(f"--attach={d / name}")
    capsys.readouterr()
    before = snapshot(store)
    rc = cli.main([a.replace("\0", "") for a in argv])      # argv cannot carry NUL
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "Traceback" not in out
    res = json.loads(out)
    assert rc in (cli.EXIT_OK, cli.EXIT_INVALID, cli.EXIT_STORAGE), (rc, res)
    assert res["ok"] == (rc == cli.EXIT_OK)
    after = snapshot(store)
    if rc == cli.EXIT_OK:
        event("stored")
        assert len(res["secret"]) == 6 and after[0][:-1] == before[0] and after[0][-1][0] == res["id"]
        assert itemsecret.secret_matches(store, res["id"], res["secret"])
    else:
        event(f"refused: {res.get('field')}")
        assert res["error"] and (rc != cli.EXIT_INVALID or res["field"] in FIELDS)
        assert after == before
