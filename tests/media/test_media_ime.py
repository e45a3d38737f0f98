"""The pinyin engine: the real lexicon (jieba, pypinyin, Pinyin2Hanzi), domain words, partial picks."""

from __future__ import annotations

import pytest

from kiosk.ime.domain import domain_words
from kiosk.ime.pinyin import Candidate, PinyinEngine


@pytest.fixture(scope="module")
def engine():
    e = PinyinEngine()
    e.warm()
    return e


def texts(cands):
    return [c.text for c in cands]


def test_woxiangfanying_offers_the_phrase_in_the_first_three(engine):
    top = engine.candidates("woxiangfanying")[:3]
    assert Candidate("我想反映", 14) in top


def test_ludenghuaile_offers_the_phrase_in_the_first_three(engine):
    top = engine.candidates("ludenghuaile")[:3]
    assert Candidate("路灯坏了", 12) in top


def test_domain_words_rerank_homophones(engine):
    plain = PinyinEngine(domain=False)
    # the lexicon alone prefers general-text words (jieba counts 反应 7,652 times,
    # 反映 6,618; 违建 is rarer than 围歼 and 未见; 占道 has 4) …
    for typed, general in (("fanying", "反应"), ("weijian", "围歼"), ("zhandao", "占到")):
        assert plain.candidates(typed)[0].text == general
    # … the complaint word list puts the residents' words first
    for typed, resident in (("fanying", "反映"), ("weijian", "违建"), ("zhandao", "占道")):
        assert engine.candidates(typed)[0].text == resident
    assert engine.candidates("ludenghuaile")[0].text == "路灯坏了"
    assert engine.candidates("jinggai")[0].text == "井盖"
    assert engine.candidates("zaoyin")[0].text == "噪音"


def test_far_weaker_conversions_are_left_out(engine):
    # [路灯][淮][了] scores a tenth of 路灯坏了: noise, so the bar shows 路灯 instead
    got = texts(engine.candidates("ludenghuaile"))
    assert "路灯淮了" not in got and got.index("路灯") < 4


def test_extra_words_are_ranked_first():
    e = PinyinEngine(extra_words=[("民意站", ("min", "yi", "zhan"))])
    assert e.candidates("minyizhan")[0] == Candidate("民意站", 9)


def test_every_domain_word_matches_pypinyin_readings():
    # pypinyin's character table is independent evidence: a typo (or a reading the
    # character does not have) cannot slip into the hand-written list
    from pypinyin.pinyin_dict import pinyin_dict

    from kiosk.ime.build import toneless
    from kiosk.ime.syllables import canonical
    for word, syllables in domain_words():
        for ch, syl in zip(word, syllables):
            readings = {toneless(r) for r in pinyin_dict[ord(ch)].split(",")}
            assert canonical(syl) in readings, f"{word}: {ch} is not read {syl} ({sorted(readings)})"


def test_domain_word_list_rejects_a_bad_line():
    with pytest.raises(ValueError, match="line 2"):
        domain_words("路灯 lu deng\n反映 fan\n")


def test_partial_picks_say_what_they_cover(engine):
    cands = engine.candidates("woxiangfanying")
    assert Candidate("我想", 7) in cands          # first two syllables
    assert Candidate("我", 2) in cands            # single character of the first syllable
    assert all(c.consumed in (2, 7, 14) for c in cands)


def test_typing_session_with_a_partial_pick(engine):
    typed, out = "woxiangfanying", ""
    pick = next(c for c in engine.candidates(typed) if c.text == "我想")
    out, typed = out + pick.text, typed[pick.consumed:]
    assert typed == "fanying"
    pick = engine.candidates(typed)[0]
    out, typed = out + pick.text, typed[pick.consumed:]
    assert (out, typed) == ("我想反映", "")


def test_incomplete_last_syllable_is_completed(engine):
    assert Candidate("我想反映", 11) in engine.candidates("woxiangfany")[:3]
    singles = texts(engine.candidates("zh"))
    assert "中" in singles and "这" in singles
    assert all(c.consumed == 2 for c in engine.candidates("zh"))


def test_ambiguous_split_alternatives(engine):
    assert "西安" in texts(engine.candidates("xian"))
    assert engine.candidates("xian")[0].text != "西安"   # longest match first: 先/现/线…
    assert engine.candidates("xi'an")[0] == Candidate("西安", 5)
    assert Candidate("西", 3) in engine.candidates("xi'an")   # pick 西 leaves "an"
    assert {"方案", "反感"} <= set(texts(engine.candidates("fangan")[:3]))


def test_long_sentence(engine):
    c = engine.candidates("xiaoqudelajimeirenguan")[0]
    assert c == Candidate("小区的垃圾没人管", 22)


def test_consumed_refers_to_the_callers_string(engine):
    assert engine.candidates("Wo Xiang")[0] == Candidate("我想", 8)
    assert Candidate("我", 3) in engine.candidates("wo xiang")   # the space goes with 我
    assert engine.candidates("İwo")[0] == Candidate("我", 3)     # İ.lower() is 2 characters
    assert all(c.consumed == 2 for c in engine.candidates("wo1"))  # a digit is not swallowed
    # a letter that starts no syllable is left for the resident to fix
    assert all(c.consumed == 2 for c in engine.candidates("woi"))


def test_limits_and_empty_input(engine):
    assert len(engine.candidates("woxiangfanying", limit=4)) == 4
    assert len(engine.candidates("wo", limit=20)) == 20
    assert engine.candidates("woxiangfanying", limit=0) == []
    assert engine.candidates("") == []
    assert engine.candidates("'''") == []
    assert engine.candidates("iii") == []
    assert engine.candidates("123") == []
    shi = texts(engine.candidates("shi", limit=30))
    assert all(shi) and len(shi) == len(set(shi)) == 30   # no empty or repeated choice


def test_lexicon_loads_lazily_and_once_without_its_sources():
    import subprocess
    import sys
    # the sources (jieba's dict, pypinyin's tables: ~100 MB in memory) are read only by
    # the child process that builds the cache, never by the kiosk process
    code = ("import sys\n"
            "from kiosk.ime import lexicon\n"
            "from kiosk.ime.pinyin import PinyinEngine\n"
            "e = PinyinEngine()\n"
            "assert not e.ready and not lexicon.is_loaded()\n"
            "e.candidates('wo')\n"
            "assert e.ready and PinyinEngine().ready\n"
            "assert lexicon.shared() is lexicon.shared()\n"
            "assert not {'jieba', 'pypinyin'} & set(sys.modules), sorted(sys.modules)\n"
            "print('ok')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert out.stdout.strip() == "ok", out.stderr


def test_fuzzy_pinyin_for_dialect_speakers(engine):
    fuzzy = PinyinEngine(fuzzy=True)
    # n/l: many southern speakers type "nu" for 路
    assert "路灯" not in texts(engine.candidates("nudeng"))
    assert fuzzy.candidates("nudeng")[0] == Candidate("路灯", 6)
    assert fuzzy.candidates("najifenlei")[0].text == "垃圾分类"
    # exact readings keep their place
    for typed in ("woxiangfanying", "ludenghuaile", "zaoyin"):
        assert fuzzy.candidates(typed)[0] == engine.candidates(typed)[0]


def test_fuzzy_pairs_are_chosen_one_by_one():
    only_nl = PinyinEngine(fuzzy=["n-l"])
    assert only_nl.candidates("nudeng")[0] == Candidate("路灯", 6)
    assert "路灯" not in texts(PinyinEngine(fuzzy=["z-zh", "c-ch", "s-sh"]).candidates("nudeng"))
    assert PinyinEngine(fuzzy=["c-ch"]).candidates("cifan")[0].text == "吃饭"
    assert PinyinEngine().candidates("cifan")[0].text != "吃饭"
    with pytest.raises(ValueError, match="z-x"):
        PinyinEngine(fuzzy=["z-x"])


def test_config_names_the_fuzzy_pairs(write_config):
    from kiosk import config as configmod
    from kiosk.app.services.text_input import InputService

    cfg = configmod.load(write_config('[ui]\npinyin_fuzzy = ["z-zh", "c-ch", "s-sh", "n-l"]\n'))
    assert cfg.ui.pinyin_fuzzy == ("z-zh", "c-ch", "s-sh", "n-l")
    assert InputService(fuzzy=cfg.ui.pinyin_fuzzy).pinyin().pairs == {"z-zh", "c-ch", "s-sh", "n-l"}
    assert InputService().pinyin().pairs is None            # default: exact pinyin only
    with pytest.raises(configmod.ConfigError) as e:
        configmod.load(write_config('[ui]\npinyin_fuzzy = ["zh-ch"]\n'))
    assert e.value.key == "ui.pinyin_fuzzy" and "zh-ch" in str(e.value)
