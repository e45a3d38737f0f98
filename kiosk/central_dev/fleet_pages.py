"""The fleet staff page (``/fleet``) and its CSV export (``/fleet.csv``): every station's
last heartbeat, quiet ones first. Routed from kiosk/central_dev/pages.py behind the same
login and headers (gate.py); the data is kiosk/central_dev/fleet.py's."""

from __future__ import annotations

from html import escape

from werkzeug.wrappers import Request, Response

from kiosk.central_dev.fleet import Fleet, StationState, read_fleet
from kiosk.central_dev.pool_pages import csv_response
from kiosk.central_dev.trust_view import STATE_ZH
from kiosk.runtime.webguard import parse_count

HEAD = ("站点 Station", "最后心跳 Last heartbeat", "版本 Version", "队列 Queue", "磁盘 Disk", "设备 Devices",
        "注意 Attention", "链 Chain")


class FleetRequestError(ValueError):
    """A query parameter of the fleet page that cannot be used."""


def quiet_after_of(req: Request, default: int) -> int:
    """``?quiet_after=MIN`` (default: ``central_dev.quiet_after_min``)."""
    raw = req.args.get("quiet_after", "")
    if not raw:
        return default
    minutes = parse_count(raw)
    if minutes is None or not 1 <= minutes <= 10_080:
        raise FleetRequestError(f"quiet_after: expected 1 to 10080 minutes, got {raw!r}")
    return minutes


def _v(value, unit: str = "") -> str:
    return "—" if value is None else f"{escape(str(value))}{unit}"


def _row(s: StationState) -> str:
    when = (f"{escape(s.last_heartbeat)}<br><span class=muted>{_v(s.age_min)} min ago</span>"
            if s.last_heartbeat else "<b class=err>从未 never</b>")
    if s.quiet:
        when = f"<b class=err>静默 quiet</b><br>{when}"
    queue = (f"{_v(s.queue_pending)} pending, {_v(s.quarantined)} quarantined"
             + (f"<br>oldest {_v(s.oldest_undelivered_age_min)} min" if s.oldest_undelivered_age_min else ""))
    disk = f"{_v(s.disk_state)} {_v(s.disk_free_mb)} / {_v(s.disk_total_mb)} MB<br>db {_v(s.db_size_mb)} MB"
    devices = "<br>".join(f"{escape(k)}: {'<b class=err>' + escape(v) + '</b>' if v == 'error' else escape(v)}"
                          for k, v in sorted(s.devices.items())) or "—"
    version = f"{_v(s.app_version)}<br><span class=muted>up {_v(s.uptime_h)} h</span>"
    attention = " ".join(escape(a) for a in s.attention) or "ok"
    return (f"<tr><td>{escape(s.station)}</td><td>{when}</td><td>{version}</td><td>{queue}</td><td>{disk}</td>"
            f"<td>{devices}</td><td>{attention}</td><td>{_chain(s)}</td></tr>")


def _chain(s: StationState) -> str:
    if s.chain is None:
        return "—"
    return f"<b>{escape(STATE_ZH.get(s.chain, s.chain))}</b><br><span class=muted>{escape(s.chain_summary or '')}</span>"


def fleet_body(fleet: Fleet) -> str:
    """The page's body: the summary, the quiet-threshold form, the table."""
    versions = ", ".join(f"{escape(v)} ×{n}" for v, n in fleet.versions().items()) or "—"
    quiet = sum(s.quiet for s in fleet.stations)
    rows = "".join(_row(s) for s in fleet.stations)
    return (f"<p>{len(fleet.stations)} 个站点 stations · <b{' class=err' if quiet else ''}>{quiet} 静默 quiet</b> "
            f"(no heartbeat for {fleet.quiet_after_min} min) · 版本 versions: {versions}</p>"
            f"<form method=get action='/fleet'><label>静默阈值 quiet after (min) <input name=quiet_after "
            f"type=number min=1 max=10080 value={fleet.quiet_after_min}></label> <button>刷新 Show</button></form>"
            f"<p><a href='/fleet.csv?quiet_after={fleet.quiet_after_min}'>CSV fleet.csv</a></p>"
            "<table><tr>" + "".join(f"<th>{h}</th>" for h in HEAD) + "</tr>"
            f"{rows or '<tr><td colspan=8>暂无 none yet</td></tr>'}</table>")


def fleet_page(req: Request, db, page, default_quiet_min: int) -> Response:
    """GET /fleet."""
    try:
        fleet = read_fleet(db, quiet_after_min=quiet_after_of(req, default_quiet_min))
    except FleetRequestError as e:
        return page(req, "站点 Fleet", f"<p class=err>{escape(str(e))}</p>", status=400)
    return page(req, "站点 Fleet", fleet_body(fleet))


def fleet_csv(req: Request, db, page, default_quiet_min: int) -> Response:
    """GET /fleet.csv: every station, every column."""
    try:
        fleet = read_fleet(db, quiet_after_min=quiet_after_of(req, default_quiet_min))
    except FleetRequestError as e:
        return page(req, "站点 Fleet", f"<p class=err>{escape(str(e))}</p>", status=400)
    return csv_response(fleet.table(), "fleet.csv")
