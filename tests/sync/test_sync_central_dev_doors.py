"""central-dev's doors over real HTTP (waitress on 127.0.0.1, requests as the browser):
staff login, session cookie, CSRF on every form, Host allow-list, headers of served
files, type checks on item metadata, the multipart part cap (docs/security.md, "Web pages")."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import uuid
from html.parser import HTMLParser

import pytest
import requests

from kiosk.central_dev.api import MAX_PARTS
from kiosk.central_dev.server import CentralServer
from kiosk.config.sync import DEV_TOKEN

AUTH = {"Authorization": f"Bearer {DEV_TOKEN}"}
HTML_ATTACK = b"<!doctype html><script>fetch('/config').then(r=>r.text()).then(alert)</script>"


def put_item(central, *, files=(), **overrides) -> requests.Response:
    """PUT one item as a kiosk would (multipart: metadata + file<idx>), with *overrides*
    merged into the metadata."""
    item_id = overrides.pop("id", str(uuid.uuid4()))
    atts = [{"idx": i, "name": name, "kind": "file", "media_type": mt, "size": len(body),
             "sha256": hashlib.sha256(body).hexdigest()} for i, (name, mt, body) in enumerate(files)]
    meta = {"protocol": 1, "id": item_id, "station": "0371", "seq": 1, "code": "0371-0000001-0",
            "created_at": "2026-12-01T10:00:00+08:00", "clock_trusted": True, "text": "路灯坏了",
            "category": "urban", "anonymous": True, "identity": None, "source": "voice", "lang": "zh-CN",
            "attachments": atts, **overrides}
    parts = [("metadata", (None, json.dumps(meta, ensure_ascii=False), "application/json"))]
    parts += [(f"file{i}", (name, body, mt)) for i, (name, mt, body) in enumerate(files)]
    return requests.put(f"{central.url}/api/v1/items/{item_id}", files=parts, headers=AUTH, timeout=30)


class Forms(HTMLParser):
    """Every <form> of a page with the names of its inputs."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"method": (a.get("method") or "get").lower(), "action": a.get("action"),
                               "fields": {}})
        elif tag in ("input", "textarea", "select") and self.forms:
            self.forms[-1]["fields"][a.get("name")] = a.get("value")


def forms_of(html: str) -> list[dict]:
    p = Forms()
    p.feed(html)
    return p.forms


# -- login and session -------------------------------------------------------------------

def test_every_page_needs_a_login(central):
    item_id = put_item(central, files=[("v.wav", "audio/wav", b"RIFF1234")]).json()["id"]
    for path in ("/", f"/items/{item_id}", f"/files/{item_id}/0", "/config"):
        r = requests.get(central.url + path, allow_redirects=False, timeout=5)
        assert r.status_code == 303 and r.headers["Location"].endswith("/login"), path
        assert b"RIFF" not in r.content
    for path, data in ((f"/items/{item_id}/status", {"status": "replied", "reply": "x"}),
                       ("/config", {"station": "*", "body": "{}"})):
        r = requests.post(central.url + path, data=data, allow_redirects=False, timeout=5)
        assert r.status_code == 403, path
    assert central.db.item(item_id)["status"] == "received" and central.db.config_for("0371") is None


def test_no_default_password_and_set_password_command(central, write_config, tmp_path):
    s = requests.Session()
    form = s.get(central.url + "/login", timeout=5)
    assert "kiosk central-dev set-password" in form.text
    csrf = forms_of(form.text)[0]["fields"]["csrf"]
    for guess in ("", "staff", "admin", "minyi-dev-token"):
        r = s.post(central.url + "/login", data={"csrf": csrf, "user": "staff", "password": guess},
                   allow_redirects=False, timeout=10)
        assert r.status_code == 403 and "central_session" not in r.cookies
    url_line = f'database_url = "{central.database_url}"\n' if central.database_url else ""
    cfg = write_config(f'[central_dev]\ndata_dir = "{central.db.data_dir}"\n{url_line}')
    cmd = [sys.executable, "-m", "kiosk", "--config", str(cfg), "central-dev", "set-password", "--json"]
    short = subprocess.run(cmd, input="short\n", capture_output=True, text=True, timeout=60)
    assert short.returncode == 4 and "too short" in json.loads(short.stdout)["error"]
    assert "Traceback" not in short.stderr
    ok = subprocess.run(cmd, input="a long staff passphrase\n", capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout) == {"ok": True, "user": "staff", "data_dir": str(central.db.data_dir)}
    stored = central.db.q('SELECT password_hash FROM staff_users WHERE "user" = ?', ['staff'])[0][0]
    assert stored.startswith("scrypt$") and "passphrase" not in stored
    if not central.database_url:
        assert b"a long staff passphrase" not in (central.db.data_dir / "central.db").read_bytes()

    form = s.get(central.url + "/login", timeout=5)
    csrf = forms_of(form.text)[0]["fields"]["csrf"]
    r = s.post(central.url + "/login", allow_redirects=False, timeout=10,
               data={"csrf": csrf, "user": "staff", "password": "a long staff passphrase"})
    assert r.status_code == 303
    cookie = r.headers["Set-Cookie"]
    assert "central_session=" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert s.get(central.url + "/", timeout=5).status_code == 200


def test_setting_a_new_password_ends_sessions(central, staff):
    assert staff.get("/").status_code == 200
    central.app.staff.set_password("staff", "another long passphrase")
    assert staff.get("/", allow_redirects=False).status_code == 303


def test_logout_ends_the_session(central, staff):
    assert [f for f in forms_of(staff.get("/").text) if f["action"] == "/logout"]
    assert staff.post("/logout", allow_redirects=False).status_code == 303
    assert staff.get("/", allow_redirects=False).status_code == 303


def test_failed_logins_are_throttled(central):
    central.app.staff.set_password("staff", "the right passphrase")
    s = requests.Session()
    codes = []
    for guess in ["wrong"] * 5 + ["the right passphrase"]:
        csrf = forms_of(s.get(central.url + "/login", timeout=5).text)[0]["fields"]["csrf"]
        codes.append(s.post(central.url + "/login", data={"csrf": csrf, "user": "staff", "password": guess},
                            allow_redirects=False, timeout=10).status_code)
    assert codes == [403] * 5 + [429]


# -- CSRF ----------------------------------------------------------------------------------

def test_every_form_carries_a_csrf_token(central, staff):
    item_id = put_item(central).json()["id"]
    pages = {path: staff.get(path).text for path in ("/", f"/items/{item_id}", "/config")}
    pages["/login"] = requests.get(central.url + "/login", timeout=5).text
    posts = [(path, f) for path, html in pages.items() for f in forms_of(html) if f["method"] == "post"]
    assert len(posts) >= 6  # logout on each page, status, config, photo, login
    for path, f in posts:
        assert f["fields"].get("csrf"), (path, f)


def test_a_cross_site_form_post_changes_nothing(central, staff):
    item_id = put_item(central).json()["id"]
    before = central.db.config_for("*")
    attempts = [
        ({"status": "replied", "reply": "伪造"}, {}),                                  # no token
        ({"status": "replied", "reply": "伪造", "csrf": "guess"}, {}),                 # wrong token
        ({"status": "replied", "reply": "伪造", "csrf": staff.csrf}, {"Origin": "http://evil.example"}),
        ({"status": "replied", "reply": "伪造", "csrf": staff.csrf}, {"Origin": "null"}),
        ({"status": "replied", "reply": "伪造", "csrf": staff.csrf}, {"Sec-Fetch-Site": "cross-site"}),
    ]
    for data, headers in attempts:
        r = staff.s.post(f"{central.url}/items/{item_id}/status", data=data, headers=headers,
                         allow_redirects=False, timeout=5)
        assert r.status_code == 403, (data, headers)
        r = staff.s.post(f"{central.url}/config", headers=headers, allow_redirects=False, timeout=5,
                         data={**data, "station": "*", "body": '{"version": "evil"}'})
        assert r.status_code == 403
    assert central.db.item(item_id)["status"] == "received" and central.db.item(item_id)["reply"] is None
    assert central.db.config_for("*") == before
    assert not central.db.q("SELECT 1 FROM updates")
    # The same form from our own page (same origin, right token) works.
    r = staff.post(f"/items/{item_id}/status", data={"status": "replied", "reply": "已修复"},
                   headers={"Origin": central.url, "Sec-Fetch-Site": "same-origin"}, allow_redirects=False)
    assert r.status_code == 303 and central.db.item(item_id)["reply"] == "已修复"


def test_login_form_needs_its_csrf_cookie(central):
    central.app.staff.set_password("staff", "the right passphrase")
    r = requests.post(central.url + "/login", data={"user": "staff", "password": "the right passphrase",
                                                    "csrf": "forged"}, allow_redirects=False, timeout=10)
    assert r.status_code == 403 and "central_session" not in r.headers.get("Set-Cookie", "")


# -- headers ---------------------------------------------------------------------------------

def test_pages_carry_a_restrictive_csp(central, staff):
    for r in (staff.get("/"), requests.get(central.url + "/login", timeout=5)):
        csp = r.headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        assert r.headers["X-Content-Type-Options"] == "nosniff" and r.headers["X-Frame-Options"] == "DENY"
        assert r.headers["Cache-Control"] == "no-store"
        style = re.search(r"<style>(.*?)</style>", r.text, re.S).group(1)
        import base64
        digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp, "the page's own style sheet is the one allowed"


@pytest.mark.parametrize("declared", ["text/html", "image/svg+xml", "application/xhtml+xml", "text/html; charset=utf-8"])
def test_a_served_file_never_renders_as_a_page_of_the_site(central, staff, declared):
    item_id = put_item(central, files=[("报告.html", declared, HTML_ATTACK)]).json()["id"]
    r = staff.get(f"/files/{item_id}/0")
    assert r.status_code == 200 and r.content == HTML_ATTACK
    assert r.headers["Content-Type"] == "application/octet-stream"
    assert r.headers["Content-Disposition"].startswith("attachment")
    assert "filename*=UTF-8''%E6%8A%A5%E5%91%8A.html" in r.headers["Content-Disposition"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in r.headers["Content-Security-Policy"]


def test_audio_and_photos_keep_their_type_for_the_players(central, staff):
    item_id = put_item(central, files=[("v.wav", "audio/wav", b"RIFFxxxx"),
                                       ("p.jpg", "image/jpeg", b"\xff\xd8\xff")]).json()["id"]
    page = staff.get(f"/items/{item_id}").text
    assert "<audio controls" in page and "<img src=" in page
    assert staff.get(f"/files/{item_id}/0").headers["Content-Type"] == "audio/wav"
    assert staff.get(f"/files/{item_id}/1").headers["Content-Type"] == "image/jpeg"


# -- Host ----------------------------------------------------------------------------------------

def test_host_allow_list(tmp_path):
    srv = CentralServer(tmp_path / "c", DEV_TOKEN, port=0, allowed_hosts=["centre.district.example"]).start()
    try:
        base = f"http://127.0.0.1:{srv.port}"
        for host, code in ((f"rebind.evil.example:{srv.port}", 421), ("centre.district.example", 303),
                           (f"127.0.0.1:{srv.port}", 303), (f"localhost:{srv.port}", 303)):
            r = requests.get(base + "/", headers={"Host": host}, allow_redirects=False, timeout=5)
            assert r.status_code == code, host
        r = requests.get(base + "/api/v1/stations/0371/config", headers={**AUTH, "Host": "evil.example"}, timeout=5)
        assert r.status_code == 421 and "central_dev.allowed_hosts" in r.json()["error"]
    finally:
        srv.stop()


# -- item metadata and multipart ---------------------------------------------------------------

@pytest.mark.parametrize("overrides", [
    {"text": ["a", "list"]}, {"text": {"a": 1}}, {"category": 7}, {"created_at": 1}, {"code": None, "source": []},
    {"seq": "1"}, {"seq": True}, {"seq": 2**70}, {"anonymous": "no"}, {"lang": 3},
    {"anonymous": False, "identity": {"name": ["张三"], "phone": "13812345678"}},
    {"anonymous": False, "identity": {"name": "张三", "phone": 13812345678}},
])
def test_wrongly_typed_metadata_is_refused_and_the_inbox_still_answers(central, staff, overrides):
    r = put_item(central, **overrides)
    assert r.status_code == 400, r.text
    assert "metadata" in r.json()["error"] or "identity" in r.json()["error"]
    assert not central.db.q("SELECT 1 FROM items")
    assert staff.get("/").status_code == 200


def test_items_stored_with_odd_metadata_still_render(central, staff):
    """Rows from before the type checks (or another centre version) show as text."""
    item_id = put_item(central).json()["id"]
    meta = json.loads(central.db.item(item_id)["meta"])
    meta.update(text=["a", "list"], category={"x": 1}, created_at=5, identity=[], attachments={})
    central.db.q("UPDATE items SET meta = ? WHERE id = ?", [json.dumps(meta), item_id])
    central.db.add_heartbeat("0371", {"queue": [1], "disk": "full"})
    inbox = staff.get("/")
    assert inbox.status_code == 200 and "[&quot;a&quot;, &quot;list&quot;]" in inbox.text
    assert staff.get(f"/items/{item_id}").status_code == 200


def test_too_many_multipart_parts_are_refused_without_parsing_them(central):
    item_id = str(uuid.uuid4())
    meta = {"id": item_id, "station": "0371", "anonymous": True, "attachments": []}
    parts = [("metadata", (None, json.dumps(meta), "application/json"))]
    parts += [(f"x{i}", (f"x{i}", b"x", "application/octet-stream")) for i in range(6000)]
    r = requests.put(f"{central.url}/api/v1/items/{item_id}", files=parts, headers=AUTH, timeout=60)
    assert r.status_code == 413 and str(MAX_PARTS) in r.json()["error"]
    assert not central.db.has_item(item_id)
    assert not list(central.db.tmp.iterdir()), "no part files left behind"
