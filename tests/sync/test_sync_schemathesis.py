"""Schemathesis, a fuzzer no one here wrote, run over docs/openapi.yaml against the
centre's ``/api/`` (on both engines) and the kiosk's ``/pull/`` API: the examples,
coverage, fuzzing and stateful phases, every response checked against the document.

The rules the document can only state in words are given to the fuzzer by
tests/sync/schemathesis_hooks.py. What is left out is named in ``LEFT_OUT`` with why.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.config.sync import DEV_TOKEN
from kiosk.sync.daemon import SyncDaemon

HERE = Path(__file__).resolve().parent
SPEC = HERE.parents[1] / "docs" / "openapi.yaml"
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")

#: Checks not run, and why (docs/centre.md, "The contract under a fuzzer").
LEFT_OUT = {
    # The centre checks an item's metadata by hand (kiosk/central_dev/api.py _check_meta)
    # less strictly than the schema: e.g. a null text or a malformed created_at is
    # stored. Until the centre validates with the document's own schema, a schema-
    # violating item can be accepted; the kiosk never sends one (test_sync_contract).
    "negative_data_rejection",
}


def run_schemathesis(tmp_path, base_url: str, path_regex: str, known_items: list[str]) -> None:
    """Run the CLI; fail with its report unless every check passed."""
    if not SCHEMATHESIS.exists():
        pytest.fail(f"{SCHEMATHESIS} missing: install the test extras (bash .ci/setup)")
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "schemathesis_hooks", "MINYI_ST_ITEMS": " ".join(known_items),
           "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])}
    res = subprocess.run(
        [str(SCHEMATHESIS), "run", str(SPEC), "--url", base_url, "-H", f"Authorization: Bearer {DEV_TOKEN}",
         "--include-path-regex", path_regex, "--checks", "all", "--exclude-checks", ",".join(sorted(LEFT_OUT)),
         "--phases", "examples,coverage,fuzzing,stateful", "--max-examples", "25", "--workers", "1",
         "--seed", "20261207", "--no-color"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stdout[-12000:] + res.stderr[-2000:]


def test_the_centre_api_keeps_the_document(tmp_path, central, store, make_cfg, h):
    cfg = make_cfg(central.url)
    items = h.add_items(store, cfg, 2)
    assert SyncDaemon(cfg, store).run_once()["ok"]
    run_schemathesis(tmp_path, central.url, "^/api/", [i.id for i in items])


def test_the_kiosk_pull_api_keeps_the_document(tmp_path, store, make_cfg, h):
    cfg = make_cfg(f"http://127.0.0.1:{h.free_port()}")  # no centre: the pull API alone
    items = h.add_items(store, cfg, 2, real_name=True) + h.add_items(store, cfg, 1)
    d = SyncDaemon(cfg, store)
    port = d.start_pull_api()
    try:
        run_schemathesis(tmp_path, f"http://127.0.0.1:{port}", "^/pull/", [i.id for i in items])
    finally:
        d.stop_pull_api()
