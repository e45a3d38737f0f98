"""The UI-free disclosure core (kiosk/disclosure/board.py) on real station-config documents: duty now /
today / this week, dated and undated receptions, announcements by start/end and clock
trust, figures by month, published matters with only public fields."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from kiosk.disclosure import board
from kiosk.core import station_config
from kiosk.core.station_config import StationConfigError

CST = timezone(timedelta(hours=8))
# Wednesday 2026-12-02 15:00 local (UTC+8)
WED_15 = datetime(2026, 12, 2, 15, 0, tzinfo=CST)

DOC = {
    "version": "12",
    "categories": [{"id": "roads", "names": {"zh-CN": "道路"}}],
    "representatives": [
        {"id": "r1", "name": "李代表", "title": "市人大代表", "constituency": "第三选区",
         "schedule": [{"weekday": 3, "start": "14:00", "end": "16:00"}]},
        {"id": "r2", "name": "王代表", "title": "区人大代表",
         "schedule": [{"weekday": 3, "start": "09:00", "end": "11:00"},
                      {"weekday": 5, "start": "09:00", "end": "11:00"}]},
        {"id": "r3", "name": "张代表", "schedule": [{"weekday": 1, "start": "09:00", "end": "10:00"}]},
    ],
    "announcements": [
        {"id": "open", "title": "长期公告"},
        {"id": "current", "title": "本周公告", "starts": "2026-11-30T00:00:00+08:00", "ends": "2026-12-06T00:00:00+08:00"},
        {"id": "expired", "title": "过期公告", "starts": "2026-11-01T00:00:00+08:00", "ends": "2026-11-30T00:00:00+08:00"},
        {"id": "future", "title": "未来公告", "starts": "2026-12-10T00:00:00+08:00"},
        {"id": "naive", "title": "无时区", "ends": "2026-12-02T14:00:00"},
    ],
    "statistics": {"period": "2026年", "months": [
        {"month": "2026-10", "received": 90, "replied": 85, "resolved": 80, "resolution_rate": 0.89,
         "satisfaction_rate": 0.95},
        {"month": "2026-11", "received": 120, "replied": 113, "resolved": 100, "satisfaction_rate": 0.93}]},
    "published_matters": [
        {"id": "m1", "category": "市政设施", "summary": "小区门口路灯不亮", "outcome": "已修复", "handled_on": "2026-11-20"},
        {"id": "m2", "category": "环境", "summary": "垃圾清运不及时", "outcome": "已调整清运时间", "handled_on": "2026-11-25"},
    ],
}


def parsed(doc=None):
    return station_config.parse(json.dumps(doc or DOC, ensure_ascii=False))


def test_duty_now_today_and_this_week_with_a_trusted_clock(tmp_path):
    b = board.compute(parsed(), WED_15, True, tmp_path)
    by_id = {r.id: r for r in b.representatives}
    assert [r.id for r in b.on_duty_now] == ["r1"]
    assert by_id["r2"].on_duty_today and not by_id["r2"].on_duty_now  # 09-11 is over
    assert by_id["r2"].on_duty_this_week  # Friday still to come
    assert not by_id["r3"].on_duty_today and not by_id["r3"].on_duty_this_week  # Monday is past
    assert b.representatives[0].id == "r1", "on duty now comes first"
    assert by_id["r1"].constituency == "第三选区"


def test_receptions_are_dated_for_the_coming_weeks_and_skip_what_is_over(tmp_path):
    b = board.compute(parsed(), WED_15, True, tmp_path)
    first = b.receptions[:3]
    assert [(x.date, x.start, x.name) for x in first] == [
        ("2026-12-02", "14:00", "李代表"), ("2026-12-04", "09:00", "王代表"), ("2026-12-07", "09:00", "张代表")]
    assert ("2026-12-02", "09:00") not in [(x.date, x.start) for x in b.receptions], "today 09-11 is over"
    assert all(x.date <= "2026-12-22" for x in b.receptions)
    assert b.next_reception().date == "2026-12-02"


def test_untrusted_clock_claims_nothing_about_now_and_lists_the_weekly_schedule(tmp_path):
    doc = json.loads(json.dumps(DOC))
    doc["representatives"][2]["on_duty"] = True   # the centre's own word still counts
    b = board.compute(parsed(doc), WED_15, False, tmp_path)
    assert [r.id for r in b.on_duty_now] == ["r3"]
    assert all(x.date is None for x in b.receptions)
    assert [(x.weekday, x.start) for x in b.receptions] == [(1, "09:00"), (3, "09:00"), (3, "14:00"), (5, "09:00")]


def test_announcements_respect_start_and_end(tmp_path):
    b = board.compute(parsed(), WED_15, True, tmp_path)
    assert [a.id for a in b.announcements] == ["open", "current"]
    assert {(w.id, w.reason) for w in b.withheld} == {
        ("expired", "expired"), ("future", "not_started"), ("naive", "expired")}  # naive = kiosk-local
    assert b.withheld_for_clock == 0


def test_untrusted_clock_shows_every_announcement_without_an_end_and_counts_the_rest(tmp_path):
    b = board.compute(parsed(), WED_15, False, tmp_path)
    assert [a.id for a in b.announcements] == ["open", "future"]
    assert {w.id for w in b.withheld} == {"current", "expired", "naive"}
    assert b.withheld_for_clock == 3, "held back, and said so"


def test_figures_by_month_newest_first_and_matters_newest_first(tmp_path):
    b = board.compute(parsed(), WED_15, True, tmp_path)
    assert [m.month for m in b.months] == ["2026-11", "2026-10"]
    assert b.months[0].resolution_rate is None and b.months[1].resolution_rate == pytest.approx(0.89)
    assert b.statistics == {"period": "2026年"}
    assert [m.id for m in b.matters] == ["m2", "m1"]


def test_no_station_config_yet_is_said_not_faked(tmp_path):
    b = board.compute(None, WED_15, True, tmp_path)
    assert not b.available and b.representatives == () and b.to_dict()["available"] is False


def test_photo_is_shown_only_from_the_cache(tmp_path):
    from kiosk.sync import photos
    doc = json.loads(json.dumps(DOC))
    doc["representatives"][0]["photo_url"] = "https://centre.example/api/v1/photos/r1.jpg"
    cfg = parsed(doc)
    assert board.compute(cfg, WED_15, True, tmp_path).representatives[0].photo is None
    photos.store_photo(tmp_path, "https://centre.example/api/v1/photos/r1.jpg", ".jpg", b"\xff\xd8\xff\xe0jpeg")
    path = board.compute(cfg, WED_15, True, tmp_path).representatives[0].photo
    assert path and path.startswith(str(tmp_path / "photos"))


@pytest.mark.parametrize("mutate, field", [
    (lambda d: d["published_matters"][0].update(text="我家楼下的路灯坏了，我叫张三"), "published_matters[0].text"),
    (lambda d: d["published_matters"][0].update(name="张三"), "published_matters[0].name"),
    (lambda d: d["published_matters"][0].update(photo="https://x/1.jpg"), "published_matters[0].photo"),
    (lambda d: d["published_matters"][1].update(summary="请联系13812345678的居民"), "published_matters[1].summary"),
    (lambda d: d["published_matters"][1].update(outcome="身份证11010519491231002X已登记"), "published_matters[1].outcome"),
    (lambda d: d["published_matters"][0].update(summary=""), "published_matters[0].summary"),
    (lambda d: d["published_matters"][0].update(handled_on="20. Nov"), "published_matters[0].handled_on"),
    (lambda d: d["statistics"]["months"].append({"month": "2026-11", "received": 1, "replied": 1}), "statistics.months"),
    (lambda d: d["statistics"]["months"][0].update(month="2026-13"), "statistics.months[0].month"),
    (lambda d: d["statistics"]["months"][0].update(received=-1), "statistics.months[0].received"),
    (lambda d: d["statistics"]["months"][0].update(satisfaction_rate=93), "statistics.months[0].satisfaction_rate"),
    (lambda d: d["representatives"][0].update(photo_url="http://evil.example/p.jpg"), "representatives[0].photo_url"),
    (lambda d: d["representatives"][0].update(constituency="x" * 101), "representatives[0].constituency"),
])
def test_a_bad_disclosure_field_rejects_the_document_naming_the_field(mutate, field):
    doc = json.loads(json.dumps(DOC))
    mutate(doc)
    with pytest.raises(StationConfigError) as e:
        parsed(doc)
    assert str(e.value).startswith(field), str(e.value)


def test_published_matters_carry_only_public_fields(tmp_path):
    b = board.compute(parsed(), WED_15, True, tmp_path)
    for m in b.to_dict()["matters"]:
        assert set(m) == {"id", "category", "summary", "outcome", "handled_on"}


def test_current_board_reads_the_applied_config_from_the_store(store):
    station_config.apply(store, json.dumps(DOC, ensure_ascii=False).encode("utf-8"), '"e1"')
    b = board.current_board(store, now=WED_15)
    assert b.available and b.config_version == "12"
    assert not b.clock_trusted  # tests run with an untrusted clock unless they say otherwise
    assert [a.id for a in b.announcements] == ["open", "future"]
