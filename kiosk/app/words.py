"""What a "word" is when a label wraps: the unit that must never be split across lines.

Kivy wraps a label only at spaces (``split_str``); a space-free run wider than the line
is cut wherever the line is full ("Statu / s"). Chinese may break between any two
characters, so only the runs *between* wide (CJK) characters are words: "Self-tests" is
one, "24小时" holds the word "24". A Latin word is a run holding a Latin letter or a
digit. A path or address ("/var/lib/…/current", "https://…") is no word: it can be longer
than any line, and the status pages show such names as they are. KButton shrinks its font until every such word fits (kiosk/app/widgets/base.py)
and the accessibility audit fails a label that splits one anyway (kiosk/app/offscreen/a11y.py).
No Kivy import here.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_MARKUP_TAG = re.compile(r"\[/?[a-z_]+(?:=[^\[\]]*)?\]")
_MARKUP_ESCAPES = (("&bl;", "["), ("&br;", "]"), ("&amp;", "&"))


def is_word_char(c: str) -> bool:
    """A Latin letter or an ASCII digit: two of them side by side belong to one word."""
    if c.isascii():
        return c.isalnum()
    return c.isalpha() and unicodedata.name(c, "").startswith("LATIN")


def is_wide(c: str) -> bool:
    """An East Asian wide or fullwidth character (Chinese, fullwidth punctuation)."""
    return unicodedata.east_asian_width(c) in ("W", "F")


def latin_words(text: str) -> list[str]:
    """Every run of *text* that must stay on one line: space- and CJK-free runs that
    hold a Latin letter or digit (punctuation inside a run stays with it, as Kivy keeps it)."""
    words, run = [], []
    for c in text + " ":
        if c.isspace() or is_wide(c):
            if any(is_word_char(x) for x in run):
                words.append("".join(run))
            run = []
        else:
            run.append(c)
    return words


def markup_runs(text: str) -> list[tuple[str, float | None, bool]]:
    """Kivy markup as ``(plain text, [size=…] in px or None, bold)`` runs, tags removed."""
    runs: list[tuple[str, float | None, bool]] = []
    sizes: list[float] = []
    bold = 0
    pos = 0
    for m in _MARKUP_TAG.finditer(text):
        if m.start() > pos:
            runs.append((_unescape(text[pos:m.start()]), sizes[-1] if sizes else None, bold > 0))
        tag = m.group()
        if tag.startswith("[size="):
            sizes.append(float(re.sub(r"[^\d.]", "", tag[6:-1]) or 0))
        elif tag == "[/size]" and sizes:
            sizes.pop()
        elif tag == "[b]":
            bold += 1
        elif tag == "[/b]" and bold:
            bold -= 1
        pos = m.end()
    if pos < len(text):
        runs.append((_unescape(text[pos:]), sizes[-1] if sizes else None, bold > 0))
    return runs


def plain_text(text: str, markup: bool) -> str:
    """What a label draws of *text*: markup tags removed and escapes resolved."""
    return "".join(r[0] for r in markup_runs(text)) if markup else text


def _is_path(token: str) -> bool:
    return "/" in token or "\\" in token


def _unescape(text: str) -> str:
    for escaped, char in _MARKUP_ESCAPES:
        text = text.replace(escaped, char)
    return text


@dataclass(frozen=True)
class DrawnBreak:
    """A break between two drawn lines, located in the plain text they were laid out from."""

    index: int      # the line below, in the list of drawn lines
    above: str      # the line above
    below: str      # the line below
    start: int      # where the line below starts in the text
    touching: bool  # nothing was dropped between them (no space, no newline)


def drawn_breaks(line_texts: list[str], source: str) -> list[DrawnBreak]:
    """The breaks between the drawn *line_texts* (in order, empty ones skipped) of the
    plain *source*. Kivy drops the space it wraps at, so each line is found in *source*
    after the one above; a line not found there (shortened) is placed where the one above
    ended, to be judged by its glyphs alone."""
    breaks: list[DrawnBreak] = []
    pos, prev = 0, ""
    for i, text in enumerate(line_texts):
        if not text:
            continue
        start = source.find(text, pos)
        if start < 0:
            start = pos
        if prev:
            breaks.append(DrawnBreak(i, prev, text, start, start == pos))
        pos = start + len(text)
        prev = text
    return breaks


def split_words(line_texts: list[tuple[str, bool]], source: str) -> list[str]:
    """The words cut across lines in a wrapped layout.

    *line_texts* are the drawn lines in order, each with Kivy's ``line_wrap`` flag (the line
    continues the one above because that one was full); *source* is the plain text laid
    out. A wrap that dropped nothing (:func:`drawn_breaks`) and has a word character on
    both sides cut a word in two. Returns each cut as ``"left / right"``.
    """
    cuts: list[str] = []
    for b in drawn_breaks([text for text, _ in line_texts], source):
        if (line_texts[b.index][1] and b.touching and b.start > 0
                and is_word_char(b.above[-1]) and is_word_char(b.below[0])):
            left, right = b.above.split()[-1], b.below.split()[0]
            if not _is_path(left + right):
                cuts.append(f"{left} / {right}")
    return cuts


def markup_with_breaks(text: str, breaks) -> str:
    """Kivy markup *text* with line breaks at offsets of its plain text (*breaks*: objects
    with ``end`` and ``start``, kiosk/app/linebreak.py ``Break``): a newline where a line
    ends, the plain characters up to where the next starts dropped; tags stay as they are."""
    cuts = {b.end: b.start for b in breaks}
    out: list[str] = []
    plain = 0          # offset in the plain text of the next character
    skip_to = 0        # plain offsets below this are dropped spaces
    pos = 0
    tokens = []
    for m in _MARKUP_TAG.finditer(text):
        tokens += _plain_chars(text[pos:m.start()])
        tokens.append((m.group(), False))
        pos = m.end()
    tokens += _plain_chars(text[pos:])
    for raw, is_char in tokens:
        if not is_char:
            out.append(raw)
            continue
        if plain in cuts:
            out.append("\n")
            skip_to = cuts[plain]
        if plain >= skip_to:
            out.append(raw)
        plain += 1
    return "".join(out)


def _plain_chars(segment: str) -> list[tuple[str, bool]]:
    """Each drawn character of a tag-free markup *segment*, as written (an escape whole)."""
    chars, i = [], 0
    while i < len(segment):
        for escaped, _ in _MARKUP_ESCAPES:
            if segment.startswith(escaped, i):
                chars.append((escaped, True))
                i += len(escaped)
                break
        else:
            chars.append((segment[i], True))
            i += 1
    return chars
