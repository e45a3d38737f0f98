"""The pinyin lexicon: its packed keys, its cache file (verified, rebuilt when stale)."""

from __future__ import annotations

from array import array

import pytest

from kiosk.ime import lexicon as lexmod
from kiosk.ime.build import toneless
from kiosk.ime.lexicon import CharBigram, Lexicon, WordTable, encode, read, write
from kiosk.ime.syllables import SYLLABLE_IDS


def key(*syllables: str) -> int:
    return encode(SYLLABLE_IDS[s] for s in syllables)


def tiny() -> Lexicon:
    words = WordTable.from_entries([
        (key("lu", "deng"), -9.0, "路灯"), (key("lu",), -7.0, "路"), (key("lu",), -6.0, "录"),
        (key("lu", "deng", "huai", "le"), -20.0, "路灯坏了"), (key("deng",), -8.0, "灯")])
    bigram = CharBigram(array("I", [ord("路") << 16 | ord("灯")]), array("f", [-1.5]),
                        array("I", [ord("路")]), array("f", [-9.0]), array("f", [-4.0]), -20.0)
    return Lexicon(words, bigram)


def test_keys_sort_words_by_their_pinyin_prefix():
    w = tiny().words
    assert [w.word(i) for i in w.lookup(key("lu"), 0)] == ["录", "路"]        # best score first
    a, b = w.narrow(0, len(w), key("lu"), 0)                                   # every word starting lu…
    assert sorted(w.word(i) for i in range(a, b)) == ["录", "路", "路灯", "路灯坏了"]
    a, b = w.narrow(a, b, key("lu", "deng"), 1)
    assert [w.word(i) for i in w.exact(a, b, key("lu", "deng"))] == ["路灯"]
    assert b - a == 2                                                          # 路灯坏了 continues it


def test_bigram_backs_off_per_character():
    b = tiny().bigram
    assert b.score("路", "灯") == -1.5
    assert b.score("路", "口") == -9.0          # unseen after a known character
    assert b.score("口", "路") == -20.0         # nothing known
    assert (b.first("路"), b.first("灯")) == (-4.0, -20.0)


def test_cache_file_round_trips_and_is_verified(tmp_path):
    path = tmp_path / "lexicon.bin"
    write(tiny(), path, "source-1")
    back = read(path, "source-1")
    assert back.words.text == tiny().words.text and list(back.words.keys) == list(tiny().words.keys)
    assert read(path, "source-2") is None                   # the sources changed: rebuild
    data = bytearray(path.read_bytes())
    data[-3] ^= 0xFF                                          # one flipped byte in the payload
    path.write_bytes(bytes(data))
    assert read(path, "source-1") is None
    path.write_bytes(bytes(data[:-10]))                       # truncated
    assert read(path, "source-1") is None
    assert read(tmp_path / "missing.bin", "source-1") is None


def test_load_rebuilds_a_stale_or_corrupt_cache_only(tmp_path, monkeypatch):
    builds = []

    def fake_build(path):
        builds.append(path)
        write(tiny(), path, "now")

    monkeypatch.setattr("kiosk.ime.lexicon.fingerprint", lambda file_format: "now")
    monkeypatch.setattr(lexmod, "_build_into", fake_build)
    assert lexmod.load(tmp_path).words.word(0) and len(builds) == 1       # no cache yet
    assert lexmod.load(tmp_path) and len(builds) == 1                      # valid: read, not built
    (tmp_path / "lexicon.bin").write_bytes(b"MINYI-IME\n{}\n")
    assert lexmod.load(tmp_path) and len(builds) == 2                      # corrupt: rebuilt
    write(tiny(), tmp_path / "lexicon.bin", "before an upgrade")
    assert lexmod.load(tmp_path) and len(builds) == 3                      # stale: rebuilt


def test_unwritable_cache_dir_builds_a_temporary_copy(tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    monkeypatch.setattr("kiosk.ime.lexicon.fingerprint", lambda file_format: "now")
    monkeypatch.setattr(lexmod, "_build_into", lambda path: write(tiny(), path, "now"))
    assert lexmod.load(blocked / "ime").words.word(0)


def test_failed_build_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setattr("kiosk.ime.lexicon.fingerprint", lambda file_format: "now")
    monkeypatch.setattr(lexmod, "_build_into", lambda path: None)      # wrote nothing
    with pytest.raises(RuntimeError, match="did not produce"):
        lexmod.load(tmp_path)


def test_toned_readings_become_typed_spellings():
    assert [toneless(r) for r in ("lǜ", "nǚ", "lüè", "jué", "zhōng")] == ["lv", "nv", "lve", "jue", "zhong"]


def test_real_lexicon_holds_words_characters_and_readings():
    lex = lexmod.shared()
    w = lex.words
    words = {w.word(i) for i in w.lookup(key("lv", "hua"), 1)}
    assert "绿化" in words                                   # ü readings with tone marks
    assert {"了"} <= {w.word(i) for i in w.lookup(key("liao"), 0)}   # every reading typeable
    le = [w.word(i) for i in w.lookup(key("le"), 0)]
    assert le[0] == "了"
    liao = {w.word(i): w.scores[i] for i in w.lookup(key("liao"), 0)}
    assert liao["了"] < w.scores[w.lookup(key("le"), 0)[0]]  # 了 is mostly le
    assert lex.bigram.score("太", "近") > lex.bigram.score("太", "亓")
    assert len(w) > 300_000


@pytest.mark.slow
def test_build_in_a_child_process_writes_a_cache_that_loads(tmp_path):
    # what the first start after an install does (the user cache usually exists here)
    from kiosk.ime.sources import fingerprint

    lexmod._build_into(tmp_path / "lexicon.bin")
    built = read(tmp_path / "lexicon.bin", fingerprint(lexmod.FORMAT))
    assert built is not None and len(built.words) == len(lexmod.shared().words)
    assert built.words.text == lexmod.shared().words.text
