"""The word lattice over typed letters and its best paths.

Nodes are positions in the (normalized) typed letters. A *syllable edge* spells one
syllable — several at one position when the letters allow ("xian" is xian, or xi +
an); with fuzzy pinyin also the syllables a dialect speaker may have meant; at the end
of the input an incomplete syllable stands for all its completions. A *word edge*
joins syllable edges into a word of the lexicon (found by walking its sorted keys like
a trie, :class:`kiosk.ime.lexicon.WordTable`). Splitting and conversion are thus one
search: "fangan" offers 方案 (fang'an) and 反感 (fan'gan) side by side.

A path's score is the sum of its words' log-probabilities (jieba's frequencies, with
the character bigram inside each word) plus the character bigram where one word meets
the next (:data:`CONTEXT_WEIGHT`): a unigram word model with a bigram of context, the
usual way of statistical pinyin IMEs. :func:`best_paths` keeps the best few distinct
texts per node (a beam; the next word's score depends only on the last character).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from kiosk.ime.lexicon import MAX_SYLLABLES, Lexicon, WordTable, shift
from kiosk.ime.syllables import ALIASES, SYLLABLE_IDS, SYLLABLES, canonical, completions, fuzzy_alternatives

CONTEXT_WEIGHT = 0.5   # the bigram across word boundaries (see kiosk.ime.build.INNER_WEIGHT)
FUZZY_COST = math.log(0.3)  # per syllable read with a dialect substitution
BEAM = 8               # distinct texts kept per node
WORDS_PER_KEY = 10     # best homophones of one pinyin tried in the lattice
LINK_MEMO = 50_000     # memoized bigram links (~5 MB at most)
_TYPED = SYLLABLES | frozenset(ALIASES)
_PREFIXES = frozenset(s[:i] for s in _TYPED for i in range(1, len(s)))
_LONGEST = max(len(s) for s in _TYPED)


@dataclass(frozen=True)
class WordEdge:
    """A word spanning letters [start, end): its text and score (fuzzy cost included)."""

    start: int
    end: int
    text: str
    score: float


@dataclass(frozen=True)
class Path:
    """A conversion of letters [0, end): text, score, and where each word ends —
    ``cuts[k]`` = (characters of text, letter position) after word k."""

    score: float
    text: str
    cuts: tuple[tuple[int, int], ...] = field(default=())


def syllable_edges(text: str, fuzzy: frozenset[str] | None) -> dict[int, list[tuple[int, int, float]]]:
    """position → ``(syllable id, next position, cost)`` for every syllable the letters
    at that position can spell (apostrophes after a syllable are skipped; an incomplete
    syllable is allowed only at the end). *fuzzy*: the confusion pairs to add, or None."""
    n, edges = len(text), {}
    for i in range(n):
        if text[i] == "'":
            continue
        out = []
        for j in range(i + 1, min(n, i + _LONGEST) + 1):
            piece = text[i:j]
            if "'" in piece:
                break
            nxt = j
            while nxt < n and text[nxt] == "'":
                nxt += 1
            if piece in _TYPED:
                syllable = canonical(piece)
                out.append((SYLLABLE_IDS[syllable], nxt, 0.0))
                for alt in (fuzzy_alternatives(syllable, fuzzy) if fuzzy is not None else ()):
                    out.append((SYLLABLE_IDS[alt], nxt, FUZZY_COST))
            elif nxt == n and piece in _PREFIXES:
                out += [(SYLLABLE_IDS[c], nxt, 0.0) for c in completions(piece)]
        if out:
            edges[i] = out
    return edges


def word_edges(tables: list[WordTable], syllables: dict, start: int,
               per_key: int = WORDS_PER_KEY, depth_limit: int = MAX_SYLLABLES) -> list[WordEdge]:
    """Every word of *tables* (the best *per_key* of each pinyin, at most
    *depth_limit* syllables) whose pinyin follows syllable edges from *start*. A text
    found in an earlier table hides the same text at the same pinyin in later ones (the
    domain words override the lexicon's score)."""
    out: list[WordEdge] = []

    def walk(pos, depth, prefix, ranges, cost):
        for sid, nxt, c in syllables.get(pos, ()):
            key = prefix | sid << shift(depth)
            narrowed, seen = [], set()
            for table, (lo, hi) in zip(tables, ranges):
                a, b = table.narrow(lo, hi, key, depth)
                narrowed.append((a, b))
                for i in list(table.exact(a, b, key))[:per_key]:
                    word = table.word(i)
                    if word not in seen:
                        seen.add(word)
                        out.append(WordEdge(start, nxt, word, table.scores[i] + cost + c))
            if depth + 1 < depth_limit and any(a < b for a, b in narrowed):
                walk(nxt, depth + 1, key, narrowed, cost + c)

    walk(start, 0, 0, [(0, len(t)) for t in tables], 0.0)
    return out


def all_word_edges(tables: list[WordTable], syllables: dict) -> dict[int, list[WordEdge]]:
    """position → the word edges starting there."""
    return {pos: word_edges(tables, syllables, pos) for pos in syllables}


def best_paths(lexicon: Lexicon, edges: dict[int, list[WordEdge]], beam: int = BEAM) -> dict[int, list[Path]]:
    """node → its best paths from 0, best first, distinct texts (at most *beam*)."""
    link = _links(lexicon)
    # a path is (score, text, cuts) here: tuples, not Path objects, in the hot loop
    nodes: dict[int, dict[str, tuple]] = {0: {"": (0.0, "", ())}}
    for pos in sorted(edges):
        here = nodes.get(pos)
        if not here:
            continue
        paths = sorted(here.values(), reverse=True)[:beam]
        nodes[pos] = {p[1]: p for p in paths}
        for e in edges[pos]:
            head, into = e.text[0], nodes.setdefault(e.end, {})
            for score, text, cuts in paths:
                score += e.score + link(text[-1] if text else "", head)
                joined = text + e.text
                old = into.get(joined)
                if old is None or old[0] < score:
                    into[joined] = (score, joined, cuts + ((len(joined), e.end),))
    return {pos: [Path(*p) for p in sorted(d.values(), reverse=True)[:beam]]
            for pos, d in nodes.items() if pos}


def _links(lexicon: Lexicon):
    """A memoized ``(last character or "", next character) → weighted bigram score``;
    the same pairs recur on every keystroke of a sentence, so the memo lives on the
    lexicon (bounded: cleared when it grows past :data:`LINK_MEMO`)."""
    memo = lexicon.links
    bigram = lexicon.bigram

    def link(last: str, head: str) -> float:
        key = last + head
        found = memo.get(key)
        if found is None:
            if len(memo) > LINK_MEMO:
                memo.clear()
            found = memo[key] = CONTEXT_WEIGHT * (bigram.score(last, head) if last else bigram.first(head))
        return found

    return link
