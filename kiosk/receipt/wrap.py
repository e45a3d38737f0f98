"""Display width and line wrapping for a receipt printer's fixed columns. Pure.

A Chinese thermal printer draws ASCII from its 12×24 font (one column) and every
multi-byte GB18030 character — hanzi, full-width punctuation, even ``“`` and ``é`` —
from its 24×24 font (two columns). So the width rule here is the printer's, not a
terminal's: ASCII printable = 1, combining marks and format characters = 0, any other
character = 2. Wrapping never splits a character, keeps Latin words and numbers whole
when they fit on a line, and applies the basic Chinese line-breaking rule (禁则): closing
punctuation does not start a line and opening punctuation does not end one.
"""

from __future__ import annotations

import unicodedata

# GB/T 15834 punctuation that must not begin a line …
NO_START = set("，。、；：？！）》」』】〕〉”’…—·．,.;:?!)]}%％、")
# … and that must not end one.
NO_END = set("（《「『【〔〈“‘([{")


def char_width(ch: str) -> int:
    """Columns one character takes on a Chinese ESC/POS printer."""
    o = ord(ch)
    if o < 0x80:
        return 1 if 0x20 <= o < 0x7F else 0
    if unicodedata.category(ch) in ("Mn", "Me", "Cf") or unicodedata.combining(ch):
        return 0
    if unicodedata.category(ch) == "Cc":
        return 0
    return 2


def display_width(text: str) -> int:
    """Columns *text* takes."""
    return sum(char_width(c) for c in text)


def clean(text: str) -> str:
    """Tabs to spaces, other control characters removed (newlines kept)."""
    out = []
    for c in text.replace("\r\n", "\n").replace("\t", " "):
        if c == "\n" or unicodedata.category(c) != "Cc":
            out.append(c)
    return "".join(out)


def _units(paragraph: str) -> list[str]:
    """Unbreakable pieces: an ASCII word, one space, or one wide character with its marks."""
    units: list[str] = []
    for c in paragraph:
        w = char_width(c)
        if w == 0 and units:
            units[-1] += c          # a combining mark stays on its base character
        elif c.isascii() and c != " " and units and units[-1].isascii() and " " not in units[-1]:
            units[-1] += c          # grow a Latin word / number
        else:
            units.append(c)
    return units


def _split_long(unit: str, width: int) -> list[str]:
    """A word wider than a line is broken between characters (never inside one)."""
    parts, cur = [], ""
    for c in unit:
        if cur and display_width(cur + c) > width:
            parts.append(cur)
            cur = ""
        cur += c
    return parts + ([cur] if cur else [])


def wrap(text: str, width: int) -> list[str]:
    """Lines of at most *width* columns; an empty paragraph gives an empty line."""
    if width < 2:
        raise ValueError(f"width must be at least 2 columns, got {width}")
    lines: list[str] = []
    for paragraph in clean(text).split("\n"):
        units: list[str] = []
        for u in _units(paragraph):
            units.extend(_split_long(u, width) if display_width(u) > width else [u])
        line: list[str] = []
        used = 0
        for u in units:
            w = display_width(u)
            if used + w <= width:
                line.append(u)
                used += w
                continue
            if u == " ":            # a space at a break disappears
                lines.append("".join(line).rstrip())
                line, used = [], 0
                continue
            carry: list[str] = []
            # 禁则: pull the last piece down with a closing mark, push an opening mark down.
            if u in NO_START and len(line) > 1:
                carry.insert(0, line.pop())
            while len(line) > 1 and line[-1] in NO_END:
                carry.insert(0, line.pop())
            lines.append("".join(line).rstrip())
            line = carry + [u]
            used = display_width("".join(line))
            if used > width:        # the carried piece made it too wide: give up on 禁则
                lines.append("".join(carry))
                line, used = [u], w
        lines.append("".join(line).rstrip())
    return lines


def truncate(line: str, width: int, ellipsis: str = "…") -> str:
    """*line* cut so that it plus *ellipsis* fits in *width* columns."""
    room = width - display_width(ellipsis)
    out = ""
    for c in line:
        if display_width(out + c) > room:
            break
        out += c
    return out + ellipsis
