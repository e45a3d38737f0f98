"""requirements.lock: every distribution pinned with hashes, and in step with pyproject.toml.

When this fails after a change to pyproject.toml, refresh the lock: ``bash .ci/lock``.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked() -> dict[str, tuple[str, list[str]]]:
    """name -> (version, hashes) of every entry in requirements.lock."""
    out: dict[str, tuple[str, list[str]]] = {}
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    for entry in re.split(r"\n(?=[A-Za-z0-9])", text):
        m = re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)", entry)
        if m:
            out[_norm(m.group(1))] = (m.group(2), re.findall(r"--hash=sha256:([0-9a-f]{64})", entry))
    return out


def declared() -> dict[str, str]:
    """name -> pinned version of every dependency pyproject.toml declares (with the test extra)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = project["dependencies"] + project["optional-dependencies"]["test"]
    out = {}
    for r in reqs:
        m = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)", r.strip())
        assert m, f"pyproject.toml: {r!r} is not pinned exactly (name==version)"
        out[_norm(m.group(1))] = m.group(2)
    return out


def test_every_locked_distribution_has_a_sha256_hash():
    lock = locked()
    assert len(lock) > 40, "the lock must hold the transitive dependencies too"
    assert not [n for n, (_, hashes) in lock.items() if not hashes]


def test_the_lock_matches_pyproject():
    lock = locked()
    stale = {n: (v, lock.get(n, (None,))[0]) for n, v in declared().items() if lock.get(n, (None,))[0] != v}
    assert not stale, f"pyproject.toml pins vs requirements.lock {stale}; run: bash .ci/lock"
    assert "setuptools" in lock, "the build backend is locked (setup installs with --no-build-isolation)"


def test_setup_installs_only_from_the_lock_with_hashes():
    setup = (ROOT / ".ci" / "setup").read_text(encoding="utf-8")
    assert "--require-hashes -r requirements.lock" in setup
    installs = [line for line in setup.splitlines() if "pip install" in line and not line.lstrip().startswith("#")]
    assert all("--require-hashes" in line or "--no-deps" in line for line in installs), installs
