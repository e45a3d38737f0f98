"""The data pool's staff page (``/pool``), its CSV exports (``/pool/<table>.csv``) and the
page's static files (``/static/<name>``: ECharts and the page's own script and style).

Routed from kiosk/central_dev/pages.py, behind the same login and headers (gate.py). The
plots are Apache ECharts, vendored in kiosk/central_dev/static/ (no CDN: a district's
centre may have no internet); the page allows scripts from its own origin only, and
the data travels in a JSON block that is never executed. docs/centre.md, "Data pool".
"""

from __future__ import annotations

import csv
import io
import json
from html import escape
from pathlib import Path

from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Request, Response

from kiosk.central_dev.pool import DEFAULT_WEEKS, TABLES, Pool, PoolError, PoolReport, PoolTable
from kiosk.runtime.webguard import parse_count

STATIC = Path(__file__).with_name("static")
#: What /static/ serves (nothing else in the folder, no path from the request).
STATIC_TYPES = {"echarts.min.js": "text/javascript", "pool.js": "text/javascript", "pool.css": "text/css",
                "echarts.LICENSE.txt": "text/plain", "echarts.NOTICE.txt": "text/plain",
                "echarts.LICENSE-d3.txt": "text/plain"}
#: Rows of one table shown on the page; the CSV export has them all.
PAGE_ROWS = 50
#: Cells a spreadsheet would run as a formula (CSV injection): residents' words become
#: keywords, so a cell starting with one of these is prefixed with an apostrophe.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def pool_csp(style_csp: str) -> str:
    """The pool page's policy: the pages' own, plus scripts and a style sheet from /static/."""
    return (f"default-src 'none'; script-src 'self'; style-src {style_csp} 'self'; img-src 'self' data:; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


def weeks_of(req: Request) -> int:
    """``?weeks=N`` (default :data:`DEFAULT_WEEKS`); :class:`PoolError` if not a number."""
    raw = req.args.get("weeks", "")
    if not raw:
        return DEFAULT_WEEKS
    weeks = parse_count(raw)
    if weeks is None:
        raise PoolError(f"weeks: expected a whole number, got {raw!r}")
    return weeks


def _row_label(row: dict, names: dict[str, str]) -> str:
    dept = row["department"] or "未分流"
    cat = row["category"]
    return f"{dept} · {names.get(cat, cat) if cat else '—'}"


def _cell(value) -> str:
    return "—" if value is None else escape(str(value))


def html_table(t: PoolTable, names: dict[str, str], weeks: tuple[str, ...]) -> str:
    """*t* as an HTML table (the weekly ones pivoted: one row per category or station)."""
    if t.name.endswith("_by_week"):
        key = t.columns[1]
        grid: dict = {}
        for r in t.rows:
            grid.setdefault(r[key], {})[r["week"]] = r["items"]
        keys = sorted(grid, key=lambda k: (-sum(grid[k].values()), str(k)))
        head = f"<tr><th>{escape(key)}</th>" + "".join(f"<th>{escape(w[5:])}</th>" for w in weeks) + "<th>Σ</th></tr>"
        body = "".join(f"<tr><td>{escape(names.get(k, k) if k else '—')}</td>"
                       + "".join(f"<td>{grid[k].get(w, 0)}</td>" for w in weeks)
                       + f"<td>{sum(grid[k].values())}</td></tr>" for k in keys[:PAGE_ROWS])
        shown, total = min(len(keys), PAGE_ROWS), len(keys)
    else:
        head = "<tr>" + "".join(f"<th>{escape(c)}</th>" for c in t.columns) + "</tr>"
        body = "".join("<tr>" + "".join(f"<td>{_cell(names.get(r[c], r[c]) if c == 'category' else r[c])}</td>"
                                        for c in t.columns) + "</tr>" for r in t.rows[:PAGE_ROWS])
        shown, total = min(len(t.rows), PAGE_ROWS), len(t.rows)
    more = f"<p class=muted>{shown} of {total} rows shown; the CSV has them all.</p>" if total > shown else ""
    empty = f"<tr><td colspan={len(t.columns)}>暂无 none yet</td></tr>" if not t.rows else ""
    return f"<table>{head}{body or empty}</table>{more}"


def _series(name: str, data: list) -> dict:
    return {"name": name, "data": data}


def chart_specs(report: PoolReport) -> list[dict]:
    """What static/pool.js draws: one spec per plot (x labels, named series, bar or line)."""
    t, names, weeks = report.tables, report.category_names, list(report.weeks)
    specs = []
    by_cat: dict = {}
    for r in t["categories_by_week"].rows:
        by_cat.setdefault(r["category"], {})[r["week"]] = r["items"]
    specs.append({"id": "chart-categories_by_week", "type": "bar", "stack": True, "x": [w[5:] for w in weeks],
                  "unit": "件", "series": [_series(names.get(c, c) if c else "—", [v.get(w, 0) for w in weeks])
                                           for c, v in sorted(by_cat.items(), key=lambda kv: str(kv[0]))]})
    per_station: dict = {}
    for r in t["stations_by_week"].rows:
        per_station[r["station"]] = per_station.get(r["station"], 0) + r["items"]
    top = sorted(per_station, key=lambda s: (-per_station[s], s))[:20]
    specs.append({"id": "chart-stations_by_week", "type": "bar", "x": top, "unit": "件",
                  "series": [_series("items", [per_station[s] for s in top])]})
    kw = t["keywords"].rows[:20]
    specs.append({"id": "chart-keywords", "type": "bar", "horizontal": True, "x": [r["keyword"] for r in kw],
                  "series": [_series("items", [r["count"] for r in kw]), _series("stations", [r["stations"] for r in kw])]})
    ans = t["answers"].rows[:30]
    labels = [_row_label(r, names) for r in ans]
    specs.append({"id": "chart-answers", "type": "bar", "x": labels, "unit": "h",
                  "series": [_series("median_h", [r["median_h"] for r in ans]), _series("p90_h", [r["p90_h"] for r in ans])]})
    specs.append({"id": "chart-satisfaction", "type": "bar", "stack": True, "x": labels, "unit": "评价",
                  "series": [_series(k, [r[k] for r in ans]) for k in ("satisfied", "basically_satisfied", "unsatisfied")]})
    od = t["overdue"].rows[:30]
    specs.append({"id": "chart-overdue", "type": "bar", "x": [_row_label(r, names) for r in od], "unit": "件",
                  "series": [_series(k, [r[k] for r in od]) for k in ("open", "overdue", "escalated")]})
    return specs


#: Which plots stand above which table.
CHARTS_OF = {"categories_by_week": ("chart-categories_by_week",), "stations_by_week": ("chart-stations_by_week",),
             "keywords": ("chart-keywords",), "groups": (), "answers": ("chart-answers", "chart-satisfaction"),
             "overdue": ("chart-overdue",)}


def json_block(data) -> str:
    """*data* as JSON safe inside ``<script type=application/json>`` (no ``</script>``)."""
    return (json.dumps(data, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("&", "\\u0026"))


def pool_body(report: PoolReport) -> str:
    """The page's body: the weeks form, each table with its plots and CSV link, the data."""
    q = f"?weeks={len(report.weeks)}"
    parts = [f"<link rel=stylesheet href='/static/pool.css'>"
             f"<form method=get action='/pool'><label>周数 weeks <input name=weeks type=number min=1 max=104 "
             f"value={len(report.weeks)}></label> <button>刷新 Show</button></form>"
             f"<p class=muted>自 since {escape(report.weeks[0])} (UTC{report.utc_offset_min / 60:+g}) · "
             f"生成 generated {escape(report.generated_at)} · overdue counts every open matter</p>"]
    for name, t in report.tables.items():
        charts = "".join(f"<div class=chart id='{c}'></div>" for c in CHARTS_OF[name])
        parts.append(f"<section id='table-{name}'><h2>{escape(t.title)}</h2>{charts}"
                     f"<p><a href='/pool/{name}.csv{q}'>CSV {escape(name)}.csv</a></p>"
                     f"{html_table(t, report.category_names, report.weeks)}</section>")
    parts.append(f"<script type=application/json id=pool-data>{json_block({'charts': chart_specs(report)})}</script>"
                 "<script src='/static/echarts.min.js'></script><script src='/static/pool.js'></script>"
                 "<p class=muted>Charts: Apache ECharts (<a href='/static/echarts.LICENSE.txt'>Apache-2.0</a>)</p>")
    return "".join(parts)


def pool_page(req: Request, db, page, style_csp: str) -> Response:
    """GET /pool: the data pool over ``?weeks=N`` weeks."""
    try:
        report = Pool(db).report(weeks_of(req))
    except PoolError as e:
        return page(req, "数据池 Data pool", f"<p class=err>{escape(str(e))}</p>", status=400)
    resp = page(req, "民意数据池 Data pool", pool_body(report))
    resp.headers["Content-Security-Policy"] = pool_csp(style_csp)
    return resp


def csv_text(t: PoolTable) -> str:
    """*t* as CSV: a header row of its columns, empty cells for nulls, formulas defused."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(t.columns)
    for r in t.rows:
        cells = ["" if r[c] is None else str(r[c]) for c in t.columns]
        w.writerow(["'" + v if v.startswith(FORMULA_START) else v for v in cells])
    return out.getvalue()


def csv_response(t: PoolTable, filename: str) -> Response:
    """*t* as a UTF-8 CSV download (with a BOM, so spreadsheet programs read the Chinese)."""
    return Response("\ufeff" + csv_text(t), mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=\"{filename}\""})


def pool_csv(req: Request, db, name: str, page) -> Response:
    """GET /pool/<name>.csv: one table of the pool, every row."""
    if name not in TABLES:
        raise NotFound("no such table")
    try:
        report = Pool(db).report(weeks_of(req))
    except PoolError as e:
        return page(req, "数据池 Data pool", f"<p class=err>{escape(str(e))}</p>", status=400)
    return csv_response(report.tables[name], f"pool-{name}.csv")


def static_file(name: str) -> Response:
    """GET /static/<name>: one of :data:`STATIC_TYPES`, from the package."""
    mimetype = STATIC_TYPES.get(name)
    if mimetype is None:
        raise NotFound("no such file")
    return Response((STATIC / name).read_bytes(), mimetype=mimetype)
