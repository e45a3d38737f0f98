"""bench_asr.py produces its figures (run on one shared utterance; no timing is asserted)."""

import importlib.util
import json
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench" / "bench_asr.py"


def load_bench():
    spec = importlib.util.spec_from_file_location("bench_asr", BENCH)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_cer_normalisation_and_distance():
    b = load_bench()
    assert b.normalise("路灯 坏了，请 修！ ") == "路灯坏了请修"
    assert b.edit_distance("路灯坏了", "路灯好了") == 1
    assert b.edit_distance("", "abc") == 3 and b.edit_distance("abc", "abc") == 0


def test_bench_prints_every_figure(capsys, ko_holder, ko_model_dir):
    speech = Path(__file__).resolve().parents[3] / "shared" / "testdata" / "speech"
    if not (speech / "transcripts.tsv").is_file():
        pytest.skip(f"../shared is absent ({speech} not found): shared test data unavailable")
    b = load_bench()
    assert b.main([str(speech), "--model", str(ko_model_dir), "--limit", "1", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    for key in ("cer", "rtf", "rtf_cpu", "bare_rtf", "pipeline_over_bare", "model_load_seconds",
                "peak_rss_mb", "model_rss_mb"):
        assert isinstance(figures[key], (int, float)), key
    assert figures["files"] == 1 and figures["cer_meaningful"] is False  # Korean model
    assert figures["per_file"][0]["hyp"]  # the model produced (Korean) text
