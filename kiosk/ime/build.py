"""Build the engine's word model from packaged sources: ``python -m kiosk.ime.build OUT``.

Sources (all MIT-licensed PyPI packages, pinned in pyproject.toml; docs/media.md):

- **jieba** ``dict.txt``: ~349,000 words with corpus frequencies (the dictionary of the
  jieba segmenter). Frequency → the word's log-probability ``ln(f / total)``.
- **pypinyin**: each word's reading — its phrase table for words with several possible
  readings (银行 yin hang, 长大 zhang da), per-character readings otherwise — and every
  reading of every single character (so a rare character can still be typed).
- **Pinyin2Hanzi**'s HMM data: how often each reading of a character is used (了 le
  87 %, liao 13 %), which splits a single character's frequency over its readings, and
  a character bigram P(b | a) learnt from text, the context model (see
  :data:`INNER_WEIGHT`).

The result is written with :func:`kiosk.ime.lexicon.write`; :func:`fingerprint` names
the sources and this builder (:mod:`kiosk.ime.sources`), so a changed package or builder
rebuilds the cache.
Run in a child process by :func:`kiosk.ime.lexicon.load`: the sources take ~100 MB
while they are read, which the kiosk process never holds.
"""

from __future__ import annotations

import json
import math
import sys
import unicodedata
from array import array
from pathlib import Path

from kiosk.ime.lexicon import FORMAT, MAX_SYLLABLES, CharBigram, Lexicon, WordTable, encode, write
from kiosk.ime.sources import fingerprint, package_dir
from kiosk.ime.syllables import SYLLABLE_IDS

# Weight of the character bigram inside a word, added to the word's log-probability.
# Measured on the dev set and two sets of our own (docs/media.md, "Pinyin keyboard"):
# 0.5 for both this and the boundary weight (kiosk.ime.lattice.CONTEXT_WEIGHT).
INNER_WEIGHT = 0.5
OTHER_READING = 0.1    # share of a character's non-first reading when no usage data exists
UNSEEN_SHARE = 0.001   # share of a reading the usage data never saw (她 read chi)
RARE_FREQ = 1          # frequency of a character jieba's dictionary lacks
HAN = (0x3400, 0x9FFF)  # CJK Extension A + Unified Ideographs: what the kiosk font draws


def toneless(reading: str) -> str:
    """pypinyin's toned reading → the typed spelling: ``lǜ`` → ``lv``, ``nǚ`` → ``nv``."""
    # decompose first: "ǜ" is one precomposed code point, u + diaeresis + grave in NFD
    decomposed = unicodedata.normalize("NFD", reading).replace("u\u0308", "v")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def read_bigram(data: Path) -> CharBigram:
    """Pinyin2Hanzi's HMM transition and start tables as a :class:`CharBigram`."""
    trans = json.loads((data / "hmm_transition.json").read_text("utf-8"))["data"]
    start = json.loads((data / "hmm_start.json").read_text("utf-8"))["data"]
    pairs = []
    for a, row in trans.items():
        pairs += [(ord(a) << 16 | ord(b), math.log(p)) for b, p in row.items() if b != "default" and p > 0]
    pairs.sort()
    floor = math.log(min(row["default"] for row in trans.values()))
    chars = sorted({ord(c) for c in trans} | {ord(c) for c in start})
    backoff = [math.log(trans[chr(c)]["default"]) if chr(c) in trans else floor for c in chars]
    first = [math.log(start[chr(c)]) if start.get(chr(c), 0) > 0 else floor for c in chars]
    return CharBigram(array("I", [k for k, _ in pairs]), array("f", [v for _, v in pairs]),
                      array("I", chars), array("f", backoff), array("f", first), floor)


def read_jieba() -> dict[str, int]:
    """jieba's words made only of Han characters, with their frequencies."""
    out = {}
    with open(package_dir("jieba") / "dict.txt", encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2 and all(HAN[0] <= ord(c) <= HAN[1] for c in parts[0]):
                out[parts[0]] = out.get(parts[0], 0) + int(parts[1])
    return out


def char_readings() -> dict[str, list[str]]:
    """Every Han character's typed readings, the most common first (pypinyin's order)."""
    from pypinyin.pinyin_dict import pinyin_dict

    out = {}
    for code, readings in pinyin_dict.items():
        if HAN[0] <= code <= HAN[1]:
            typed = [r for r in dict.fromkeys(toneless(x) for x in readings.split(",")) if r in SYLLABLE_IDS]
            if typed:
                out[chr(code)] = typed
    return out


def word_reading(word: str, readings: dict[str, list[str]]) -> list[str] | None:
    """The syllables of a multi-character *word*, or None when one is not typeable."""
    from pypinyin import Style, lazy_pinyin
    from pypinyin.phrases_dict import phrases_dict

    if all(len(readings.get(c, ())) == 1 for c in word):
        syllables = [readings[c][0] for c in word]      # no choice to make: fast path
    elif word in phrases_dict:
        syllables = [toneless(r[0]) for r in phrases_dict[word]]
    else:
        syllables = lazy_pinyin(word, style=Style.NORMAL, errors=lambda _: ["?"])
    if len(syllables) != len(word) or any(s not in SYLLABLE_IDS for s in syllables):
        return None
    return syllables


def inner(word: str, bigram: CharBigram) -> float:
    """The character bigram's log-probability of the characters inside *word*."""
    return sum(bigram.score(a, b) for a, b in zip(word, word[1:]))


def reading_shares(char: str, readings: list[str], usage: dict) -> list[float]:
    """How a character's frequency splits over its readings: Pinyin2Hanzi's measured
    usage where it has the character, else the first reading with the rest at 10 %."""
    known = usage.get(char)
    if known:
        return [known.get(r) or UNSEEN_SHARE for r in readings]
    return [1.0] + [OTHER_READING] * (len(readings) - 1)


def build() -> Lexicon:
    """The lexicon from the installed sources (see the module docstring)."""
    data = package_dir("Pinyin2Hanzi") / "data"
    bigram = read_bigram(data)
    usage = json.loads((data / "hmm_emission.json").read_text("utf-8"))["data"]
    freq = read_jieba()
    readings = char_readings()
    log_total = math.log(sum(freq.values()))
    entries = []
    for word, f in freq.items():
        if 1 < len(word) <= MAX_SYLLABLES:
            syllables = word_reading(word, readings)
            if syllables:
                score = math.log(f) - log_total + INNER_WEIGHT * inner(word, bigram)
                entries.append((encode(SYLLABLE_IDS[s] for s in syllables), score, word))
    for char, typed in readings.items():
        f = freq.get(char, RARE_FREQ)
        for syllable, share in zip(typed, reading_shares(char, typed, usage)):
            entries.append((encode([SYLLABLE_IDS[syllable]]), math.log(f * share) - log_total, char))
    return Lexicon(WordTable.from_entries(entries), bigram)


def main(argv: list[str] | None = None) -> int:
    """Build the lexicon into the file named by the only argument."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m kiosk.ime.build OUT", file=sys.stderr)
        return 2
    lexicon = build()
    write(lexicon, Path(args[0]), fingerprint(FORMAT))
    print(f"{args[0]}: {len(lexicon.words)} words, {len(lexicon.bigram.pairs)} character pairs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
