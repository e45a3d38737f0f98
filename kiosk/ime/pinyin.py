"""The pinyin engine behind the on-screen keyboard: typed letters → Chinese candidates.

The conversion itself is Pinyin2Hanzi's DAG search over its phrase and character
frequency data (PyPI ``Pinyin2Hanzi``, data included); this module adds what the
library leaves to its caller:

- cutting the typed letters into syllables (:mod:`kiosk.ime.syllables`), trying the
  ambiguous cuts ("fangan" = fang'an 方案 or fan'gan 反感) and expanding an incomplete
  last syllable ("woxiangfany" → …ying, …yi, …);
- a complaint-domain word list (:mod:`kiosk.ime.domain`) that puts 反映 before 反应 and
  坏了 before 怀了, and supplies words the library lacks;
- partial candidates: a phrase for the first few syllables and the single characters of
  the first syllable, each saying how many typed characters it covers
  (:attr:`Candidate.consumed`) so picking one leaves the rest of the letters to convert.

The library's data (about 23 MB of JSON) is loaded once per process, on first use or
by :meth:`PinyinEngine.warm` from a worker thread; ``tests/bench/bench_ime.py`` prints
the load time and per-keystroke latency.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Iterable

from kiosk.ime.domain import domain_words
from kiosk.ime.syllables import Split, completions, fuzzy_alternatives, split_pinyin

PATHS = 5          # paths kept per DAG node; the library's own example uses 3-6
SENTENCES = 3      # whole-input candidates shown before partial ones
WEAK = 0.1         # a whole-input conversion scoring below this share of the best is noise
BOOST = 1.5        # a domain word scores this much above the best library homophone
DEFAULT_SCORE = 0.2  # score for a domain word whose pinyin the library does not know
MAX_SPLITS = 4     # equally good splits converted per keystroke
FUZZY_PENALTY = 0.3  # score factor per syllable read with a dialect substitution
FUZZY_MAX = 2        # syllables substituted at most in one reading
FUZZY_VARIANTS = 24  # readings tried per split

_lock = threading.Lock()
_base = None  # Pinyin2Hanzi.DefaultDagParams, shared by every engine in the process


def _library():
    """The library's DAG data, loaded once per process (thread-safe)."""
    global _base
    if _base is None:
        with _lock:
            if _base is None:
                from Pinyin2Hanzi import DefaultDagParams
                _base = DefaultDagParams()
    return _base


def lib_key(syllable: str) -> str:
    """The library's spelling of a syllable: üe is written "ve" (jue → jve, lve stays)."""
    return syllable.replace("ue", "ve")


@dataclass(frozen=True)
class Candidate:
    """One choice in the candidate bar.

    ``consumed`` is how many characters of the typed string (as passed to
    :meth:`PinyinEngine.candidates`, apostrophes included) this text replaces; the
    keyboard keeps ``letters[consumed:]`` as the new input after a pick.
    """

    text: str
    consumed: int


def _make_params(base, words: Iterable[tuple[str, tuple[str, ...]]]):
    """A DAG-params object: the library's data with *words* ranked first."""
    from Pinyin2Hanzi import AbstractDagParams

    table: dict[str, list[str]] = {}
    for word, syllables in words:
        key = ",".join(lib_key(s) for s in syllables)
        if word not in table.setdefault(key, []):
            table[key].append(word)

    class DomainDagParams(AbstractDagParams):
        """Pinyin2Hanzi DAG params whose phrase lookup puts domain words first."""

        def get_phrase(self, pinyin_list, num=6):
            found = base.get_phrase(pinyin_list, num=num)
            preferred = table.get(",".join(pinyin_list))
            if not preferred:
                return found
            top = max((score for _, score in found), default=DEFAULT_SCORE)
            rest = [e for e in found if e[0] not in preferred]
            return ([[w, top * BOOST] for w in preferred] + rest)[:num]

    return DomainDagParams()


def _positions(letters: str) -> tuple[str, list[int]]:
    """Normalize like :func:`kiosk.ime.syllables.normalize`, remembering where each
    kept character was in *letters* (so ``consumed`` can refer to the caller's text)."""
    text, pos = [], []
    for i, ch in enumerate(letters):  # per character: str.lower() can change lengths
        ch = ch.lower() if ch.isascii() else ch
        if "a" <= ch <= "z" or (ch == "'" and text and text[-1] != "'"):
            text.append(ch)
            pos.append(i)
    return "".join(text), pos


class PinyinEngine:
    """Typed pinyin letters → ranked Chinese candidates. Construction is free;
    the dictionary loads on first use (or :meth:`warm`)."""

    def __init__(self, extra_words: Iterable[tuple[str, Iterable[str]]] = (), *, domain: bool = True,
                 fuzzy: bool = False):
        """*extra_words*: more ``(word, syllables)`` to rank first; *domain*: False leaves
        out the built-in complaint word list (the library's own ranking, for comparison);
        *fuzzy*: also read what a dialect speaker may have meant (z/zh, c/ch, s/sh, n/l,
        an/ang, en/eng, in/ing — "nudeng" offers 路灯), ranked below exact readings."""
        self.fuzzy = fuzzy
        self._words = (domain_words() if domain else []) + [(w, tuple(s)) for w, s in extra_words]
        self._params = None

    def warm(self) -> None:
        """Load the dictionary now (about 0.3-1 s); call from a worker thread at start-up."""
        self._get_params()

    @property
    def ready(self) -> bool:
        """True once the dictionary is loaded (before that, the first ``candidates()``
        call loads it, blocking for the load time)."""
        return self._params is not None or _base is not None

    def _get_params(self):
        if self._params is None:
            self._params = _make_params(_library(), self._words)
        return self._params

    def split(self, letters: str) -> list[Split]:
        """The syllable splits of *letters*, best first (see :func:`split_pinyin`)."""
        return split_pinyin(letters)

    def candidates(self, letters: str, limit: int = 9) -> list[Candidate]:
        """Up to *limit* candidates for the typed *letters*, best first.

        Order: conversions of all the letters (the best few), a whole-input word from an
        alternative split (e.g. 西安 for "xian"), phrases covering the first syllables,
        then single characters of the first syllable. Letters other than a-z and
        apostrophes are ignored; an empty list means nothing could be converted.
        """
        if limit <= 0:
            return []
        text, pos = _positions(letters)
        splits = split_pinyin(text)
        if not splits:
            return []
        params = self._get_params()

        def consumed(end: int) -> int:
            # index in the caller's string just after the covered letters, swallowing
            # separators that follow them (apostrophes, spaces)
            i = pos[end - 1] + 1
            while i < len(letters) and (letters[i] == "'" or letters[i].isspace()):
                i += 1
            return i

        best = splits[0]
        primary = [s for s in splits if s.rank == best.rank][:MAX_SPLITS]
        sentences = self._convert(params, primary)
        alternatives = []
        if not best.partial:
            others = [s for s in splits if s.rank != best.rank and not s.partial][:MAX_SPLITS]
            alternatives = [t for t, n in self._convert(params, others) if n == 1][:2]

        whole = consumed(best.consumed)
        out: list[Candidate] = [Candidate(t, whole) for t, _ in sentences[:SENTENCES]]
        out += [Candidate(t, whole) for t in alternatives]
        out += self._prefix_phrases(params, best, consumed)
        out += [Candidate(t, consumed(best.ends[0])) for t in self._first_chars(params, best, limit)]
        out += [Candidate(t, whole) for t, _ in sentences[SENTENCES:]]

        seen, result = set(), []
        for c in out:
            if c.text not in seen:
                seen.add(c.text)
                result.append(c)
                if len(result) == limit:
                    break
        return result

    def _convert(self, params, splits: list[Split]) -> list[tuple[str, int]]:
        """Whole-split conversions as ``(text, number of words)``, best score first;
        those far below the best (e.g. 路灯淮了 next to 路灯坏了) are dropped."""
        from Pinyin2Hanzi import dag

        scored: list[tuple[float, str, int]] = []
        for sp in splits:
            for syllables in _expand(sp):
                # dialect readings only for complete input: an incomplete last syllable
                # already multiplies the work by its completions (~20)
                readings = [(syllables, 0)] if sp.partial else self._readings(syllables, len(syllables))
                for reading, changed in readings:
                    weight = FUZZY_PENALTY ** changed
                    for item in dag(params, [lib_key(s) for s in reading], path_num=PATHS):
                        scored.append((item.score * weight, "".join(item.path), len(item.path)))
        scored.sort(key=lambda x: -x[0])
        seen, out = set(), []
        for score, text, words in scored:
            if score < WEAK * scored[0][0]:
                break
            if text not in seen:
                seen.add(text)
                out.append((text, words))
        return out

    def _readings(self, syllables: tuple[str, ...], fuzzable: int) -> list[tuple[tuple[str, ...], int]]:
        """(syllables, number substituted): the typed reading, then, with *fuzzy*,
        dialect readings of the first *fuzzable* syllables, fewest substitutions first."""
        out = [(syllables, 0)]
        if not self.fuzzy:
            return out
        frontier = [(syllables, 0, 0)]  # reading, changed, first position still free
        while frontier and len(out) < FUZZY_VARIANTS:
            nxt = []
            for reading, changed, start in frontier:
                if changed == FUZZY_MAX:
                    continue
                for i in range(start, fuzzable):
                    for alt in fuzzy_alternatives(reading[i]):
                        variant = reading[:i] + (alt,) + reading[i + 1:]
                        nxt.append((variant, changed + 1, i + 1))
                        out.append((variant, changed + 1))
            frontier = nxt
        return out[:FUZZY_VARIANTS]

    def _prefix_phrases(self, params, sp: Split, consumed) -> list[Candidate]:
        """Words covering the first k syllables (longest first), for a partial pick."""
        out = []
        for k in range(len(sp.syllables) - 1, 1, -1):  # all complete, even when sp is partial
            for word, _ in params.get_phrase([lib_key(s) for s in sp.syllables[:k]], num=2):
                out.append(Candidate(word, consumed(sp.ends[k - 1])))
            if len(out) >= 3:
                break
        return out[:3]

    def _first_chars(self, params, sp: Split, limit: int) -> list[str]:
        """Single characters for the first syllable (all its completions if partial)."""
        first = sp.syllables[0]
        options = completions(first) if (sp.partial and len(sp.syllables) == 1) else [first]
        scored = []
        for syl in options:
            scored += [(score, ch) for ch, score in params.get_phrase([lib_key(syl)], num=limit)]
        scored.sort(key=lambda x: -x[0])
        return [ch for _, ch in scored[:limit]]


def _expand(sp: Split) -> list[tuple[str, ...]]:
    """The syllable lists a split stands for: itself, or one per completion of its
    incomplete last syllable."""
    if not sp.partial:
        return [sp.syllables]
    head = sp.syllables[:-1]
    return [head + (c,) for c in completions(sp.syllables[-1])]
