"""Where Vosk models live on a kiosk and how to tell a whole model from a broken one.

Layout of the models directory (``asr.models_dir``, default ``<storage.data_dir>/models``)::

    models/
      vosk-model-small-cn-0.22/     one directory per installed model
        minyi-model.json            where it came from, its SHA-256, when it was installed
        am/final.mdl  conf/…  graph/…  ivector/…
      current -> vosk-model-small-cn-0.22   the model in use (a symlink, switched atomically)
      .downloads/                   partial downloads, kept so that a download can resume

Older models stay next to the current one (the previous one is the way back), until a
maintainer deletes them.
"""

from __future__ import annotations

import json
import os
import re
from enum import StrEnum
from dataclasses import dataclass
from pathlib import Path

CURRENT = "current"
META = "minyi-model.json"

# The built-in default: the small Mandarin model (docs/platform.md, "Vosk"; the Vosk model list).
DEFAULT_MODEL_URL = "https://alphacephei.com/vosk/models/vosk-model-small-cn-0.22.zip"
DEFAULT_MODEL_SHA256 = "3af8b0e7e0f835ae9d414ce5df580237a3cfb08d586c9fbbb0f7ff29ad5b14ba"
# Known archives by file name, so a zip copied from a USB stick is verified too.
KNOWN_SHA256 = {"vosk-model-small-cn-0.22.zip": DEFAULT_MODEL_SHA256}

# Files every Vosk model needs (vosk-api src/model.cc, "new" layout). The decoding graph
# is either a full HCLG.fst or, in the small lookahead models, HCLr.fst + Gr.fst.
REQUIRED = ("am/final.mdl", "conf/mfcc.conf", "conf/model.conf")
GRAPHS = (("graph/HCLG.fst",), ("graph/HCLr.fst", "graph/Gr.fst"))


def models_root(asr, storage) -> Path:
    """The models directory for these ``[asr]`` and ``[storage]`` settings."""
    return Path(asr.models_dir) if asr.models_dir else storage.data_path / "models"


def model_path(asr, storage) -> Path:
    """The model directory in use: ``asr.model_dir`` if set, else ``<models_dir>/current``."""
    return Path(asr.model_dir) if asr.model_dir else models_root(asr, storage) / CURRENT


def missing_files(directory: Path) -> list[str]:
    """The files a Vosk model needs that *directory* lacks (empty: looks complete)."""
    directory = Path(directory)
    missing = [f for f in REQUIRED if not (directory / f).is_file()]
    if not any(all((directory / f).is_file() for f in graph) for graph in GRAPHS):
        missing.append("graph/HCLG.fst (or graph/HCLr.fst + graph/Gr.fst)")
    return missing


class ModelFault(StrEnum):
    """What is wrong with a model directory, as a code the service menu says in the
    staff's language (``service.model_<code>`` in assets/i18n; kiosk/app/wording.py)."""

    MISSING = "missing"
    NOT_DIR = "not_dir"
    INCOMPLETE = "incomplete"


def model_state(directory: Path) -> ModelFault | None:
    """None when *directory* holds a complete model, else what is wrong with it."""
    directory = Path(directory)
    if not directory.exists():
        return ModelFault.MISSING
    if not directory.is_dir():
        return ModelFault.NOT_DIR
    return ModelFault.INCOMPLETE if missing_files(directory) else None


def model_problem(directory: Path) -> str | None:
    """None when *directory* holds a complete model, else a sentence saying what is wrong."""
    directory = Path(directory)
    state = model_state(directory)
    if state is ModelFault.MISSING:
        return f"no speech model installed at {directory}"
    if state is ModelFault.NOT_DIR:
        return f"{directory} is not a directory"
    if state is ModelFault.INCOMPLETE:
        return f"the model at {directory} is incomplete: missing " + ", ".join(missing_files(directory))
    return None


def model_sample_rate(directory: Path) -> int:
    """The rate the model's features expect (``--sample-frequency`` in conf/mfcc.conf, else 16000)."""
    try:
        text = (Path(directory) / "conf" / "mfcc.conf").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return 16000
    m = re.search(r"--sample-frequency=(\d+)", text)
    return int(m.group(1)) if m else 16000


def read_meta(directory: Path) -> dict:
    """The install record of a model directory ({} when there is none or it is unreadable)."""
    try:
        return json.loads((Path(directory) / META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def dir_size(directory: Path) -> int:
    """Total bytes of the regular files under *directory*."""
    total = 0
    for root, _, files in os.walk(directory):
        for f in files:
            try:
                total += os.lstat(os.path.join(root, f)).st_size
            except OSError:
                pass
    return total


@dataclass(frozen=True)
class InstalledModel:
    """One model directory under the models directory."""

    name: str
    path: Path
    current: bool
    complete: bool
    problem: str | None
    size_bytes: int
    sha256: str
    source: str
    installed_at: str

    def as_dict(self) -> dict:
        return {"name": self.name, "path": str(self.path), "current": self.current,
                "complete": self.complete, "problem": self.problem, "size_bytes": self.size_bytes,
                "sha256": self.sha256, "source": self.source, "installed_at": self.installed_at}


def current_name(root: Path) -> str | None:
    """The directory name the ``current`` link points at, or None."""
    link = Path(root) / CURRENT
    try:
        return Path(os.readlink(link)).name
    except OSError:
        return None


def list_models(root: Path) -> list[InstalledModel]:
    """Every model directory under *root* (hidden work directories excluded), by name."""
    root = Path(root)
    if not root.is_dir():
        return []
    cur = current_name(root)
    out = []
    for p in sorted(root.iterdir()):
        if p.name.startswith(".") or p.name == CURRENT or p.is_symlink() or not p.is_dir():
            continue
        problem = model_problem(p)
        meta = read_meta(p)
        out.append(InstalledModel(name=p.name, path=p, current=p.name == cur, complete=problem is None,
                                  problem=problem, size_bytes=dir_size(p), sha256=meta.get("sha256", ""),
                                  source=meta.get("source", ""), installed_at=meta.get("installed_at", "")))
    return out
