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

from dataclasses import dataclass
from typing import Iterable

from kiosk.ime import lexicon as _lexicon
from kiosk.ime.domain import domain_words, score_words
from kiosk.ime.lattice import Path, all_word_edges, best_paths, syllable_edges, word_edges
from kiosk.ime.syllables import FUZZY_PAIRS, Split, split_pinyin

SENTENCES = 3      # whole-input candidates shown before partial ones
PREFIX_WORDS = 3   # words from the first letter shown before single characters


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
            self._tables = (lex, [score_words(self._words, lex), lex.words])
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
        lex, tables = self._get_tables()
        edges = all_word_edges(tables, syllables)
        paths = best_paths(lex, edges)
        if not paths:
            return []

        def consumed(end: int) -> int:
            # index in the caller's string just after the covered letters, swallowing
            # separators that follow them (apostrophes, spaces)
            i = pos[end - 1] + 1
            while i < len(letters) and (letters[i] == "'" or letters[i].isspace()):
                i += 1
            return i

        end = max(paths)
        whole = paths[end]
        out = [Candidate(p.text, consumed(end)) for p in whole[:SENTENCES]]
        out += [Candidate(t, consumed(n)) for t, n in _head_of_best(whole)]
        starts = sorted((e for e in edges[0] if e.end < end and len(e.text) > 1),
                        key=lambda e: (-e.end, -e.score))
        out += [Candidate(e.text, consumed(e.end)) for e in _one_per_end(starts)[:PREFIX_WORDS]]
        singles = sorted(word_edges(tables, syllables, 0, per_key=limit, depth_limit=1), key=lambda e: -e.score)
        out += [Candidate(e.text, consumed(e.end)) for e in singles]
        out += [Candidate(p.text, consumed(end)) for p in whole[SENTENCES:]]
        return _distinct(out, limit)


def _head_of_best(whole: list[Path]) -> list[tuple[str, int]]:
    """The best conversion without its last word (the most likely to be wrong), as
    ``(text, letter position)``; nothing when it is a single word."""
    if not whole or len(whole[0].cuts) < 2:
        return []
    chars, node = whole[0].cuts[-2]
    return [(whole[0].text[:chars], node)]


def _one_per_end(edges):
    """The best word for each distinct end position, in the given order."""
    seen, out = set(), []
    for e in edges:
        if e.end not in seen:
            seen.add(e.end)
            out.append(e)
    return out


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
