"""tests/bench/bench_fleet.py itself, small: 3 stations push through the real kiosk code
with duplicate sends and lost acknowledgements, on SQLite and on PostgreSQL with two
centre processes; its last line must parse and say nothing was lost or created twice."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench" / "bench_fleet.py"
LAST = re.compile(r"stations=(\d+) items=(\d+) lost=(\d+) duplicated=(\d+) items_per_s=([0-9.]+)")


@pytest.mark.slow
def test_bench_fleet_with_three_stations(centre_backend, tmp_path):
    url = centre_backend or "sqlite"
    procs = "2" if centre_backend else "1"
    res = subprocess.run([sys.executable, str(BENCH), "--stations", "3", "--items-per-station", "4", "--size", "4096",
                          "--workers", "2", "--database-url", url, "--processes", procs, "--dup-every", "3",
                          "--lose-every", "4", "--timeout", "120", "--dir", str(tmp_path)],
                         capture_output=True, text=True, timeout=300)
    lines = res.stdout.strip().splitlines()
    assert res.returncode == 0, res.stdout + res.stderr
    m = LAST.fullmatch(lines[-1])
    assert m, lines[-1]
    stations, items, lost, duplicated, rate = m.groups()
    assert (stations, items, lost, duplicated) == ("3", "12", "0", "0") and float(rate) > 0
    config = dict(kv.split("=", 1) for kv in lines[-2].split())
    # The faults did happen: 12 items, 4 sent twice, 3 acknowledgements lost (then re-sent).
    assert (config["dup_sends"], config["lost_acks"], config["puts"]) == ("4", "3", "19")
    assert config["duplicate_receipts"] == "7" and config["heartbeat_stations"] == "3"
    assert config["undelivered"] == "0" and len(config["centre_rss_mb"].split("/")) == int(procs)
