"""jieba's dictionary for the line breaker, read a little at a time from a cache file.

kiosk/app/linebreak.py breaks Chinese between jieba's words. jieba keeps its prefix
dictionary (every word of its dict.txt and every prefix of one: 498,113 entries) as one
Python dict that ``jieba.initialize()`` loads whole from a 9 MB marshal file: 0.7 s on
the UI thread before the first screen could be laid out, and 76 MB the kiosk process
kept. The cold start of tests/bench/bench_ui.py (2 shared cores, interleaved runs,
2026-12-07) was 2.0 s before the line breaker, 3.2 s with jieba loaded so, 2.2 s now.
Under the UI unit's ``PrivateTmp=yes`` (systemd/minyi-kiosk-ui.service) jieba's cache in
/tmp is gone at every start, so it rebuilt that file from dict.txt each time as well.

Cutting a text asks the dictionary only about substrings of the text's Han runs (jieba
0.42.1 ``Tokenizer.get_DAG``, ``calc`` and ``__cut_DAG`` read ``FREQ`` and ``total``,
nothing else of it). So the same entries are kept in a file of :data:`BUCKETS` small
groups, an entry's group chosen by its first two characters (the single characters in
one group of their own, read at open), and :func:`tokenizer` is jieba's own
``Tokenizer`` with ``FREQ`` replaced by :class:`GroupedFreq`, which reads the groups a
text needs from the memory-mapped file and keeps the recent ones: every screen's words
at start take about 20 ms. Same algorithm, same entries, so the same words
(tests/ui/test_ui_jiebadict.py compares them with jieba's own).

The file is derived, not committed. The first use builds it in a child process
(``python -m kiosk.app.jiebadict OUT``), so the whole dictionary is held only there, as
kiosk/ime/lexicon.py builds the pinyin lexicon, into the kiosk's cache dir
(kiosk/core/cachedir.py: ``/var/cache/minyi-kiosk/linebreak/jieba.bin`` under the
unit, ``~/.cache/minyi-kiosk/linebreak/jieba.bin`` elsewhere; 9 MB). The file names a fingerprint of
this module and of jieba's version and dict.txt, and a CRC-32 of its payload: a changed
source, a truncated or corrupt file is built again (about 3 s). Where the cache dir
cannot be written, jieba loads its dictionary whole as before (a warning says so):
slower, the same words.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import logging
import marshal
import mmap
import subprocess
import sys
import zlib
from array import array
from functools import lru_cache
from pathlib import Path

from kiosk.core import cachedir
from kiosk.core.fsutil import read_chunks, write_private_file
from kiosk.ime.sources import package_dir

log = logging.getLogger(__name__)

FORMAT = 1                 # bump when the file's layout changes
MAGIC = b"MINYI-JIEBA\n"
BUCKETS = 65536            # groups of the entries of two characters or more: ~8 entries each
GROUPS_KEPT = 8192         # groups held in memory besides the single characters
BUILD_TIMEOUT_S = 300      # a few seconds here; a minute at most on a Pi


def fingerprint() -> str:
    """What a build would hold: the file format, this module's code, jieba's version and
    its dict.txt's size and time (no data read: a few stat calls)."""
    h = hashlib.sha256(f"format {FORMAT}\n".encode())
    h.update(Path(__file__).read_bytes())
    h.update(f"jieba {importlib.metadata.version('jieba')}\n".encode())
    st = (package_dir("jieba") / "dict.txt").stat()
    h.update(f"dict.txt {st.st_size} {st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def bucket_of(word: str) -> int:
    """The group of an entry of two characters or more (the same in every process)."""
    return zlib.crc32(word[:2].encode("utf-8")) % BUCKETS


class GroupedFreq:
    """jieba's ``FREQ`` (word or prefix → frequency, 0 for a prefix only) answered from
    the mapped file, a group of entries at a time: the lookups jieba's tokenizer makes
    (``in``, ``[]``, ``get``). Reads only: safe from any thread."""

    def __init__(self, data: mmap.mmap, offsets: array):
        self._data, self._offsets = data, offsets
        self._group = lru_cache(maxsize=GROUPS_KEPT)(self._read_group)
        self._singles = self._read_group(BUCKETS)

    def _read_group(self, index: int) -> dict[str, int]:
        return marshal.loads(self._data[self._offsets[index]:self._offsets[index + 1]])

    def _entries(self, word: str) -> dict[str, int]:
        return self._singles if len(word) < 2 else self._group(bucket_of(word))

    def get(self, word: str, default=None):
        """The frequency of *word* (0: only a prefix of words), *default* when unknown."""
        return self._entries(word).get(word, default)

    def __contains__(self, word: str) -> bool:
        return word in self._entries(word)

    def __getitem__(self, word: str) -> int:
        return self._entries(word)[word]


def cache_path() -> Path:
    """Where the built dictionary is kept: kiosk.core.cachedir's ``linebreak`` dir."""
    return cachedir.cache_dir("linebreak") / "jieba.bin"


def build(path: Path) -> None:
    """Write the dictionary file at *path* from jieba's dict.txt, atomically: magic, a
    JSON header (fingerprint, jieba's ``total``, CRC-32 of the rest), the groups' offsets,
    the groups (each a marshalled dict; the last one the single characters). Run in a
    child process: :func:`load` starts ``python -m kiosk.app.jiebadict PATH``."""
    import jieba
    freq, total = jieba.Tokenizer.gen_pfdict(jieba.Tokenizer().get_dict_file())
    groups: list[dict[str, int]] = [{} for _ in range(BUCKETS + 1)]
    for word, n in freq.items():
        groups[bucket_of(word) if len(word) > 1 else BUCKETS][word] = n
    blobs = [marshal.dumps(g) for g in groups]
    offsets = array("Q", [0])
    for blob in blobs:
        offsets.append(offsets[-1] + len(blob))
    payload = offsets.tobytes() + b"".join(blobs)
    header = {"format": FORMAT, "fingerprint": fingerprint(), "total": total,
              "crc32": zlib.crc32(payload), "bytes": len(payload)}
    write_private_file(path, MAGIC + json.dumps(header).encode() + b"\n" + payload)


def open_freq(path: Path) -> tuple[GroupedFreq, int] | None:
    """The entries and jieba's ``total`` from the file at *path*, None when it is missing,
    built from another dictionary or by another version of this module, truncated or
    corrupt (checksum)."""
    try:
        with open(path, "rb") as f:
            if f.readline() != MAGIC:
                return None
            header = json.loads(f.readline())
            start = f.tell()
            if header.get("fingerprint") != fingerprint() or header.get("format") != FORMAT:
                return None
            crc = size = 0
            for chunk in read_chunks(f):      # read, not mapped: the check keeps no page
                crc, size = zlib.crc32(chunk, crc), size + len(chunk)
            if size != header["bytes"] or crc != header["crc32"]:
                return None
            data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        offsets = array("Q")
        groups = start + offsets.itemsize * (BUCKETS + 2)
        offsets.frombytes(data[start:groups])
        return GroupedFreq(memoryview(data)[groups:], offsets), int(header["total"])
    except (OSError, ValueError, KeyError, TypeError, EOFError):
        return None


def load(path: Path | None = None) -> tuple[GroupedFreq, int] | None:
    """The dictionary from the cache file (default :func:`cache_path`), built first when
    it is missing or stale; None when it cannot be built there (the caller loads jieba's
    own)."""
    path = cache_path() if path is None else Path(path)
    found = open_freq(path)
    if found is not None:
        return found
    log.info("building the line breaker's dictionary into %s (first start after an install)", path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "kiosk.app.jiebadict", str(path)], check=True,
                       timeout=BUILD_TIMEOUT_S, stdout=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError) as e:
        log.warning("line breaker dictionary %s not built (%s): jieba loads its own whole", path, e)
        return None
    return open_freq(path)


@lru_cache(maxsize=1)
def tokenizer():
    """The process's jieba tokenizer over the cached dictionary (:func:`load`), or over
    jieba's own when there is no cache."""
    import jieba
    jieba.setLogLevel(logging.WARNING)  # "Building prefix dict …" is not the app's news
    tk = jieba.Tokenizer()
    found = load()
    if found is None:
        tk.initialize()
    else:
        tk.FREQ, tk.total = found
        tk.initialized = True   # its dictionary is FREQ above: initialize() would load it all
    return tk


if __name__ == "__main__":
    build(Path(sys.argv[1]))
