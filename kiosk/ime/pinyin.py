"""The pinyin engine behind the on-screen keyboard: typed letters → Chinese candidates.

The model (docs/media.md, "Chinese text entry"): a word lattice over the typed letters
(:mod:`kiosk.ime.lattice`) scored with jieba's word frequencies, pypinyin's readings
and a character bigram for context (:mod:`kiosk.ime.build`, cached by
:mod:`kiosk.ime.lexicon`), plus the complaint domain's words (:mod:`kiosk.ime.domain`).
This module turns the lattice's best paths into the candidate bar:

- up to three conversions of everything typed;
- partial candidates, each saying how many typed characters it covers
  (:attr:`Candidate.consumed`) so picking one leaves the rest of the letters to convert:
  the best conversion without its last word, the words starting at the first letter
  (longest first), the single characters of the first syllable;
- then more whole conversions (another cut of the letters: 西安 for "xian").

The lexicon loads once per process, on first use or by :meth:`PinyinEngine.warm` from
a worker thread; ``tests/bench/bench_ime.py`` prints load time, memory and
per-keystroke latency, ``python -m kiosk.ime.measure`` the sentence figures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable

from kiosk.ime import lexicon as _lexicon
from kiosk.ime.domain import domain_words, score_words
from kiosk.ime.lattice import (EdgeCache, Path, best_paths, rank_first_words, suffix_scores, syllable_edges,
                               word_edges)
from kiosk.ime.syllables import FUZZY_PAIRS, Split, split_pinyin

SENTENCES = 3      # whole-input candidates shown before partial ones
PREFIX_WORDS = 2   # words from the first letter shown before single characters
RIVALS = 2         # conversions compared with the best for partial picks (_head_of_best)
OTHER_CUTS = 2     # whole-input words from another cut of the letters (西安 for "xian")
WEAK = math.log(0.02)  # a 2nd/3rd conversion below 1/50 of the best's probability is noise


@dataclass(frozen=True)
class Candidate:
    """One choice in the candidate bar.

    ``consumed`` is how many characters of the typed string (as passed to
    :meth:`PinyinEngine.candidates`, apostrophes included) this text replaces; the
    keyboard keeps ``letters[consumed:]`` as the new input after a pick.
    """

    text: str
    consumed: int


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


def fuzzy_pairs(fuzzy: bool | Iterable[str]) -> frozenset[str] | None:
    """The engine's *fuzzy* argument → the confusion pairs for the lattice: True = all,
    False or empty = none (returns None), names such as "z-zh" = those. ValueError
    names an unknown pair."""
    if fuzzy is True:
        return frozenset(FUZZY_PAIRS)
    names = frozenset(fuzzy or ())
    unknown = sorted(names - set(FUZZY_PAIRS))
    if unknown:
        raise ValueError(f"unknown fuzzy pinyin pair(s) {', '.join(unknown)}: expected some of "
                         f"{', '.join(FUZZY_PAIRS)}")
    return names or None


class PinyinEngine:
    """Typed pinyin letters → ranked Chinese candidates. Construction is free;
    the lexicon loads on first use (or :meth:`warm`)."""

    def __init__(self, extra_words: Iterable[tuple[str, Iterable[str]]] = (), *, domain: bool = True,
                 fuzzy: bool | Iterable[str] = False):
        """*extra_words*: more ``(word, syllables)`` to rank like domain words; *domain*:
        False leaves out the built-in complaint word list (the lexicon's own ranking,
        for comparison); *fuzzy*: also read what a dialect speaker may have meant —
        True for every pair, or the pairs named as in the config ("z-zh", "c-ch",
        "s-sh", "n-l", "an-ang", "en-eng", "in-ing"): "nudeng" offers 路灯, ranked below
        exact readings."""
        self.pairs = fuzzy_pairs(fuzzy)
        self.fuzzy = self.pairs is not None
        self._words = (domain_words() if domain else []) + [(w, tuple(s)) for w, s in extra_words]
        self._tables = None

    def warm(self) -> None:
        """Load the lexicon now (≈0.1 s from the cache; the first start after an install
        builds the cache, about 25 s here); call from a worker thread at start-up."""
        self._get_tables()

    @property
    def ready(self) -> bool:
        """True once the lexicon is loaded (before that, the first ``candidates()``
        call loads it, blocking for the load time)."""
        return self._tables is not None or _lexicon.is_loaded()

    def _get_tables(self):
        if self._tables is None:
            lex = _lexicon.shared()
            tables = [score_words(self._words, lex), lex.words]
            self._tables = (lex, tables, EdgeCache(tables))
        return self._tables

    def split(self, letters: str) -> list[Split]:
        """The syllable splits of *letters*, best first (see :func:`split_pinyin`)."""
        return split_pinyin(letters)

    def candidates(self, letters: str, limit: int = 9) -> list[Candidate]:
        """Up to *limit* candidates for the typed *letters*, best first (order: see the
        module docstring). Letters other than a-z and apostrophes are ignored; a tail
        that starts no syllable is left unconverted (``consumed`` stops before it); an
        empty list means nothing could be converted."""
        if limit <= 0:
            return []
        text, pos = _positions(letters)
        syllables = syllable_edges(text, self.pairs)
        if 0 not in syllables:
            return []

        def consumed(end: int) -> int:
            # index in the caller's string just after the covered letters, swallowing
            # separators that follow them (apostrophes, spaces)
            i = pos[end - 1] + 1
            while i < len(letters) and (letters[i] == "'" or letters[i].isspace()):
                i += 1
            return i

        return _distinct([Candidate(t, consumed(n)) for t, n in self._bar(syllables, limit)], limit)

    def _bar(self, syllables: dict, limit: int) -> list[tuple[str, int]]:
        """The candidate bar as ``(text, letter position it covers to)``, in order."""
        lex, tables, cache = self._get_tables()
        edges = cache.edges(syllables)
        paths = best_paths(lex, edges)
        if not paths:
            return []
        end = max(paths)            # the furthest the letters can be converted
        whole = paths[end]
        keep = [p for p in whole[:SENTENCES] if p.score >= whole[0].score + WEAK]
        back = suffix_scores(lex, edges, end)
        leads = [e for e in rank_first_words(lex, edges[0], back) if e.end in back]
        out = [(p.text, end) for p in keep]
        out += [(e.text, end) for e in leads if e.end == end and len(e.text) > 1][:OTHER_CUTS]
        out += _head_of_best(whole, RIVALS)
        out += [(e.text, e.end) for e in leads if e.end < end and len(e.text) > 1][:PREFIX_WORDS]
        singles = word_edges(tables, syllables, 0, per_key=limit, depth_limit=1)
        ranked = rank_first_words(lex, singles, back)
        out += [(e.text, e.end) for e in ranked if e.end in back] + [(e.text, e.end) for e in ranked]
        return out + [(p.text, end) for p in whole[len(keep):]]


def _head_of_best(whole: list[Path], rivals: int = 0) -> list[tuple[str, int]]:
    """Partial picks from the best conversion, as ``(text, letter position)``: for each
    of the next *rivals* conversions, the best one up to the last word boundary before
    the two differ (where they part, one of them is wrong); then the best without its
    last word. Longest first; nothing for a single word."""
    if not whole or len(whole[0].cuts) < 2:
        return []
    best = whole[0]
    heads = {best.cuts[-2]}
    for other in whole[1:1 + rivals]:
        agree = next((i for i, (a, b) in enumerate(zip(best.text, other.text)) if a != b), 0)
        cut = max((c for c in best.cuts[:-1] if c[0] <= agree), default=None)
        if cut:
            heads.add(cut)
    return [(best.text[:chars], node) for chars, node in sorted(heads, reverse=True)]


def _distinct(cands: list[Candidate], limit: int) -> list[Candidate]:
    """*cands* without repeated texts, at most *limit*."""
    seen, out = set(), []
    for c in cands:
        if c.text not in seen:
            seen.add(c.text)
            out.append(c)
            if len(out) == limit:
                break
    return out
