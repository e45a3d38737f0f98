"""The syllable splitter: the table, ambiguous cuts, incomplete and unsplittable input."""

from __future__ import annotations

import json
import random
from pathlib import Path

import Pinyin2Hanzi

from kiosk.ime.syllables import SYLLABLES, completions, split_pinyin

# The library's character data: independent evidence of which syllables exist.
LIB_CHARS = json.loads((Path(Pinyin2Hanzi.__file__).parent / "data" / "dag_char.json").read_text("utf-8"))


def lib(s: str) -> str:
    return s.replace("ue", "ve")


def best(text: str) -> tuple[str, ...]:
    return split_pinyin(text)[0].syllables


def test_table_matches_the_library_data():
    # every syllable in our table has characters in the library, except two the
    # library's data lacks (鞥 eng, 挼 rua) …
    missing = sorted(s for s in SYLLABLES if lib(s) not in LIB_CHARS)
    assert missing == ["eng", "rua"]
    # … and every real syllable the library knows is in our table (its data also has
    # bare initials, "null", and the non-standard fiao/nun)
    ours = {lib(s) for s in SYLLABLES}
    extra = sorted(k for k in LIB_CHARS if k not in ours and k.isascii()
                   and any(v in k for v in "aeiouv") and k not in ("null", "fiao", "nun"))
    assert extra == []
    assert len(SYLLABLES) == 410


def test_longest_match_first():
    assert best("woxiangfanying") == ("wo", "xiang", "fan", "ying")
    assert best("ludenghuaile") == ("lu", "deng", "huai", "le")
    assert best("xianzai") == ("xian", "zai")
    assert best("zhongguo") == ("zhong", "guo")


def test_ambiguous_splits_are_all_offered():
    xian = [s.syllables for s in split_pinyin("xian")]
    assert xian[0] == ("xian",)
    assert ("xi", "an") in xian
    fangan = split_pinyin("fangan")
    # fang'an (方案) and fan'gan (反感): equally long, both complete → same rank
    assert {fangan[0].syllables, fangan[1].syllables} == {("fang", "an"), ("fan", "gan")}
    assert fangan[0].rank == fangan[1].rank


def test_apostrophe_forces_a_boundary():
    sp = split_pinyin("xi'an")
    assert sp[0].syllables == ("xi", "an")
    assert not any(s.syllables == ("xian",) for s in sp)
    # the apostrophe belongs to the syllable before it
    assert sp[0].ends == (3, 5)


def test_incomplete_last_syllable():
    sp = split_pinyin("woxiangfany")[0]
    assert sp.syllables == ("wo", "xiang", "fan", "y") and sp.partial
    assert sp.consumed == 11
    assert "ying" in completions("y") and "zhong" in completions("zh")
    # a complete split always ranks before a partial one
    assert not split_pinyin("xian")[0].partial


def test_unsplittable_tail_is_left_over():
    sp = split_pinyin("woi")[0]
    assert sp.syllables == ("wo",) and sp.consumed == 2
    assert split_pinyin("iii") == []
    assert split_pinyin("") == []
    assert split_pinyin("123 !") == []


def test_typed_spellings_of_u_umlaut():
    assert best("lue") == ("lve",)
    assert best("nvren") == ("nv", "ren")
    assert best("lvhua") == ("lv", "hua")


def test_case_and_stray_characters_are_normalized():
    assert best("WoXiang") == ("wo", "xiang")
    assert best("wo xiang") == ("wo", "xiang")


def test_random_syllable_strings_round_trip():
    rng = random.Random(6)
    table = sorted(SYLLABLES)
    for _ in range(300):
        syl = tuple(rng.choice(table) for _ in range(rng.randint(1, 6)))
        # with apostrophes the split is exact
        assert best("'".join(syl)) == syl
        # without them every split re-joins to exactly the typed letters
        typed = "".join(syl)
        for s in split_pinyin(typed):
            assert s.consumed == len(typed)
            assert "".join(s.syllables) == typed


def test_pathological_input_is_bounded():
    sp = split_pinyin("a" * 60)
    assert 1 <= len(sp) <= 24
    assert all(s.consumed == 60 for s in sp)


def test_fuzzy_alternatives():
    from kiosk.ime.syllables import fuzzy_alternatives
    assert fuzzy_alternatives("zan") == ["zang", "zhan", "zhang"]
    assert fuzzy_alternatives("nu") == ["lu"]
    assert fuzzy_alternatives("ying") == ["yin"]
    assert fuzzy_alternatives("chuan") == ["chuang", "cuan"]
    assert fuzzy_alternatives("e") == []
    rng = random.Random(3)
    for s in rng.sample(sorted(SYLLABLES), 100):  # always valid, never itself
        alts = fuzzy_alternatives(s)
        assert s not in alts and set(alts) <= SYLLABLES
