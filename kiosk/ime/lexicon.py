"""The engine's word model in compact form, and its cache file.

Two tables, both flat arrays (a few MB, not hundreds of thousands of Python objects —
the engine must stay under 60 MB on a Pi, docs/media.md):

- :class:`WordTable`: every word with its pinyin and score. A word's syllables are
  packed into one integer key, 9 bits a syllable (ids from
  :data:`kiosk.ime.syllables.SYLLABLE_IDS`), the first syllable in the highest bits and
  unused slots 0. Sorted by key, the words whose pinyin *starts with* given syllables
  are one contiguous run, so the lattice walks the table like a trie with ``bisect``.
- :class:`CharBigram`: log P(next character | character), the context model applied
  where one word meets the next.

:mod:`kiosk.ime.build` makes both from the packaged sources (in a child process, so
this process never holds the sources); :func:`shared` loads them from a cache file
under the user's cache directory, rebuilding it when a source or the builder changed
and when its checksum does not match.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import subprocess
import sys
import tempfile
import threading
from array import array
from bisect import bisect_left
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.core import cachedir
from kiosk.ime.sources import fingerprint

log = logging.getLogger(__name__)

MAX_SYLLABLES = 7   # 7 × 9 bits fit an unsigned 64-bit key; longer words are idioms
BITS = 9            # 410 syllables need 9 bits
FORMAT = 1          # bump when the file layout changes
MAGIC = b"MINYI-IME\n"
BUILD_TIMEOUT_S = 900   # the first build on a Pi takes a minute or two (docs/media.md)


def shift(depth: int) -> int:
    """Bit position of the syllable at *depth* (0 = first) in a key."""
    return BITS * (MAX_SYLLABLES - 1 - depth)


def encode(ids) -> int:
    """The key of a syllable-id sequence (at most :data:`MAX_SYLLABLES` long)."""
    key = 0
    for depth, sid in enumerate(ids):
        key |= sid << shift(depth)
    return key


@dataclass
class WordTable:
    """Words sorted by pinyin key, then best score first (see the module docstring)."""

    keys: array      # 'Q': packed syllable ids
    scores: array    # 'f': log-probability of the word, context-free
    offsets: array   # 'I': word i is text[offsets[i]:offsets[i + 1]]
    text: str

    @classmethod
    def from_entries(cls, entries) -> "WordTable":
        """Build from ``(key, score, word)`` triples in any order."""
        entries = sorted(entries, key=lambda e: (e[0], -e[1]))
        offsets, pos = array("I", [0]), 0
        for _, _, word in entries:
            pos += len(word)
            offsets.append(pos)
        return cls(array("Q", [e[0] for e in entries]), array("f", [e[1] for e in entries]),
                   offsets, "".join(e[2] for e in entries))

    def __len__(self) -> int:
        return len(self.keys)

    def word(self, i: int) -> str:
        """The text of entry *i*."""
        return self.text[self.offsets[i]:self.offsets[i + 1]]

    def narrow(self, lo: int, hi: int, key: int, depth: int) -> tuple[int, int]:
        """Within entries [lo, hi) whose first *depth* syllables match *key*, the run
        whose syllable at *depth* is also *key*'s (key has that slot filled)."""
        step = 1 << shift(depth)
        a = bisect_left(self.keys, key, lo, hi)
        return a, bisect_left(self.keys, key + step, a, hi)

    def exact(self, lo: int, hi: int, key: int) -> range:
        """The entries in a narrowed run [lo, hi) whose pinyin is exactly *key* (they
        come first: unused slots are 0)."""
        end = lo
        keys = self.keys
        while end < hi and keys[end] == key:
            end += 1
        return range(lo, end)

    def lookup(self, key: int, depth: int) -> range:
        """Entries whose pinyin is exactly *key* (*depth* + 1 syllables)."""
        lo = bisect_left(self.keys, key)
        return self.exact(lo, len(self.keys), key)


@dataclass
class CharBigram:
    """log P(b | a) for characters, backed off per character (Pinyin2Hanzi's HMM data)."""

    pairs: array     # 'I': a << 16 | b, sorted (BMP code points)
    logp: array      # 'f'
    chars: array     # 'I': sorted code points that have a row or a start probability
    backoff: array   # 'f': log P for an unseen successor of that character
    start: array     # 'f': log P of that character starting a sentence
    floor: float     # log P when nothing is known

    def score(self, a: str, b: str) -> float:
        """log P(b | a)."""
        key = ord(a) << 16 | ord(b)
        i = bisect_left(self.pairs, key)
        if i < len(self.pairs) and self.pairs[i] == key:
            return self.logp[i]
        j = self._char(a)
        return self.backoff[j] if j >= 0 else self.floor

    def first(self, b: str) -> float:
        """log P of *b* starting a sentence."""
        j = self._char(b)
        return self.start[j] if j >= 0 else self.floor

    def _char(self, c: str) -> int:
        code = ord(c)
        j = bisect_left(self.chars, code)
        return j if j < len(self.chars) and self.chars[j] == code else -1


@dataclass
class Lexicon:
    """The word table and the character bigram, as loaded from the cache; ``links``
    memoizes weighted bigram scores for :mod:`kiosk.ime.lattice`."""

    words: WordTable
    bigram: CharBigram
    links: dict = field(default_factory=dict, repr=False)


_ARRAYS = (("words", "keys", "Q"), ("words", "scores", "f"), ("words", "offsets", "I"),
           ("bigram", "pairs", "I"), ("bigram", "logp", "f"), ("bigram", "chars", "I"),
           ("bigram", "backoff", "f"), ("bigram", "start", "f"))


def write(lexicon: Lexicon, path: Path, source: str) -> None:
    """Write *lexicon* to *path* atomically: magic, a JSON header (the *source*
    fingerprint, array lengths, SHA-256 of the payload), then the arrays and text."""
    payload = [getattr(getattr(lexicon, part), name).tobytes() for part, name, _ in _ARRAYS]
    payload.append(lexicon.words.text.encode("utf-8"))
    digest = hashlib.sha256()
    for chunk in payload:
        digest.update(chunk)
    header = {"format": FORMAT, "source": source, "sha256": digest.hexdigest(),
              "lengths": [len(getattr(getattr(lexicon, p), n)) for p, n, _ in _ARRAYS],
              "text_bytes": len(payload[-1]), "floor": lexicon.bigram.floor}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(MAGIC + json.dumps(header).encode() + b"\n")
            for chunk in payload:
                f.write(chunk)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read(path: Path, source: str) -> Lexicon | None:
    """The lexicon in *path*, or None when the file is missing, from other sources
    (fingerprint differs), of another format, truncated or corrupt (checksum)."""
    try:
        with open(path, "rb") as f:
            if f.readline() != MAGIC:
                return None
            header = json.loads(f.readline())
            if header.get("format") != FORMAT or header.get("source") != source:
                return None
            arrays, digest = {}, hashlib.sha256()
            for (part, name, code), n in zip(_ARRAYS, header["lengths"]):
                a = array(code)
                a.fromfile(f, n)
                digest.update(memoryview(a).cast("B"))
                arrays[part, name] = a
            raw = f.read(header["text_bytes"] + 1)
    except (OSError, EOFError, ValueError, KeyError, TypeError):
        return None
    if len(raw) != header["text_bytes"]:
        return None
    digest.update(raw)
    if digest.hexdigest() != header["sha256"]:
        return None
    words = WordTable(arrays["words", "keys"], arrays["words", "scores"], arrays["words", "offsets"],
                      raw.decode("utf-8"))
    bigram = CharBigram(*(arrays["bigram", n] for n in ("pairs", "logp", "chars", "backoff", "start")),
                        floor=header["floor"])
    return Lexicon(words, bigram)


def cache_dir() -> Path:
    """Where the built lexicon is kept: kiosk.core.cachedir's ``ime`` dir
    (``$CACHE_DIRECTORY/ime`` under the unit, else e.g. ``~/.cache/minyi-kiosk/ime``)."""
    return cachedir.cache_dir("ime")


def load(directory: Path | None = None) -> Lexicon:
    """The lexicon from the cache in *directory* (default :func:`cache_dir`), built
    first when the cache is missing, stale or corrupt. The build runs in a child
    process (``python -m kiosk.ime.build``) so the sources' ~100 MB never enter this
    one; when the directory cannot be written, the build goes to a temporary file."""
    directory = cache_dir() if directory is None else Path(directory)
    source = fingerprint(FORMAT)
    path = directory / "lexicon.bin"
    found = read(path, source)
    if found is not None:
        return found
    try:
        directory.mkdir(parents=True, exist_ok=True)
        _build_into(path)
    except OSError as e:
        log.warning("pinyin lexicon cache %s not writable (%s): building a temporary copy", directory, e)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "lexicon.bin"
            _build_into(path)
            found = read(path, source)
    else:
        found = read(path, source)
    if found is None:
        raise RuntimeError(f"pinyin lexicon build did not produce a valid {path}")
    return found


def _build_into(path: Path) -> None:
    log.info("building the pinyin lexicon into %s (first start after an install)", path)
    subprocess.run([sys.executable, "-m", "kiosk.ime.build", str(path)], check=True,
                   timeout=BUILD_TIMEOUT_S, stdout=subprocess.DEVNULL)


_lock = threading.Lock()
_shared: Lexicon | None = None


def shared() -> Lexicon:
    """The process-wide lexicon, loaded on first use (thread-safe)."""
    global _shared
    if _shared is None:
        with _lock:
            if _shared is None:
                _shared = load()
    return _shared


def is_loaded() -> bool:
    """True once :func:`shared` has loaded the lexicon in this process."""
    return _shared is not None
