"""Who may use central-dev's staff pages, and the headers every page carries.

* Only loopback peers (the demo's browser, or a TLS reverse proxy on the same machine).
* A staff login (``/login``, password set with ``kiosk central-dev set-password``); the
  session cookie is ``HttpOnly`` and ``SameSite=Strict``.
* Every state-changing request (POST) must come from our own pages: the form's CSRF
  token must match the session's (the login form: a double-submit cookie), and a
  browser's ``Origin`` / ``Sec-Fetch-Site`` must not name another site.
* Every answer: a restrictive Content-Security-Policy, ``nosniff``, no framing, no
  referrer, no caching.

See docs/security.md, "Web pages".
"""

from __future__ import annotations

import hmac
import ipaddress
import re
import secrets
from html import escape
from urllib.parse import urlsplit

from werkzeug.exceptions import HTTPException
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from kiosk.central_dev.pages import PAGE_CSP, StaffPages, page
from kiosk.central_dev.staff import DEFAULT_USER, StaffAccounts
from kiosk.central_dev.throttle import LoginLocked

SESSION_COOKIE = "central_session"
#: The login form's double-submit token as :func:`secrets.token_urlsafe` (32) makes it.
LOGIN_NONCE = re.compile(r"[A-Za-z0-9_-]{43}")
LOGIN_COOKIE = "central_login"
#: Form limits of the pages (werkzeug): a handful of fields, one photo upload.
MAX_FORM_PARTS = 16
MAX_PAGE_BODY = 4 * 2**20


class PageRequest(Request):
    """A staff page request with tight form limits (werkzeug's own defaults are per-app)."""

    max_form_parts = MAX_FORM_PARTS
    max_content_length = MAX_PAGE_BODY
    max_form_memory_size = 2**20


def _loopback(addr: str | None) -> bool:
    try:
        return ipaddress.ip_address(addr or "").is_loopback
    except ValueError:
        return False


def _cookie_opts(req: Request) -> dict:
    return {"httponly": True, "samesite": "Strict", "path": "/", "secure": req.is_secure}


class StaffGate:
    """WSGI: login/logout, the session and CSRF checks, then :class:`StaffPages`."""

    def __init__(self, pages: StaffPages, staff: StaffAccounts):
        self.pages = pages
        self.staff = staff

    def __call__(self, environ, start_response):
        req = PageRequest(environ)
        try:
            resp = self.answer(req)
        except HTTPException as e:
            resp = e.get_response(environ)
        resp.headers.setdefault("Content-Security-Policy", PAGE_CSP)
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["X-Frame-Options"] = "DENY"
        # same-origin, not no-referrer: under no-referrer a browser sends "Origin: null"
        # with every form POST (Fetch standard, "serializing a request origin"), which
        # _cross_site rightly refuses - no login would work in a real browser
        # (tests/central/test_central_pool_browser.py). Other sites still get no referrer.
        resp.headers["Referrer-Policy"] = "same-origin"
        resp.headers["Cache-Control"] = "no-store"
        return resp(environ, start_response)

    def answer(self, req: Request) -> Response:
        """The response to one request (raises werkzeug HTTPExceptions)."""
        if not _loopback(req.remote_addr):
            return Response("staff pages answer only on this machine (put a TLS reverse proxy on it "
                            "to reach them from elsewhere)", status=403, mimetype="text/plain")
        if req.method not in ("GET", "HEAD") and self._cross_site(req):
            return Response("refused: this request came from another site", status=403, mimetype="text/plain")
        if req.path == "/login":
            return self.login(req)
        session = self.staff.session(req.cookies.get(SESSION_COOKIE))
        if session is None:
            if req.method in ("GET", "HEAD"):
                return redirect("/login", code=303)
            return Response("log in first", status=403, mimetype="text/plain")
        if req.method not in ("GET", "HEAD") and not _same(req.form.get("csrf"), session.csrf):
            return Response("refused: the form's CSRF token is missing or wrong (reload the page)",
                            status=403, mimetype="text/plain")
        req.environ["central_dev.session"] = session
        if req.path == "/logout" and req.method == "POST":
            self.staff.logout(req.cookies[SESSION_COOKIE])
            resp = redirect("/login", code=303)
            resp.delete_cookie(SESSION_COOKIE, path="/")
            return resp
        return self.pages.dispatch(req)

    @staticmethod
    def _cross_site(req: Request) -> bool:
        """True when a browser says the request was sent by a page of another origin."""
        if req.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
            return True
        origin = req.headers.get("Origin")
        if origin is None:
            return False
        if origin == "null":
            return True
        parts = urlsplit(origin)
        return parts.netloc.lower() != (req.host or "").lower()

    def login(self, req: Request) -> Response:
        """GET: the form. POST: check the password, start a session."""
        problem, status = "", 200
        if req.method == "POST":
            user, address = req.form.get("user", "").strip(), req.remote_addr or ""
            if not _same(req.form.get("csrf"), req.cookies.get(LOGIN_COOKIE)):
                problem, status = "表单已过期，请重试 The form expired; try again.", 403
            elif locked := self.staff.login_locked(address, user):
                problem, status = _locked_message(locked), 429
            else:
                started = self.staff.login(user, req.form.get("password", ""), address=address)
                if started is not None:
                    token, _ = started
                    resp = redirect("/", code=303)
                    resp.set_cookie(SESSION_COOKIE, token, **_cookie_opts(req))
                    resp.delete_cookie(LOGIN_COOKIE, path="/login")
                    return resp
                problem, status = "用户名或密码错误 Wrong user name or password.", 403
        elif req.method != "GET" and req.method != "HEAD":
            return Response("method not allowed", status=405, mimetype="text/plain")
        # Keep the form's token while its cookie lives: a browser fetches /favicon.ico (a
        # redirect here) after the form, and a new token then would expire the form it shows.
        held = req.cookies.get(LOGIN_COOKIE, "")
        nonce = held if LOGIN_NONCE.fullmatch(held) else secrets.token_urlsafe(32)
        hint = ("" if self.staff.has_users() else
                "<p class=err>尚未设置员工密码 No staff password is set yet: run "
                "<code>kiosk central-dev set-password</code> (it reads the password from stdin).</p>")
        body = (f"{hint}{f'<p class=err>{escape(problem)}</p>' if problem else ''}"
                "<form method=post action='/login'>"
                f"<input type=hidden name=csrf value='{nonce}'>"
                f"<p><label>用户名 User <input name=user value='{DEFAULT_USER}' autocomplete=username></label></p>"
                "<p><label>密码 Password <input type=password name=password autocomplete=current-password "
                "autofocus></label></p><p><button type=submit>登录 Log in</button></p></form>")
        resp = page(req, "员工登录 Staff login", body, status=status)
        resp.set_cookie(LOGIN_COOKIE, nonce, max_age=3600, **{**_cookie_opts(req), "path": "/login"})
        return resp


def _locked_message(locked: LoginLocked) -> str:
    wait = f"{int(locked.wait_s) + 1} s"
    if locked.by == "user":
        return (f"用户“{locked.key}”已暂时锁定 The user “{locked.key}” is locked after too many failed "
                f"logins: wait {wait}, then log in again (other users are not affected).")
    return (f"尝试次数过多 Too many failed logins from this address ({locked.key}): wait {wait}.")


def _same(given: str | None, expected: str | None) -> bool:
    return bool(given and expected) and hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))
