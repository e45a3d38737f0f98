"""The data pool (民意数据池) on both engines: weeks in local time, keywords and similar
items, answer times and satisfaction, overdue counts, the page and its CSV exports, and
`kiosk central-dev pool --json` (docs/centre.md, "Data pool")."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import requests

from kiosk.central_dev.rating import rate
from central_items import item_meta, put_json, store
from kiosk.central_dev.loop import Loop
from kiosk.central_dev.pool import Pool, PoolTable, percentile
from kiosk.central_dev.pool_pages import csv_text
from kiosk.central_dev.pool_text import keywords_of


def _at(db, meta, iso: str) -> None:
    db.q("UPDATE items SET received_at = ? WHERE id = ?", [iso, meta["id"]])


def _ago(hours: float) -> str:
    return (datetime.now(timezone.utc) - timedelta(hours=hours)).isoformat(timespec="milliseconds")


def test_weeks_start_monday_in_the_centres_local_time(centre_db):
    now = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)  # a Wednesday
    cases = [("0371", "urban", "2026-11-22T16:30:00.000+00:00"),   # Mon 23rd 00:30 at UTC+8
             ("0371", "urban", "2026-11-22T15:30:00.000+00:00"),   # Sun 22nd 23:30 at UTC+8
             ("0372", "environment", "2026-11-24T02:00:00.000+00:00"),
             ("0372", "urban", "2026-11-15T15:00:00.000+00:00")]   # before the window
    for seq, (station, cat, at) in enumerate(cases, 1):
        m = item_meta(seq, station=station, category=cat)
        store(centre_db, m)
        _at(centre_db, m, at)
    report = Pool(centre_db).report(2, now=now, utc_offset_min=480)
    assert report.weeks == ("2026-11-16", "2026-11-23")
    assert report.since == "2026-11-15T16:00:00.000+00:00"
    assert report.tables["categories_by_week"].rows == [
        {"week": "2026-11-16", "category": "urban", "items": 1},
        {"week": "2026-11-23", "category": "environment", "items": 1},
        {"week": "2026-11-23", "category": "urban", "items": 1}]
    assert report.tables["stations_by_week"].rows == [
        {"week": "2026-11-16", "station": "0371", "items": 1},
        {"week": "2026-11-23", "station": "0371", "items": 1},
        {"week": "2026-11-23", "station": "0372", "items": 1}]
    at_utc = Pool(centre_db).report(2, now=now, utc_offset_min=0).tables["categories_by_week"].rows
    assert at_utc == [{"week": "2026-11-16", "category": "urban", "items": 2},
                      {"week": "2026-11-23", "category": "environment", "items": 1}]


TEXTS = [("0371", "小区门口路灯坏了，晚上很黑"), ("0372", "路灯不亮好几天了"), ("0373", "希望修一下路灯"),
         ("0371", "垃圾桶满了没人清理"), ("0372", "垃圾桶太臭了，希望及时清理"), ("0371", "公交站太远")]


def test_recurring_keywords_across_stations_and_similar_items_grouped(centre_db):
    metas = []
    for seq, (station, text) in enumerate(TEXTS, 1):
        metas.append(item_meta(seq, station=station, text=text))
        store(centre_db, metas[-1])
    t = Pool(centre_db).report(4).tables
    kw = {r["keyword"]: r for r in t["keywords"].rows}
    assert t["keywords"].rows[0] == {"keyword": "路灯", "count": 3, "stations": 3}
    assert kw["垃圾桶"] == {"keyword": "垃圾桶", "count": 2, "stations": 2}
    assert kw["清理"]["count"] == 2
    assert not {"希望", "了", "一下", "及时"} & set(kw), "stop words counted"
    groups = {g["keyword"]: g for g in t["groups"].rows}
    assert list(groups) == ["路灯", "垃圾桶"]  # 公交 alone is no group
    assert (groups["路灯"]["items"], groups["路灯"]["stations"]) == (3, 3)
    assert set(groups["路灯"]["codes"].split()) == {m["code"] for m in metas[:3]}
    assert groups["垃圾桶"]["keywords"] == "垃圾桶 清理" and groups["垃圾桶"]["items"] == 2


def test_keywords_of_drops_stop_words_and_keeps_domain_words():
    assert keywords_of("希望尽快解决这个问题") == []
    assert keywords_of("路灯不亮, 路灯!") == ["路灯", "不亮"]
    assert keywords_of("Noise at NIGHT 123") == ["noise", "night"]


def test_percentile_interpolates_between_ranks():
    assert percentile([], 0.5) is None
    assert percentile([2, 10, 4], 0.5) == 4
    assert abs(percentile([2, 4, 10], 0.9) - 8.8) < 1e-9


def test_answer_times_and_satisfaction_per_department_and_category(centre_db):
    loop = Loop(centre_db)
    answered = []
    for seq, hours in enumerate((2, 4, 10), 1):
        m = item_meta(seq, category="urban")
        store(centre_db, m)
        _at(centre_db, m, _ago(hours))
        loop.advance(m["code"], "accepted", actor="wang")
        loop.advance(m["code"], "assigned", actor="wang", department="城管局")
        loop.answer(m["code"], "已处理", actor="wang")
        answered.append(m)
    waiting = item_meta(4, category="urban")
    store(centre_db, waiting)
    loop.advance(waiting["code"], "accepted", actor="wang")
    loop.advance(waiting["code"], "assigned", actor="wang", department="城管局")
    store(centre_db, item_meta(5, category="environment"))
    for m, rating in zip(answered, ("satisfied", "basically_satisfied", "unsatisfied")):
        rate(centre_db, {"id": m["id"][:-4] + "9999", "item_id": m["id"], "rating": rating})
    rows = Pool(centre_db).report(2).tables["answers"].rows
    assert rows == [
        {"department": "城管局", "category": "urban", "items": 4, "answered": 3, "median_h": 4.0, "p90_h": 8.8,
         "ratings": 3, "satisfied": 1, "basically_satisfied": 1, "unsatisfied": 1, "satisfaction_pct": 66.7},
        {"department": None, "category": "environment", "items": 1, "answered": 0, "median_h": None,
         "p90_h": None, "ratings": 0, "satisfied": 0, "basically_satisfied": 0, "unsatisfied": 0,
         "satisfaction_pct": None}]


def test_overdue_counts_use_each_stations_deadline(centre_db):
    centre_db.set_config("*", json.dumps({"version": "t", "categories": [
        {"id": "urban", "names": {"zh-CN": "城乡建设"}, "deadline_days": 3}]}))
    centre_db.set_config("0372", json.dumps({"version": "t", "categories": [
        {"id": "urban", "names": {"zh-CN": "城乡建设"}, "deadline_days": 10}]}))
    loop = Loop(centre_db)
    old, fresh, flagged, replied = (item_meta(i, category="urban") for i in (1, 2, 3, 4))
    elsewhere = item_meta(1, station="0372", category="urban")
    for m in (old, fresh, flagged, replied, elsewhere):
        store(centre_db, m)
    for m in (old, replied, elsewhere):
        _at(centre_db, m, _ago(5 * 24))
    loop.advance(flagged["code"], "escalated", actor="li")
    loop.advance(replied["code"], "accepted", actor="li")
    loop.answer(replied["code"], "好", actor="li")
    loop.advance(elsewhere["code"], "accepted", actor="li")
    loop.advance(elsewhere["code"], "assigned", actor="li", department="水务局")
    rows = Pool(centre_db).report(2).tables["overdue"].rows
    assert rows == [{"department": "水务局", "category": "urban", "open": 1, "overdue": 0, "escalated": 0},
                    {"department": None, "category": "urban", "open": 3, "overdue": 1, "escalated": 1}]
    # One rule: the matters the supervision list calls overdue are the ones counted here.
    assert [d["code"] for d in loop.supervision() if d["overdue"]] == [old["code"]]


def test_csv_defuses_formulas_and_writes_nulls_empty():
    t = PoolTable("keywords", "t", ("keyword", "count", "stations"),
                  [{"keyword": "=HYPERLINK(\"x\")", "count": 2, "stations": None}, {"keyword": "路灯", "count": 1,
                                                                                     "stations": 1}])
    rows = list(csv.reader(io.StringIO(csv_text(t))))
    assert rows == [["keyword", "count", "stations"], ["'=HYPERLINK(\"x\")", "2", ""], ["路灯", "1", "1"]]


def test_pool_page_and_csv_exports_behind_the_login(centre, staff_browser):
    for seq, (station, text) in enumerate(TEXTS, 1):
        assert put_json(centre.url, item_meta(seq, station=station, text=text)).status_code == 201
    anonymous = requests.get(f"{centre.url}/pool", allow_redirects=False, timeout=10)
    assert anonymous.status_code == 303 and anonymous.headers["Location"].endswith("/login")
    assert requests.get(f"{centre.url}/pool/keywords.csv", allow_redirects=False, timeout=10).status_code == 303
    staff = staff_browser(centre)
    r = staff.get("/pool")
    assert r.status_code == 200
    assert "script-src 'self'" in r.headers["Content-Security-Policy"] and "unsafe" not in r.headers[
        "Content-Security-Policy"]
    assert r.headers["X-Frame-Options"] == "DENY" and r.headers["Cache-Control"] == "no-store"
    for name in ("categories_by_week", "stations_by_week", "keywords", "groups", "answers", "overdue"):
        assert f"id='table-{name}'" in r.text and f"/pool/{name}.csv" in r.text
    data = json.loads(re.search(r"<script type=application/json id=pool-data>(.*?)</script>", r.text).group(1))
    charts = {c["id"]: c for c in data["charts"]}
    assert charts["chart-keywords"]["x"][0] == "路灯" and charts["chart-keywords"]["series"][0]["data"][0] == 3
    assert all(f"id='{cid}'" in r.text for cid in charts)
    exported = staff.get("/pool/keywords.csv")
    assert exported.headers["Content-Type"].startswith("text/csv") and exported.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0] == {"keyword": "路灯", "count": "3", "stations": "3"}
    assert staff.get("/pool/groups.csv").content.decode("utf-8-sig").startswith("keyword,keywords,items,stations,codes")
    assert staff.get("/pool/nothing.csv").status_code == 404
    assert staff.get("/pool?weeks=many").status_code == 400 and staff.get("/pool?weeks=500").status_code == 400
    # A digit of another kind (str.isdigit says yes, int() refuses) is a 400, not a 500.
    assert staff.get("/pool?weeks=²").status_code == 400 and staff.get("/pool?weeks=+3").status_code == 400
    js = staff.get("/static/echarts.min.js")
    assert js.status_code == 200 and js.headers["Content-Type"].startswith("text/javascript") and len(js.content) > 500_000
    assert "Apache License" in staff.get("/static/echarts.LICENSE.txt").text
    for bad in ("/static/README.md", "/static/..%2fpool.py", "/static/nothing.js"):
        assert staff.get(bad).status_code == 404, bad


def test_command_line_pool_json_prints_the_same_tables(centre_db, centre_config):
    for seq, (station, text) in enumerate(TEXTS, 1):
        store(centre_db, item_meta(seq, station=station, text=text))
    res = subprocess.run([sys.executable, "-m", "kiosk", "--config", str(centre_config(centre_db)), "central-dev",
                          "pool", "--weeks", "3", "--json"], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    want = Pool(centre_db).report(3).as_json()
    assert out["weeks"] == want["weeks"] and len(out["weeks"]) == 3
    for name in ("categories_by_week", "stations_by_week", "keywords", "answers", "overdue"):
        assert out[name] == want[name], name
    assert out["keywords"][0] == {"keyword": "路灯", "count": 3, "stations": 3}
    assert [g["keyword"] for g in out["groups"]] == ["路灯", "垃圾桶"]
    bad = subprocess.run([sys.executable, "-m", "kiosk", "--config", str(centre_config(centre_db)), "central-dev",
                          "pool", "--weeks", "0", "--json"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "weeks: expected 1 to 104" in json.loads(bad.stdout)["error"]


def test_login_form_outlives_a_second_request_and_forms_carry_the_origin(centre):
    # Found by the browser test: a browser asks for /favicon.ico (redirected to /login)
    # after the form; a new token then expired the form on screen. And under
    # Referrer-Policy no-referrer a browser sends "Origin: null" with a form POST.
    s = requests.Session()
    first = s.get(f"{centre.url}/login", timeout=10)
    token = first.cookies["central_login"]
    assert first.headers["Referrer-Policy"] == "same-origin"
    again = s.get(f"{centre.url}/favicon.ico", timeout=10)
    assert [r.status_code for r in again.history] == [303] and again.url.endswith("/login")
    assert f"value='{token}'" in again.text and f"value='{token}'" in first.text
    fresh = requests.get(f"{centre.url}/login", timeout=10).cookies["central_login"]
    assert fresh != token
