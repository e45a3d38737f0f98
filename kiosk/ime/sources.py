"""What the pinyin lexicon is built from, and the fingerprint that names a build.

The packaged sources (docs/media.md, "Pinyin keyboard") and :func:`fingerprint`, which
both the builder (``kiosk/ime/build.py``) and the cache reader (``kiosk/ime/lexicon.py``)
ask, so neither imports the other.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
from pathlib import Path

SOURCES = ("jieba", "pypinyin", "Pinyin2Hanzi")


def package_dir(name: str) -> Path:
    """The installed folder of package *name*, found without importing it."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"package {name} is not installed (see pyproject.toml)")
    return Path(list(spec.submodule_search_locations)[0])


def source_files() -> list[Path]:
    """The data files the build reads."""
    p2h = package_dir("Pinyin2Hanzi") / "data"
    pp = package_dir("pypinyin")
    return [package_dir("jieba") / "dict.txt", pp / "pinyin_dict.json", pp / "phrases_dict.json",
            p2h / "hmm_transition.json", p2h / "hmm_start.json", p2h / "hmm_emission.json"]


def fingerprint(file_format: int) -> str:
    """Identifies what a build would produce: the format, this builder's code, the
    source packages' versions and their data files' sizes and times (cheap: no data is
    read, so checking the cache costs a few stat calls). *file_format* is the lexicon file's
    layout version (``kiosk.ime.lexicon.FORMAT``)."""
    h = hashlib.sha256(f"format {file_format}\n".encode())
    h.update((Path(__file__).parent / "build.py").read_bytes())  # the builder's own code
    for name in SOURCES:
        h.update(f"{name} {importlib.metadata.version(name)}\n".encode())
    for path in source_files():
        st = path.stat()
        h.update(f"{path.name} {st.st_size} {st.st_mtime_ns}\n".encode())
    return h.hexdigest()
