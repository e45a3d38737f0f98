"""Where a line of Chinese (or mixed) text may break, and the lines a width gives.

Kivy wraps a label only at spaces (kiosk/app/words.py), so a space-free Chinese run is cut
wherever the line is full: inside a word (点一下，直 / 接说) or before a comma (a line
starting with 。). Here text is broken the way a Chinese reader expects:

- **between words**, never inside one: the words are jieba's segmentation (jieba 0.42.1,
  its default dictionary, read from a cache file a few entries at a time:
  kiosk/app/jiebadict.py). Traditional text is segmented through its Simplified form
  (character for character, :func:`t2s_table`), since jieba's dictionary is Simplified; a
  Latin run (letters, digits, ASCII punctuation between spaces or CJK) is one word;
- **at a space** (the space is dropped, as Kivy does);
- **never before closing punctuation** (。，、；：？！）」』… :data:`CLOSING`) and **never after
  opening punctuation** (（「『“ … :data:`OPENING`), nor inside —— or …… (kinsoku rules,
  as in W3C "Requirements for Chinese Text Layout" §3.1.7, Prohibition rules for line
  start and end).

Only a unit wider than the whole line is cut inside (character by character), and the
audit reports that (kiosk/app/offscreen/a11y.py). No Kivy import here: widths come from a
``measure(i, j) -> px`` callable (kiosk/app/widgets/base.py measures with Kivy's core
label, as ``KButton.font_fit`` does).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from kiosk.app import jiebadict
from kiosk.app.words import drawn_breaks, is_wide

T2S_FILE = Path(__file__).resolve().parent.parent.parent / "assets" / "text" / "t2s.txt"

CLOSING = frozenset("。．，、；：？！）］｝」』】〕〗〙〉》”’…‥～·・%％‰,.;:?!)]}")
"""Punctuation that never starts a line: it stays with the word before it."""
OPENING = frozenset("（［｛「『【〔〖〘〈《“‘([{")
"""Punctuation that never ends a line: it goes with the word after it."""
_INSEPARABLE = frozenset("—…‥")  # ——, …… are one mark of two characters


@lru_cache(maxsize=1)
def t2s_table() -> dict[int, str]:
    """Traditional → Simplified, as a ``str.translate`` table (assets/text/t2s.txt).

    A pair is kept only where jieba knows the simplified character better than the
    traditional one: the table also maps some characters that are simplified already
    (溜 → 熘), and converting those would only hide words from the dictionary.
    """
    freq = jiebadict.tokenizer().FREQ
    table = {}
    for line in T2S_FILE.read_text(encoding="utf-8").splitlines():
        if len(line) == 2 and not line.startswith("#"):
            trad, simp = line
            if freq.get(trad, 0) < freq.get(simp, 0):
                table[ord(trad)] = simp
    return table


def _narrow(c: str) -> bool:
    return not c.isspace() and not is_wide(c)


@lru_cache(maxsize=4096)
def words(text: str) -> tuple[str, ...]:
    """*text* cut into words (their concatenation is *text*): jieba's segmentation of the
    Chinese, each Latin run (space- and CJK-free) whole, each whitespace character alone."""
    if not any(is_wide(c) for c in text):
        pieces = [text]
    else:
        simplified = text.translate(t2s_table())  # one character for one: same offsets
        pieces, pos = [], 0
        for piece in jiebadict.tokenizer().lcut(simplified):
            pieces.append(text[pos:pos + len(piece)])
            pos += len(piece)
    out: list[str] = []
    for piece in pieces:
        for run in _split_spaces(piece):
            if out and _narrow(run[0]) and _narrow(out[-1][-1]):
                out[-1] += run        # "0.1" "." "0" → "0.1.0"; a path stays whole
            else:
                out.append(run)
    return tuple(out)


def _split_spaces(piece: str) -> list[str]:
    runs, cur = [], ""
    for c in piece:
        if c.isspace():
            if cur:
                runs.append(cur)
            runs.append(c)
            cur = ""
        else:
            cur += c
    if cur:
        runs.append(cur)
    return runs


def word_starts(text: str) -> frozenset[int]:
    """The offsets in *text* where a word of :func:`words` begins."""
    starts, pos = set(), 0
    for w in words(text):
        starts.add(pos)
        pos += len(w)
    return frozenset(starts)


def units(text: str) -> list[str]:
    """*text* as the pieces a line may break between: words, with closing punctuation
    joined to the word before it (also across one space: "版本 0.1.0 ·") and opening
    punctuation to the word after it. Whitespace characters are pieces of their own."""
    out: list[str] = []
    glue_next = False
    for w in words(text):
        if w.isspace():
            out.append(w)
            glue_next = False
            continue
        prev = out[-1] if out else ""
        if glue_next or (prev and not prev.isspace() and _joins(prev, w)):
            out[-1] += w
        elif w[0] in CLOSING and len(out) >= 2 and out[-1] == " " and not out[-2].isspace():
            out[-2:] = [out[-2] + " " + w]
        else:
            out.append(w)
        glue_next = w[-1] in OPENING
    return out


def _joins(prev: str, w: str) -> bool:
    return w[0] in CLOSING or (w[0] in _INSEPARABLE and prev[-1] == w[0])


@dataclass(frozen=True)
class Line:
    """One laid-out line: ``text[start:end]`` of the paragraph it came from."""

    start: int
    end: int


def break_paragraph(text: str, width: float, measure) -> list[Line]:
    """The lines of *text* (no newline in it) at most *width* px wide, greedily filled,
    breaking only between :func:`units`; a unit wider than *width* is cut by character.
    ``measure(i, j)`` is the width in px of ``text[i:j]``.
    The spaces at a break are dropped (Kivy drops them too); the paragraph's leading
    spaces stay (the config page's indentation)."""
    lines: list[Line] = []
    start = end = pos = 0       # the current line is text[start:end]; units are read up to pos
    for unit in units(text):
        nxt = pos + len(unit)
        if unit.isspace():
            if not lines and not text[start:end].strip():  # leading indentation
                end = nxt
            pos = nxt
            continue
        if measure(start, nxt) <= width:
            end = pos = nxt
            continue
        if text[start:end].strip():
            lines.append(Line(start, end))
            start = pos
        while nxt - start > 1 and measure(start, nxt) > width:  # too wide even alone
            cut = _longest_fit(text, start, nxt, width, measure)
            while cut - start > 1 and text[cut] in CLOSING:  # a cut path: "….key" keeps its "."
                cut -= 1
            lines.append(Line(start, cut))
            start = cut
        end = pos = nxt
    lines.append(Line(start, end))
    return lines


def _longest_fit(text: str, start: int, stop: int, width: float, measure) -> int:
    lo, hi = start + 1, stop - 1       # at least one character per line
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if measure(start, mid) <= width:
            lo = mid
        else:
            hi = mid - 1
    return lo


@dataclass(frozen=True)
class Break:
    """A line break in a text: the line above ends at *end*, the next starts at *start*
    (``text[end:start]`` are the dropped spaces, empty at a word boundary)."""

    end: int
    start: int


def break_text(text: str, width: float, measure) -> list[Break]:
    """Where :func:`break_paragraph` breaks the lines of *text* (its newlines stay);
    ``measure(i, j)`` is the width in px of ``text[i:j]`` as drawn."""
    breaks: list[Break] = []
    base = 0
    for para in text.split("\n"):
        lines = break_paragraph(para, width, lambda i, j, b=base: measure(b + i, b + j))
        breaks += [Break(base + a.end, base + b.start) for a, b in zip(lines, lines[1:])]
        base += len(para) + 1
    return breaks


def apply_breaks(text: str, breaks: list[Break]) -> str:
    """*text* (plain) with *breaks* as newlines."""
    out, pos = [], 0
    for b in breaks:
        out.append(text[pos:b.end])
        pos = b.start
    out.append(text[pos:])
    return "\n".join(out)


@dataclass(frozen=True)
class BadBreak:
    """A line break a Chinese reader would not accept, as drawn."""

    kind: str      # "forbidden line start" | "forbidden line end" | "split word"
    where: str     # "left / right" around the break

    def __str__(self) -> str:
        return f"{self.kind}: {self.where!r}"


def bad_breaks(line_texts: list[str], source: str) -> list[BadBreak]:
    """The breaks between the drawn *line_texts* (in order) of the plain *source* that
    split a word of :func:`words` with a CJK character beside the break, start a line with
    closing punctuation or end one with opening punctuation. A break at a newline of
    *source* is the author's, and one at a space is always allowed."""
    starts = word_starts(source)
    found: list[BadBreak] = []
    for b in drawn_breaks(line_texts, source):
        if b.start == 0 or source[b.start - 1] == "\n":
            continue
        where = f"{b.above[-8:]} / {b.below[:8]}"
        first, last = b.below.lstrip()[:1], b.above.rstrip()[-1:]
        if first in CLOSING and first:
            found.append(BadBreak("forbidden line start", where))
        elif last in OPENING and last:
            found.append(BadBreak("forbidden line end", where))
        elif (b.touching and b.start not in starts
              and (is_wide(source[b.start - 1]) or is_wide(source[b.start]))):
            found.append(BadBreak("split word", where))
    return found
