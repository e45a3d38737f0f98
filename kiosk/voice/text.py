"""Turning Vosk's word strings into text a resident would write.

Vosk returns words separated by spaces in every language; Chinese is written without
them ("我 想 反映 路灯 坏了" → "我想反映路灯坏了"). Spaces stay between Latin words
("wi fi" stays two words) and between words of scripts that use spaces, such as Korean
Hangul. A space next to a Chinese character is removed ("用 iPhone 拍" → "用iPhone拍"):
that is how people type mixed text on Chinese keyboards and what the centre expects.
The grammar's catch-all token ``[unk]`` is dropped.
"""

from __future__ import annotations

import re

# Han ideographs (incl. extension A and compatibility), CJK symbols and punctuation,
# full-width forms. Hangul and kana are deliberately absent: Korean uses spaces.
_CJK = (r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
        r"\U00020000-\U0002fa1f")
_SPACE_NEXT_TO_CJK = re.compile(rf"(?<=[{_CJK}])\s+|\s+(?=[{_CJK}])")
_SPACES = re.compile(r"\s+")
_UNK = re.compile(r"(?<!\S)\[unk\](?!\S)")


def tidy(text: str) -> str:
    """Drop ``[unk]``, collapse whitespace, then drop every space touching a Chinese character."""
    text = _UNK.sub(" ", text or "")
    text = _SPACES.sub(" ", text).strip()
    return _SPACE_NEXT_TO_CJK.sub("", text)


def join(parts) -> str:
    """Join recognised segments into one text, tidied (no space between Chinese segments)."""
    return tidy(" ".join(p for p in parts if p))


def is_cjk(ch: str) -> bool:
    """True for a Chinese character or CJK punctuation (what :func:`tidy` glues)."""
    return bool(re.fullmatch(f"[{_CJK}]", ch))
