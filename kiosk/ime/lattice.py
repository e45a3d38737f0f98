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
from typing import NamedTuple

from kiosk.ime.lexicon import MAX_SYLLABLES, Lexicon, WordTable, shift
from kiosk.ime.syllables import ALIASES, SYLLABLE_IDS, SYLLABLES, canonical, completions, fuzzy_alternatives

CONTEXT_WEIGHT = 0.5   # the bigram across word boundaries (see kiosk.ime.build.INNER_WEIGHT)
FUZZY_COST = math.log(0.3)  # per syllable read with a dialect substitution
BEAM = 5               # distinct texts kept per node
WORDS_PER_KEY = 6      # best homophones of one pinyin tried in the lattice
LINK_MEMO = 300        # memoized rows of bigram links (a few MB at most)
_TYPED = SYLLABLES | frozenset(ALIASES)
_PREFIXES = frozenset(s[:i] for s in _TYPED for i in range(1, len(s)))
_LONGEST = max(len(s) for s in _TYPED)


class WordEdge(NamedTuple):
    """A word spanning letters [start, end): its text and score (fuzzy cost included).
    A named tuple: a long sentence makes thousands per keystroke."""

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
    at that position can spell (apostrophes after a syllable are skipped). An incomplete
    last syllable ("woxiangfany") stands for its completions, but only when the letters
    cannot be read to the end with complete syllables: "chifan" is chi'fan, not
    chi'fa'n… (complete before partial, as in :func:`kiosk.ime.syllables.split_pinyin`).
    *fuzzy*: the confusion pairs to add, or None."""
    n, edges, partial = len(text), {}, {}
    for i in range(n):
        if text[i] == "'":
            continue
        for j in range(i + 1, min(n, i + _LONGEST) + 1):
            piece = text[i:j]
            if "'" in piece:
                break
            nxt = j
            while nxt < n and text[nxt] == "'":
                nxt += 1
            if piece in _TYPED:
                syllable = canonical(piece)
                out = edges.setdefault(i, [])
                out.append((SYLLABLE_IDS[syllable], nxt, 0.0))
                for alt in (fuzzy_alternatives(syllable, fuzzy) if fuzzy is not None else ()):
                    out.append((SYLLABLE_IDS[alt], nxt, FUZZY_COST))
            elif nxt == n and piece in _PREFIXES:
                partial[i] = [(SYLLABLE_IDS[c], nxt, 0.0) for c in completions(piece)]
    if partial and not _reaches(edges, n):
        for i, extra in partial.items():
            edges.setdefault(i, []).extend(extra)
    return edges


def _reaches(edges: dict[int, list[tuple[int, int, float]]], end: int) -> bool:
    """True when syllable *edges* lead from position 0 to *end*."""
    seen, todo = {0}, [0]
    while todo:
        for _, nxt, _ in edges.get(todo.pop(), ()):
            if nxt == end:
                return True
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return False


def word_edges(tables: list[WordTable], syllables: dict, start: int, per_key: int = 0,
               depth_limit: int = MAX_SYLLABLES, visited: dict | None = None) -> list[WordEdge]:
    """Every word of *tables* (the best *per_key* of each pinyin, at most
    *depth_limit* syllables) whose pinyin follows syllable edges from *start*. A text
    found in an earlier table hides the same text at the same pinyin in later ones (the
    domain words override the lexicon's score). *visited*, if given, receives the
    syllable edges of every position the search read (what the result depends on)."""
    out: list[WordEdge] = []
    per_key = per_key or WORDS_PER_KEY

    def walk(pos, depth, prefix, ranges, cost):
        here = syllables.get(pos, ())
        if visited is not None:
            visited[pos] = here
        for sid, nxt, c in here:
            key = prefix | sid << shift(depth)
            narrowed, seen = [], set()
            for table, (lo, hi) in zip(tables, ranges):
                a, b = table.narrow(lo, hi, key, depth)
                narrowed.append((a, b))
                for i in table.exact(a, b, key)[:per_key]:
                    word = table.word(i)
                    if word not in seen:
                        seen.add(word)
                        out.append(WordEdge(start, nxt, word, table.scores[i] + cost + c))
            if depth + 1 < depth_limit and any(a < b for a, b in narrowed):
                walk(nxt, depth + 1, key, narrowed, cost + c)

    walk(start, 0, 0, [(0, len(t)) for t in tables], 0.0)
    return out


class EdgeCache:
    """Word edges per start position, reused across keystrokes: appending a letter
    changes only the syllable edges near the end, so a start whose search read none of
    them keeps its edges (each entry is checked against the syllable edges it read)."""

    def __init__(self, tables: list[WordTable]):
        self.tables = tables
        self._entries: dict[int, tuple[dict, list[WordEdge]]] = {}

    def edges(self, syllables: dict) -> dict[int, list[WordEdge]]:
        """position → the word edges starting there (see :func:`word_edges`)."""
        out, entries = {}, self._entries
        for pos in syllables:
            entry = entries.get(pos)
            if entry is None or any(syllables.get(p, ()) != read for p, read in entry[0].items()):
                visited: dict = {}
                entry = entries[pos] = (visited, word_edges(self.tables, syllables, pos, visited=visited))
            out[pos] = entry[1]
        for pos in [p for p in entries if p not in syllables]:
            del entries[pos]
        return out


def best_paths(lexicon: Lexicon, edges: dict[int, list[WordEdge]], beam: int = 0) -> dict[int, list[Path]]:
    """node → its best paths from 0, best first, distinct texts (at most *beam*,
    default :data:`BEAM`)."""
    beam = beam or BEAM
    rows = _links(lexicon)
    # a path is (score, text, cuts) here: tuples, not Path objects, in the hot loop
    nodes: dict[int, dict[str, tuple]] = {0: {"": (0.0, "", ())}}
    for pos in sorted(edges):
        here = nodes.get(pos)
        if not here:
            continue
        paths = sorted(here.values(), reverse=True)[:beam]
        nodes[pos] = {p[1]: p for p in paths}
        out = edges[pos]
        for score, text, cuts in paths:
            row = rows(text[-1] if text else "")
            for e in out:
                link = row.get(e.text[0])
                if link is None:
                    link = row.fill(e.text[0])
                joined = text + e.text
                total = score + e.score + link
                into = nodes.setdefault(e.end, {})
                old = into.get(joined)
                if old is None or old[0] < total:
                    into[joined] = (total, joined, cuts + ((len(joined), e.end),))
    return {pos: [Path(*p) for p in sorted(d.values(), reverse=True)[:beam]]
            for pos, d in nodes.items() if pos}


class _Row(dict):
    """Weighted bigram scores from one character (or from the sentence start, "")."""

    def __init__(self, bigram, last: str):
        super().__init__()
        self.bigram, self.last = bigram, last

    def fill(self, head: str) -> float:
        """Compute, remember and return the score of *head* after this row's character."""
        b = self.bigram
        value = self[head] = CONTEXT_WEIGHT * (b.score(self.last, head) if self.last else b.first(head))
        return value


def _links(lexicon: Lexicon):
    """``last character (or "") → its _Row``, memoized on the lexicon: the same pairs
    recur on every keystroke of a sentence (bounded: cleared past :data:`LINK_MEMO`
    rows)."""
    memo = lexicon.links

    def row(last: str) -> _Row:
        found = memo.get(last)
        if found is None:
            if len(memo) > LINK_MEMO:
                memo.clear()
            found = memo[last] = _Row(lexicon.bigram, last)
        return found

    return row


def link_score(lexicon: Lexicon, last: str, head: str) -> float:
    """The weighted bigram score of *head* after *last* ("" = the sentence start)."""
    row = _links(lexicon)(last)
    found = row.get(head)
    return row.fill(head) if found is None else found


def suffix_scores(lexicon: Lexicon, edges: dict[int, list[WordEdge]], end: int) -> dict[int, tuple[float, str]]:
    """node → (best score of a path from it to *end*, that path's first character): a
    backward pass (1-best, the link into each next word taken from that word's best
    continuation), so a first word can be ranked by the best sentence through it."""
    back: dict[int, tuple[float, str]] = {end: (0.0, "")}
    for pos in sorted(edges, reverse=True):
        best = None
        for e in edges[pos]:
            after = back.get(e.end)
            if after is None:
                continue
            score = e.score + after[0] + (link_score(lexicon, e.text[-1], after[1]) if after[1] else 0.0)
            if best is None or score > best[0]:
                best = (score, e.text[0])
        if best is not None:
            back[pos] = best
    return back


def rank_first_words(lexicon: Lexicon, edges: list[WordEdge], back: dict[int, tuple[float, str]]) -> list[WordEdge]:
    """Words starting at the first letter, best first by the best sentence through each
    (words that lead nowhere last, by their own score)."""
    def through(e: WordEdge) -> tuple[bool, float]:
        after = back.get(e.end)
        if after is None:
            return (False, e.score)
        tail = link_score(lexicon, e.text[-1], after[1]) if after[1] else 0.0
        return (True, e.score + link_score(lexicon, "", e.text[0]) + tail + after[0])

    return sorted(edges, key=through, reverse=True)
