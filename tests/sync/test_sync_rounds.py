"""不满意再办 end to end (issue 21 parts 2, 3): the resident rates with `kiosk rate`, the
real sync daemon carries it to central-dev on loopback, the centre opens the next round,
staff answer again, and `kiosk status CODE --json` shows the timeline and every round."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from kiosk.central_dev.loop import Loop
from kiosk.sync.daemon import SyncDaemon


def kiosk_cli(cfg_path, *args):
    env = {**os.environ, "KIOSK_CLOCK_TRUSTED": "0"}
    res = subprocess.run([sys.executable, "-m", "kiosk", "--config", str(cfg_path), *args, "--json"],
                         capture_output=True, text=True, timeout=60, env=env)
    return res.returncode, json.loads(res.stdout)


def test_unsatisfied_reopens_until_satisfied_with_every_round_kept(central, make_cfg, store, h, tmp_path):
    cfg = make_cfg(central.url)
    toml = tmp_path / "kiosk.toml"
    (sub,) = h.submit_items(store, cfg, 1)
    code, secret = str(sub.item.code), sub.secret
    d = SyncDaemon(cfg, store)
    assert d.run_once()["ok"]
    loop = Loop(central.db)
    loop.advance(code, "accepted", actor="wang")
    loop.advance(code, "assigned", actor="wang", department="城管局", note="转城管局")
    loop.answer(code, "路灯已修复", actor="wang")
    assert d.run_once()["ok"]

    rc, out = kiosk_cli(toml, "rate", code, "--secret", "000000" if secret != "000000" else "111111", "satisfied")
    assert rc == 1 and out["reason"] == "wrong_secret"
    rc, out = kiosk_cli(toml, "rate", code, "--secret", secret, "satisfied", "--reason", "x")
    assert rc == 4 and "--reason goes with unsatisfied" in out["error"]
    rc, out = kiosk_cli(toml, "rate", code, "--secret", secret, "unsatisfied", "--reason", "两天后又不亮了")
    assert rc == 0 and out["round"] == 1, out
    rc, out = kiosk_cli(toml, "rate", code, "--secret", secret, "satisfied")
    assert rc == 1 and out["reason"] == "already_rated" and "round 1" in out["error"]

    assert d.run_once()["forward"]["ratings"] == 1
    row = central.db.item(sub.item.id)
    assert (row["round"], row["status"], row["department"]) == (2, "accepted", "城管局")
    assert d.run_once()["ok"]  # the rated and reopened updates come back
    rc, st = kiosk_cli(toml, "status", code)
    assert rc == 0 and st["round"] == 2 and st["stage"] == "reopened" and st["centre_reply"] is None
    assert [(e["stage"], e["round"]) for e in st["timeline"]] == [
        ("accepted", 1), ("assigned", 1), ("replied", 1), ("rated", 1), ("reopened", 2)]
    assert st["timeline"][1]["department"] == "城管局" and st["timeline"][1]["note"] == "转城管局"
    assert st["rounds"][0]["reply"] == "路灯已修复" and st["rounds"][0]["rating"] == "unsatisfied"
    assert st["rounds"][1]["reason"] == "两天后又不亮了" and st["rounds"][1]["reply"] is None
    rc, out = kiosk_cli(toml, "rate", code, "--secret", secret, "satisfied")
    assert rc == 1 and out["reason"] == "not_replied"  # round 2 has no reply yet

    loop.answer(code, "已更换灯具", actor="wang")
    assert d.run_once()["ok"]
    rc, out = kiosk_cli(toml, "rate", code, "--secret", secret, "basically_satisfied")
    assert rc == 0 and out["round"] == 2
    d.run_once()
    assert d.run_once()["ok"]
    assert central.db.item(sub.item.id)["status"] == "closed"
    rc, st = kiosk_cli(toml, "status", code)
    assert st["stage"] == "closed" and st["state"] == "closed" and st["rating"] == "basically_satisfied"
    assert [(r["round"], r["reply"], r["rating"]) for r in st["rounds"]] == [
        (1, "路灯已修复", "unsatisfied"), (2, "已更换灯具", "basically_satisfied")]
    assert st["rounds"][1]["closed_reason"] == "居民基本满意"
    rc, out = kiosk_cli(toml, "rate", code, "--secret", secret, "satisfied")
    assert rc == 1 and out["reason"] == "closed"
    rows = central.db.q("SELECT round, rating, reason FROM ratings ORDER BY round")
    assert [(r["round"], r["rating"], r["reason"]) for r in rows] == [
        (1, "unsatisfied", "两天后又不亮了"), (2, "basically_satisfied", None)]
