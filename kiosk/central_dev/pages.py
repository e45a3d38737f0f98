"""central-dev's staff pages: received items (play audio, view photos), set a status and
write a reply, see heartbeats, edit the station config served to kiosks.

Plain server-rendered HTML (every value through ``html.escape``, every value read from a
kiosk's metadata through :func:`text_of`, so a wrong type shows as text instead of
breaking the page). Who may see them (login, session, CSRF, headers) is decided by
:mod:`kiosk.central_dev.gate`; every form here carries :func:`csrf_field`.
"""

from __future__ import annotations

import base64
import hashlib
import json
from html import escape
from urllib.parse import quote

from werkzeug.exceptions import NotFound
from werkzeug.routing import Map, Rule
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response
from werkzeug.wsgi import wrap_file

from kiosk.central_dev.api import PHOTO_NAME
from kiosk.central_dev.defaults import default_config
from kiosk.central_dev.db import STATUSES, CentralDB
from kiosk.central_dev import fleet_pages, loop_pages, pool_pages, representatives
from kiosk.central_dev.continuity import station_reports
from kiosk.central_dev.fleet import DEFAULT_QUIET_AFTER_MIN
from kiosk.central_dev.health_view import device_table
from kiosk.central_dev.keys import verify_receipt
from kiosk.core.pii import mask_id_number
from kiosk.central_dev.trust_view import stations_table, verify_form
from kiosk.core.trackcode import CodeError
from kiosk.central_dev.loop import Loop

PAGE_URLS = Map([
    Rule("/", endpoint="index", methods=["GET"]),
    Rule("/items/<item_id>", endpoint="item", methods=["GET"]),
    Rule("/items/<item_id>/status", endpoint="status", methods=["POST"]),
    Rule("/items/<item_id>/advance", endpoint="advance", methods=["POST"]),
    Rule("/items/<item_id>/close", endpoint="close", methods=["POST"]),
    Rule("/supervision", endpoint="supervision", methods=["GET"]),
    Rule("/files/<item_id>/<int:idx>", endpoint="file", methods=["GET"]),
    Rule("/config", endpoint="config", methods=["GET", "POST"]),
    Rule("/config/photo", endpoint="photo", methods=["POST"]),
    Rule("/verify", endpoint="verify", methods=["GET", "POST"]),
    Rule("/pool", endpoint="pool", methods=["GET"]),
    Rule("/pool/<name>.csv", endpoint="pool_csv", methods=["GET"]),
    Rule("/static/<name>", endpoint="static", methods=["GET"]),
    Rule("/favicon.ico", endpoint="favicon", methods=["GET"]),
    Rule("/fleet", endpoint="fleet", methods=["GET"]),
    Rule("/fleet.csv", endpoint="fleet_csv", methods=["GET"]),
], merge_slashes=False)  # "//" is a 404, never a redirect

STATUS_ZH = {"received": "已接收", "accepted": "已受理", "assigned": "已交办", "in_progress": "办理中",
             "replied": "已答复", "closed": "已办结"}
RATING_ZH = {"satisfied": "满意", "basically_satisfied": "基本满意", "unsatisfied": "不满意"}

STYLE = """body{font-family:sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ccc;padding:.3rem;text-align:left}
img{max-width:100%;max-height:30rem}textarea{width:100%}.muted{color:#666}.err{color:#b00}
form.inline{display:inline}"""
#: The one inline style sheet, allowed by its hash (no other inline style or script runs).
STYLE_CSP = "'sha256-" + base64.b64encode(hashlib.sha256(STYLE.encode("utf-8")).digest()).decode("ascii") + "'"
PAGE_CSP = (f"default-src 'none'; style-src {STYLE_CSP}; img-src 'self'; media-src 'self'; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
#: Served files: nothing in them runs, even if a browser is talked into rendering one.
FILE_CSP = "default-src 'none'; sandbox"


#: Media types a browser may show inline from the files route; anything else is served
#: as application/octet-stream (a download), whatever the kiosk declared.
INLINE_TYPES = ("image/jpeg", "image/png", "image/webp", "audio/wav", "audio/x-wav", "audio/wave",
                "audio/ogg", "audio/mpeg", "audio/webm", "audio/flac")


def csrf_field(req: Request) -> str:
    """The hidden form field carrying this session's CSRF token (checked by the gate)."""
    session = req.environ.get("central_dev.session")
    return f"<input type=hidden name=csrf value='{escape(session.csrf if session else '')}'>"


def page(req: Request, title: str, body: str, status: int = 200) -> Response:
    """A staff page: navigation, a logout button, *body* (already escaped HTML)."""
    session = req.environ.get("central_dev.session")
    logout = (f" · {escape(session.user)} <form class=inline method=post action='/logout'>{csrf_field(req)}"
              "<button>退出 Log out</button></form>") if session else ""
    return Response(f"<!doctype html><html lang=zh-CN><meta charset=utf-8><title>{escape(title)}</title>"
                    f"<style>{STYLE}</style><body><p><a href='/'>收件箱 Inbox</a> · <a href='/config'>"
                    f"站点配置 Station config</a> · <a href='/supervision'>督办 Supervision</a> · <a href='/pool'>数据池 Data pool</a> · "
                    f"<a href='/fleet'>站点 Fleet</a> · <a href='/verify'>回执核验 Receipt check</a>{logout}</p><h1>{escape(title)}</h1>{body}</body></html>",
                    status=status, mimetype="text/html")


def text_of(meta, key: str, default: str = "") -> str:
    """``meta[key]`` as display text: strings as they are, anything else as its JSON
    (items stored before the centre checked types, or by another centre version)."""
    v = meta.get(key) if isinstance(meta, dict) else None
    if v is None:
        return default
    return v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)


def _representative_text(db, meta: dict, cache: dict | None = None, *, short: bool = False) -> str:
    """The representative the item addresses as escaped HTML: name and id ("-" for none)."""
    rep = representatives.described(db, meta, cache)
    if rep is None:
        return "-" if short else "代表: - · "
    shown = f"{escape(rep['name'] or '(not in the station config now)')} ({escape(rep['id'])})"
    return shown if short else f"代表 Representative: {shown} · "


def _meta_of(row) -> dict:
    try:
        meta = json.loads(row["meta"])
    except ValueError:
        return {}
    return meta if isinstance(meta, dict) else {}


class StaffPages:
    """The browser pages; :meth:`dispatch` answers one request the gate let through."""

    def __init__(self, db: CentralDB, *, quiet_after_min: int = DEFAULT_QUIET_AFTER_MIN):
        self.db = db
        self.loop = Loop(db)
        self.quiet_after_min = quiet_after_min

    def dispatch(self, req: Request) -> Response:
        """Route *req* (raises werkzeug HTTPExceptions for unknown routes and methods)."""
        endpoint, args = PAGE_URLS.bind_to_environ(req.environ).match()
        return getattr(self, endpoint)(req, **args)

    def index(self, req: Request) -> Response:
        rows, reps = [], {}
        for r in self.db.items():
            meta = _meta_of(r)
            atts = meta.get("attachments")
            rows.append(f"<tr><td><a href='/items/{escape(r['id'])}'>{escape(str(r['code'] or r['id']))}</a></td>"
                        f"<td>{escape(r['station'])}</td><td>{escape(text_of(meta, 'created_at'))}</td>"
                        f"<td>{escape(text_of(meta, 'category', '-'))}</td>"
                        f"<td>{_representative_text(self.db, meta, reps, short=True)}</td>"
                        f"<td>{escape(text_of(meta, 'text')[:40])}</td>"
                        f"<td>{len(atts) if isinstance(atts, list) else 0}</td>"
                        f"<td>{escape(STATUS_ZH.get(r['status'], r['status']))}</td></tr>")
        last_beats = self.db.last_heartbeats()
        beats = "".join(
            f"<tr><td>{escape(h['station'])}</td><td>{escape(h['received_at'])}</td>"
            f"<td><code>{escape(_beat_summary(h['body']))}</code></td></tr>" for h in last_beats)
        body = ("<table><tr><th>编号 Code</th><th>站点</th><th>时间</th><th>类别</th><th>代表</th><th>内容</th>"
                f"<th>附件</th><th>状态</th></tr>{''.join(rows) or '<tr><td colspan=8>暂无 none yet</td></tr>'}</table>"
                f"<h2>心跳 Heartbeats</h2><table>{beats or '<tr><td>none yet</td></tr>'}</table>"
                f"<h2>站点 Stations: keys and chain</h2>{stations_table(station_reports(self.db))}"
                f"<h2>设备 Devices</h2>{device_table(last_beats)}")
        return page(req, "收件箱 Received items", body)

    def item(self, req: Request, item_id: str) -> Response:
        r = self.db.item(item_id)
        if r is None:
            raise NotFound("no such item")
        meta = _meta_of(r)
        ident = meta.get("identity") if isinstance(meta.get("identity"), dict) else {}
        media = []
        for f in self.db.files(item_id):
            src = f"/files/{escape(item_id)}/{f['idx']}"
            if f["media_type"].startswith("audio/"):
                media.append(f"<p>{escape(f['name'])}<br><audio controls preload=none src='{src}'></audio></p>")
            elif f["media_type"].startswith("image/"):
                media.append(f"<p>{escape(f['name'])}<br><a href='{src}'><img src='{src}' alt='{escape(f['name'])}'></a></p>")
            else:
                media.append(f"<p><a href='{src}'>{escape(f['name'])}</a> ({f['size']} bytes)</p>")
        options = "".join(f"<option value='{s}'{' selected' if s == r['status'] else ''}>{STATUS_ZH[s]} {s}</option>"
                          for s in STATUSES)
        history = "".join(f"<li>{escape(u['at'])}: {escape(u['stage'] or u['status'])} (round {u['round']}) "
                          f"{escape(u['reply'] or u['note'] or '')} {escape(RATING_ZH.get(u['rating'] or '', ''))}</li>"
                          for u in self.db.q("SELECT * FROM updates WHERE item_id = ? ORDER BY cursor", [item_id]))
        ratings = "".join(f"<li>{escape(x['created_at'] or '')}: {RATING_ZH.get(x['rating'], '')} {escape(x['rating'])}"
                          f" · round {x['round'] if x['round'] is not None else '—'}"
                          f"{' · ' + escape(x['reason']) if x['reason'] else ''}</li>"
                          for x in self.db.q("SELECT * FROM ratings WHERE item_id = ? ORDER BY received_at", [item_id]))
        body = (f"<p class=muted>{escape(item_id)} · 站点 {escape(r['station'])} · {escape(text_of(meta, 'created_at'))}"
                f" · 来源 {escape(text_of(meta, 'source'))}</p>"
                f"<p>类别: {escape(text_of(meta, 'category', '-'))} · "
                f"{_representative_text(self.db, meta)}"
                + ("匿名 anonymous" if meta.get("anonymous") is True else
                   f"实名: {escape(text_of(ident, 'name'))} {escape(text_of(ident, 'phone'))}"
                   + _id_number_shown(ident))
                + f"</p><blockquote>{escape(text_of(meta, 'text')).replace(chr(10), '<br>')}</blockquote>"
                f"{''.join(media)}<h2>办理 Handle</h2><form method=post action='/items/{escape(item_id)}/status'>"
                f"{csrf_field(req)}"
                f"<select name=status>{options}</select><br><textarea name=reply rows=4 "
                f"placeholder='答复内容 reply'>{escape(r['reply'] or '')}</textarea><br>"
                f"<button type=submit>保存 Save</button></form>"
                f"{loop_pages.loop_section(req, self.loop, r, csrf_field(req))}<h2>History</h2><ul>{history}</ul>"
                f"<h2>群众评价 Rating</h2><ul>{ratings or '<li>暂无 none yet</li>'}</ul>")
        return page(req, f"事项 {r['code'] or item_id}", body)

    def status(self, req: Request, item_id: str) -> Response:
        try:
            self.db.set_status(item_id, req.form.get("status", ""), req.form.get("reply", "").strip() or None)
        except KeyError:
            raise NotFound("no such item") from None
        except ValueError as e:
            return page(req, "无法保存 Not saved", f"<p class=err>{escape(str(e))}</p>", status=400)
        return redirect(f"/items/{item_id}", code=303)

    def advance(self, req: Request, item_id: str) -> Response:
        return loop_pages.advance(req, self.loop, item_id, page)

    def close(self, req: Request, item_id: str) -> Response:
        return loop_pages.close(req, self.loop, item_id, page)

    def supervision(self, req: Request) -> Response:
        return loop_pages.supervision(req, self.loop, page)

    def pool(self, req: Request) -> Response:
        return pool_pages.pool_page(req, self.db, page, STYLE_CSP)

    def pool_csv(self, req: Request, name: str) -> Response:
        return pool_pages.pool_csv(req, self.db, name, page)

    def static(self, req: Request, name: str) -> Response:
        return pool_pages.static_file(name)

    def fleet(self, req: Request) -> Response:
        return fleet_pages.fleet_page(req, self.db, page, self.quiet_after_min)

    def fleet_csv(self, req: Request) -> Response:
        return fleet_pages.fleet_csv(req, self.db, page, self.quiet_after_min)

    def favicon(self, req: Request) -> Response:
        # Browsers ask for it on every page; a 404 would be an error in their console.
        return Response(status=204)

    def file(self, req: Request, item_id: str, idx: int) -> Response:
        f = next((f for f in self.db.files(item_id) if f["idx"] == idx), None)
        if f is None:
            raise NotFound("no such file")
        try:
            fh = open(self.db.file_path(item_id, idx), "rb")
        except OSError:
            raise NotFound("file missing on disk") from None
        # Always a download to the browser's own origin-less sandbox: an attachment that
        # claims text/html must never run as a page of this site (docs/security.md).
        declared = f["media_type"].split(";")[0].strip().lower()
        mimetype = declared if declared in INLINE_TYPES else "application/octet-stream"
        return Response(wrap_file(req.environ, fh), mimetype=mimetype, direct_passthrough=True,
                        headers={"Content-Length": str(f["size"]),
                                 "Content-Disposition": f"attachment; filename=\"file{idx}\"; "
                                                        f"filename*=UTF-8''{quote(f['name'], safe='')}",
                                 "Content-Security-Policy": FILE_CSP})

    def config(self, req: Request) -> Response:
        msg = ""
        if req.method == "POST":
            text = req.form.get("body", "")
            station = req.form.get("station", "*").strip() or "*"
            try:
                json.loads(text)
            except ValueError as e:
                msg = f"<p class=err>not JSON: {escape(str(e))}</p>"
            else:
                msg = f"<p>saved for {escape(station)}, ETag {escape(self.db.set_config(station, text))}</p>"
        found = self.db.config_for("*")
        current = found[0] if found else default_config()
        body = (f"{msg}<p class=muted>Served to kiosks at GET /api/v1/stations/&lt;station&gt;/config; the kiosk "
                "validates it and keeps its last good one if this is wrong.</p>"
                f"<form method=post>{csrf_field(req)}"
                "<label>station (* = all) <input name=station value='*' size=6></label><br>"
                f"<textarea name=body rows=24>{escape(current)}</textarea><br><button>保存 Save</button></form>"
                "<h2>代表照片 Representative photo</h2><p class=muted>Upload a JPEG or PNG (at most 512 KiB, "
                "the kiosk refuses larger ones), then put the URL shown into the representative's "
                "<code>photo_url</code>.</p><form method=post action=/config/photo enctype=multipart/form-data>"
                f"{csrf_field(req)}"
                "<label>name <input name=name placeholder=r1.jpg size=16></label> "
                "<input type=file name=photo accept='image/jpeg,image/png'> <button>上传 Upload</button></form>")
        return page(req, "站点配置 Station config", body)

    def verify(self, req: Request) -> Response:
        """Check a receipt's seal with the pinned keys (kiosk/central_dev/keys.py)."""
        payload, result, error = req.form.get("payload", "") if req.method == "POST" else "", None, None
        if payload:
            try:
                result = verify_receipt(self.db, payload)
            except CodeError as e:
                error = str(e)
        return page(req, "回执核验 Receipt check", verify_form(csrf_field(req), payload, result, error))

    def photo(self, req: Request) -> Response:
        name = req.form.get("name", "").strip()
        f = req.files.get("photo")
        if not PHOTO_NAME.fullmatch(name) or f is None:
            return page(req, "代表照片 Photo", "<p class=err>name must look like r1.jpg or r1.png, "
                        "and a file is needed</p>", status=400)
        self.db.save_photo(name, f.read())
        url = f"{req.host_url.rstrip('/')}/api/v1/photos/{name}"
        return page(req, "代表照片 Photo", f"<p>saved; use <code>\"photo_url\": \"{escape(url)}\"</code></p>")


def _beat_summary(body: str) -> str:
    try:
        b = json.loads(body)
    except ValueError:
        return body[:100]
    if not isinstance(b, dict):
        return body[:100]
    sub = lambda key, inner: b[key].get(inner) if isinstance(b.get(key), dict) else None  # noqa: E731
    unopenable = f"STORE UNOPENABLE ({sub('store', 'detail')}) " if sub("store", "state") == "unopenable" else ""
    return (f"v{b.get('app_version')} {unopenable}queue={sub('queue', 'pending')} "
            f"disk={sub('disk', 'state')} {sub('disk', 'free_mb')}MB chain_head={sub('chain', 'seq')} "
            f"devices={b.get('devices')}")


def _id_number_shown(ident: dict) -> str:
    """The ID number's last 4 characters for the item page (docs/protocol.md: the centre
    keeps the full number for real-name handling and shows no more than that)."""
    number = ident.get("id_number")
    return f" · 身份证 {escape(mask_id_number(number))}" if isinstance(number, str) and number else ""
