"""Mandarin syllables and the splitter that turns typed letters into them.

A pinyin keyboard receives a run of letters ("woxiangfanying") and the conversion
library (Pinyin2Hanzi) wants syllables (["wo", "xiang", "fan", "ying"]). This module
holds the table of every valid toneless syllable of Standard Mandarin and enumerates
the ways a letter string can be cut into them, best first.

Conventions a resident's typing follows (those of every common Chinese IME):
- ``v`` types ü: ``lv`` 绿, ``nv`` 女, ``lve``/``lue`` 略;
- an apostrophe forces a boundary: ``xi'an`` 西安 versus ``xian`` 先;
- the last syllable may still be incomplete while typing (``woxiangfany``); the split
  then ends with a *partial* syllable that callers expand to its completions.

Interjection syllables without a vowel (m, n, ng, hm, hng) are left out on purpose: in
a letter string they would split almost anything ("n" + "an") and nobody types them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from kiosk.config.ui import PINYIN_FUZZY_PAIRS

# The syllable table of Hanyu Pinyin (toneless), grouped by initial. Source: the
# standard pinyin table (GB/T 16159 / the Xinhua Zidian syllable index); ü is written
# v as typed on a keyboard. tests/media/test_media_ime_split.py checks every entry
# against the conversion library's character data.
_TABLE = """
a ai an ang ao e ei en eng er o ou
ba bai ban bang bao bei ben beng bi bian biao bie bin bing bo bu
pa pai pan pang pao pei pen peng pi pian piao pie pin ping po pou pu
ma mai man mang mao me mei men meng mi mian miao mie min ming miu mo mou mu
fa fan fang fei fen feng fo fou fu
da dai dan dang dao de dei den deng di dia dian diao die ding diu dong dou du duan dui dun duo
ta tai tan tang tao te teng ti tian tiao tie ting tong tou tu tuan tui tun tuo
na nai nan nang nao ne nei nen neng ni nian niang niao nie nin ning niu nong nou nu nuan nuo nv nve
la lai lan lang lao le lei leng li lia lian liang liao lie lin ling liu lo long lou lu luan lun luo lv lve
ga gai gan gang gao ge gei gen geng gong gou gu gua guai guan guang gui gun guo
ka kai kan kang kao ke kei ken keng kong kou ku kua kuai kuan kuang kui kun kuo
ha hai han hang hao he hei hen heng hong hou hu hua huai huan huang hui hun huo
ji jia jian jiang jiao jie jin jing jiong jiu ju juan jue jun
qi qia qian qiang qiao qie qin qing qiong qiu qu quan que qun
xi xia xian xiang xiao xie xin xing xiong xiu xu xuan xue xun
zha zhai zhan zhang zhao zhe zhei zhen zheng zhi zhong zhou zhu zhua zhuai zhuan zhuang zhui zhun zhuo
cha chai chan chang chao che chen cheng chi chong chou chu chua chuai chuan chuang chui chun chuo
sha shai shan shang shao she shei shen sheng shi shou shu shua shuai shuan shuang shui shun shuo
ran rang rao re ren reng ri rong rou ru rua ruan rui run ruo
za zai zan zang zao ze zei zen zeng zi zong zou zu zuan zui zun zuo
ca cai can cang cao ce cen ceng ci cong cou cu cuan cui cun cuo
sa sai san sang sao se sen seng si song sou su suan sui sun suo
ya yan yang yao ye yi yin ying yo yong you yu yuan yue yun
wa wai wan wang wei wen weng wo wu
"""

SYLLABLES: frozenset[str] = frozenset(_TABLE.split())
"""Every valid syllable in its standard typed spelling (ü as v)."""

SYLLABLE_IDS: dict[str, int] = {s: i for i, s in enumerate(sorted(SYLLABLES), 1)}
"""Syllable → 1…410 in alphabetical order: the lexicon packs up to 7 of them, 9 bits
each, into one integer key (:mod:`kiosk.ime.lexicon`); 0 means "no syllable"."""

# Typed spellings accepted besides the table's: "lue"/"nue" for lüe is what most
# people type (IMEs accept both).
ALIASES: dict[str, str] = {"lue": "lve", "nue": "nve"}

_TYPED = SYLLABLES | frozenset(ALIASES)
_PREFIXES: frozenset[str] = frozenset(s[:i] for s in _TYPED for i in range(1, len(s)))
_LONGEST = max(len(s) for s in _TYPED)
_MAX_SPLITS = 24  # per suffix; keeps pathological inputs ("aaaaaaaa…") cheap


def canonical(syllable: str) -> str:
    """The table spelling of a typed syllable (``lue`` → ``lve``); others unchanged."""
    return ALIASES.get(syllable, syllable)


def completions(fragment: str) -> list[str]:
    """Every syllable that starts with *fragment* (itself included when valid), sorted."""
    return sorted(s for s in SYLLABLES if s.startswith(canonical(fragment)) or s.startswith(fragment))


@dataclass(frozen=True)
class Split:
    """One way to cut the typed letters into syllables.

    ``syllables`` are canonical spellings; ``ends[k]`` is how many characters of the
    typed string (apostrophes included) are covered up to and including syllable k,
    so a candidate covering the first k+1 syllables consumes ``ends[k]`` characters.
    ``partial`` is true when the last syllable is an incomplete prefix (e.g. "zh").
    """

    syllables: tuple[str, ...]
    ends: tuple[int, ...]
    partial: bool = False

    @property
    def consumed(self) -> int:
        """Characters of the typed string this split covers."""
        return self.ends[-1] if self.ends else 0

    @property
    def rank(self) -> tuple[bool, int]:
        """Sort key: complete before partial, then fewer syllables (longest match)."""
        return (self.partial, len(self.syllables))


def normalize(letters: str) -> str:
    """Lower-case *letters*; keep a-z and apostrophes, collapse repeated apostrophes."""
    out = []
    for ch in letters.lower():
        if "a" <= ch <= "z" or (ch == "'" and out and out[-1] != "'"):
            out.append(ch)
    return "".join(out)


def split_pinyin(letters: str) -> list[Split]:
    """All plausible splits of typed *letters* into syllables, best first.

    Letters are first :func:`normalize`-d (so ``ends`` refer to the normalized text;
    callers should pass normalized text when they use ``ends``). When the whole string
    cannot be split (a stray letter such as "i" after a syllable), the splits of the
    longest prefix that can be are returned; their ``consumed`` is then shorter than
    the input. An empty list means not even the first letter starts a syllable.
    """
    text = normalize(letters)
    if not text:
        return []
    for stop in range(len(text), 0, -1):
        found = _splits(text, 0, stop)
        if found:
            return [Split(tuple(canonical(s) for s in syl), ends, partial)
                    for syl, ends, partial in found]
    return []


@lru_cache(maxsize=512)
def _splits(text: str, start: int, stop: int) -> tuple:
    """Splits of text[start:stop] as (syllables, ends, partial) tuples, best first."""
    i = start
    while i < stop and text[i] == "'":
        i += 1
    if i == stop:
        return ((), (), False),
    found = []
    for j in range(min(stop, i + _LONGEST), i, -1):
        piece = text[i:j]
        if "'" in piece:
            continue
        nxt = j
        while nxt < stop and text[nxt] == "'":
            nxt += 1  # a following apostrophe belongs to this syllable's pick
        if piece in _TYPED:
            for syl, ends, partial in _splits(text, nxt, stop):
                found.append(((piece,) + syl, (nxt,) + ends, partial))
        elif piece in _PREFIXES and nxt == stop:
            found.append(((piece,), (nxt,), True))
    found.sort(key=lambda f: (f[2], len(f[0])))
    return tuple(found[:_MAX_SPLITS])


# Sounds that many dialect speakers do not tell apart (the "fuzzy pinyin" of common
# IMEs): flat/retroflex initials, n/l, and front/back nasal finals. Each pair is named
# "a-b" in the config (kiosk.config.ui.PINYIN_FUZZY_PAIRS, docs/config.md).
FUZZY_PAIRS: dict[str, tuple[str, str]] = {name: tuple(name.split("-")) for name in PINYIN_FUZZY_PAIRS}
"""Config names of the fuzzy pairs → the two spellings: "z-zh" → ("z", "zh"), …"""
FUZZY_INITIALS = tuple(p for p in FUZZY_PAIRS.values() if p[0][0] not in "aeiou")
FUZZY_FINALS = tuple(p for p in FUZZY_PAIRS.values() if p[0][0] in "aeiou")


def fuzzy_alternatives(syllable: str, pairs: frozenset[str] | None = None) -> list[str]:
    """Valid syllables a dialect speaker may have meant by *syllable* (itself excluded),
    e.g. ``zan`` → ``zang``, ``zhan``, ``zhang``; ``nu`` → ``lu``. *pairs* limits the
    confusions to those named (see :data:`FUZZY_PAIRS`); None means all of them."""
    def wanted(pair):
        return pairs is None or any(FUZZY_PAIRS[name] == pair for name in pairs)

    initials = {syllable}
    for a, b in filter(wanted, FUZZY_INITIALS):
        for x, y in ((a, b), (b, a)):
            if syllable.startswith(x) and not (x == "z" and syllable.startswith(("zh",))) \
                    and not (x in ("c", "s") and syllable.startswith(x + "h")):
                initials.add(y + syllable[len(x):])
    out = set(initials)
    for cand in initials:
        for a, b in filter(wanted, FUZZY_FINALS):
            for x, y in ((a, b), (b, a)):
                if cand.endswith(x) and not (x in ("an", "en", "in") and cand.endswith(x + "g")):
                    out.add(cand[: -len(x)] + y)
    out.discard(syllable)
    return sorted(s for s in out if s in SYLLABLES)
