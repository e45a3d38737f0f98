"""The data pool page in a real headless browser (Debian's chromium driven by playwright):
a staff member logs in, opens /pool, and every plot is drawn - a canvas of non-zero size
with pixels on it - with no console error (a script the page's CSP refuses, an
exception in ECharts, a missing file). Skipped when chromium is not installed (.ci/setup
installs it), except under CI (CI=true), where that fails; playwright never downloads a
browser of its own here. The screenshot is kept in the test's tmp_path (pool.png, its
path printed with -s)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from kiosk.central_dev.rating import rate

from central_items import item_meta, put_json
from kiosk.central_dev.loop import Loop

CHROMIUM = "/usr/bin/chromium"
STAFF_PASSWORD = "browser-test-password"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TEXTS = [("0371", "小区门口路灯坏了"), ("0372", "路灯不亮好几天了"), ("0373", "垃圾桶满了没人清理"),
         ("0371", "垃圾桶太臭了"), ("0372", "公交站太远")]

#: For each plot: its canvas's size and how many of a sample of its pixels are painted.
DRAWN = """() => Array.from(document.querySelectorAll('.chart')).map(el => {
  const c = el.querySelector('canvas');
  if (!c) return {id: el.id, canvas: false};
  const ctx = c.getContext('2d');
  const img = ctx.getImageData(0, 0, c.width, c.height).data;
  let painted = 0;
  for (let i = 3; i < img.length; i += 4 * 97) { if (img[i] !== 0) painted++; }
  return {id: el.id, canvas: true, width: c.width, height: c.height, painted: painted};
})"""


def _seed(centre) -> None:
    centre.db.add_heartbeat("0371", {"station": "0371", "app_version": "0.1.0", "queue": {"pending": 0},
                                     "disk": {"state": "ok", "free_mb": 900, "total_mb": 29000},
                                     "devices": {"printer": {"state": "ok"}}})
    loop = Loop(centre.db)
    for seq, (station, text) in enumerate(TEXTS, 1):
        meta = item_meta(seq, station=station, text=text, category="urban" if seq < 3 else "environment")
        assert put_json(centre.url, meta).status_code == 201
        if seq <= 3:
            loop.advance(meta["code"], "accepted", actor="wang")
            loop.advance(meta["code"], "assigned", actor="wang", department="城管局")
            loop.answer(meta["code"], "已处理", actor="wang")
            rate(centre.db, {"id": meta["id"][:-4] + "7777", "item_id": meta["id"], "rating": "satisfied"})


def test_pool_page_draws_its_plots_in_chromium_without_console_errors(centre, tmp_path):
    if not Path(CHROMIUM).is_file():
        msg = f"{CHROMIUM} not installed (apt chromium; .ci/setup installs it)"
        if os.environ.get("CI") == "true":  # as central_pg.cluster does for PostgreSQL
            pytest.fail(msg)
        pytest.skip(msg)
    from playwright.sync_api import sync_playwright
    centre.app.staff.set_password("staff", STAFF_PASSWORD)
    _seed(centre)
    problems: list[str] = []
    profile = tempfile.mkdtemp(prefix="minyi-chromium-")
    try:
        with sync_playwright() as pw:
            ctx = pw.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, headless=True, args=ARGS,
                                                        viewport={"width": 1280, "height": 900})
            page = ctx.new_page()
            page.on("console", lambda m: problems.append(f"console {m.type}: {m.text} at {m.location.get('url')}")
                    if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.goto(f"{centre.url}/login")
            page.fill("input[name=user]", "staff")
            page.fill("input[name=password]", STAFF_PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{centre.url}/")
            page.goto(f"{centre.url}/pool")
            page.wait_for_selector("body[data-charts-drawn]", timeout=20_000)
            assert page.get_attribute("body", "data-charts-drawn") == "6"
            assert page.inner_text("h1") == "民意数据池 Data pool"
            assert "路灯" in page.inner_text("#table-keywords")
            drawn = page.evaluate(DRAWN)
            page.screenshot(path=str(tmp_path / "pool.png"), full_page=True)
            page.goto(f"{centre.url}/fleet")  # the fleet page too: no console error there either
            # 0371 holds seq 1 and 4 of _seed, and its heartbeat names no chain head: a gap.
            assert "缺失 GAP" in page.inner_text("table")
            page.screenshot(path=str(tmp_path / "fleet.png"), full_page=True)
            ctx.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    print(f"screenshot: {tmp_path / 'pool.png'}")
    assert len(drawn) == 6, drawn
    for d in drawn:
        assert d["canvas"] and d["width"] > 0 and d["height"] > 0, d
        assert d["painted"] > 10, f"{d['id']}: canvas is blank: {d}"
    assert problems == []
    assert (tmp_path / "pool.png").stat().st_size > 10_000
