"""Property-based tests of the pull API (Hypothesis): random paths, query strings,
headers, methods and bodies. Every answer is a correct page or a named JSON error,
never a 500 or a traceback, and nothing stored changes unless an authenticated ack of a
real item asked for exactly that.

Two levels: the WSGI application as served (``pullapi.build_app``: Host guard + API)
through werkzeug's test client, many examples; and raw bytes on a socket to the real
waitress server, fewer examples, checking that the server keeps answering.
"""

from __future__ import annotations

import json
import socket
import string
import uuid
from urllib.parse import unquote_to_bytes

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.test import EnvironBuilder, run_wsgi_app
from werkzeug.wrappers import Response

from kiosk.sync import pullapi
from kiosk.config.sync import DEV_TOKEN

_CHECKS = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=_CHECKS)
RAW = settings(max_examples=60, deadline=None, suppress_health_check=_CHECKS)
ALLOWED = {200, 400, 401, 404, 405, 410, 413, 421}


@pytest.fixture
def kiosk(make_cfg, store, h):
    """A store with three items (one real-name, one purged) and its dev-mode config.
    Function-scoped: Hypothesis runs every example of one test against it."""
    cfg = make_cfg("http://127.0.0.1:9", extra='pull_api_allowed_hosts = ["kiosk.lan"]')
    items = h.add_items(store, cfg, 2) + h.add_items(store, cfg, 1, real_name=True)
    store.mark_delivered(items[0].id, "push")
    store.purge_item(items[0].id)
    return store, cfg, [i.id for i in items]


def snapshot(store) -> list:
    """What the pull API could change: every item's delivery state, and the media files."""
    rows = [(i.id, i.seq, i.delivery, i.delivered_via, i.state, i.purged_at) for i in store.list_items()]
    files = sorted((p.relative_to(store.media_dir).as_posix(), p.stat().st_size)
                   for p in store.media_dir.rglob("*") if p.is_file())
    return [rows, files]


# -- strategies ---------------------------------------------------------------------------

header_text = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF, blacklist_characters="\x7f"),
                      max_size=60)
numbers = st.one_of(st.integers(min_value=-2**70, max_value=2**70).map(str),
                    st.integers(min_value=2**63 - 2, max_value=2**80).map(str),
                    st.sampled_from(["", "١٢", "1_0", " 3", "+3", "-0", "0x10", "1e3", "9" * 25, "NaN", "0"]),
                    st.text(max_size=10))


@st.composite
def paths(draw, ids):
    seg = st.one_of(st.sampled_from(ids), st.just(str(uuid.uuid4())), st.text(max_size=40),
                    st.sampled_from(["..", "%2e%2e", "..%2F..%2Fkiosk.db", ids[0].upper(), "", "/"]))
    tail = st.one_of(st.just(""), st.just("/ack"), st.just("/"),
                     st.builds(lambda i: f"/attachments/{i}", st.one_of(st.integers(-5, 2**70), numbers)),
                     st.text(max_size=30).map(lambda t: "/" + t))
    structured = st.builds(lambda a, b: f"/pull/v1/items/{a}{b}", seg, tail)
    return draw(st.one_of(structured, st.just("/pull/v1/items"), st.just("/pull/v1/items/"),
                          st.text(max_size=60).map(lambda t: "/" + t)))


queries = st.dictionaries(st.one_of(st.sampled_from(["after", "limit", "delivery"]), st.text(max_size=10)),
                          st.one_of(numbers, st.sampled_from(["pending", "delivered", "quarantined", "lost"])),
                          max_size=4)
auths = st.one_of(st.none(), st.just(f"Bearer {DEV_TOKEN}"), st.just(f"bearer  {DEV_TOKEN} "),
                  st.just(f"Basic {DEV_TOKEN}"), header_text, header_text.map(lambda t: "Bearer " + t))
hosts = st.one_of(st.sampled_from(["127.0.0.1:8766", "localhost", "[::1]:8766", "kiosk.lan", "KIOSK.LAN.",
                                   "evil.example", "127.0.0.1.evil.example", "", "[::1", "a:b:c"]), header_text)
methods = st.sampled_from(["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"])
extra_headers = st.dictionaries(st.text(alphabet=string.ascii_letters + "-", min_size=1, max_size=20)
                                .filter(lambda k: k.lower() not in ("host", "authorization", "content-length",
                                                                    "transfer-encoding", "content-type")),
                                header_text, max_size=3)
bodies = st.one_of(st.just(b""), st.binary(max_size=2000), st.text(max_size=200).map(str.encode))


def _is_authenticated_ack(method, path, auth, host, ids) -> str | None:
    """The item an answer may legitimately mark delivered, else None."""
    from kiosk.runtime.webguard import host_allowed
    if method != "POST" or not host_allowed(host, ["kiosk.lan"]):
        return None
    scheme, _, given = (auth or "").partition(" ")
    if scheme.lower() != "bearer" or given.strip() != DEV_TOKEN:
        return None
    for i in ids:
        if path.rstrip("/") == f"/pull/v1/items/{i}/ack":
            return i
    return None


def _environ(method, path, query, headers, body) -> dict:
    """The WSGI environ of the request as a server hands it over. Werkzeug's test client
    reads a path that starts with "//" as "//host/..." (and refuses "//[" outright), so
    the path goes into PATH_INFO directly, percent-decoded as a server does (PEP 3333),
    and the app is called without the client."""
    env = EnvironBuilder(path="/", method=method, query_string=query, headers=headers, data=body).get_environ()
    env["PATH_INFO"] = unquote_to_bytes(path).decode("latin-1")
    return env


def _check_one(store, app, ids, method, path, query, headers, body):
    before = snapshot(store)
    path = path.replace("?", "%3F").replace("#", "%23")  # the query is drawn on its own
    app_iter, status, answer_headers = run_wsgi_app(app, _environ(method, path, query, headers, body),
                                                    buffered=True)
    resp = Response(b"".join(app_iter), status=status, headers=answer_headers)
    assert resp.status_code in ALLOWED, (resp.status_code, resp.get_data()[:300])
    if resp.status_code >= 400 and method != "HEAD":
        answer = json.loads(resp.get_data())
        assert isinstance(answer["error"], str) and answer["error"]
    after = snapshot(store)
    if after != before:
        acked = _is_authenticated_ack(method, path, headers.get("Authorization"), headers.get("Host"), ids)
        assert acked is not None and resp.status_code == 200, (method, path)
        changed = [a for a, b in zip(after[0], before[0]) if a != b]
        assert [c[0] for c in changed] == [acked] and changed[0][2] == "delivered"
        assert after[1] == before[1], "an ack never touches media"
    return resp


@FUZZ
@given(data=st.data())
def test_any_request_from_anyone_is_answered_or_refused_by_name(kiosk, data):
    """Random credentials and Host headers as well as everything else."""
    store, cfg, ids = kiosk
    headers = data.draw(extra_headers)
    auth = data.draw(auths)
    if auth is not None:
        headers["Authorization"] = auth
    headers["Host"] = data.draw(hosts)
    _check_one(store, pullapi.build_app(store, cfg.sync), ids, data.draw(methods), data.draw(paths(ids)),
               data.draw(queries), headers, data.draw(bodies))


@FUZZ
@given(data=st.data())
def test_any_authenticated_request_is_answered_or_refused_by_name(kiosk, data):
    """The right token and an allowed Host: what the centre itself might send wrongly."""
    store, cfg, ids = kiosk
    headers = {**data.draw(extra_headers), "Authorization": f"Bearer {DEV_TOKEN}",
               "Host": data.draw(st.sampled_from(["127.0.0.1:8766", "localhost", "kiosk.lan"]))}
    method = data.draw(st.one_of(st.sampled_from(["GET", "POST"]), methods))
    _check_one(store, pullapi.build_app(store, cfg.sync), ids, method, data.draw(paths(ids)),
               data.draw(queries), headers, data.draw(bodies))


@pytest.fixture
def server(kiosk):
    """The real waitress server of the pull API (its limits included)."""
    store, cfg, _ = kiosk
    srv = pullapi.serve(store, cfg.sync)
    yield srv.port
    srv.stop()


def _exchange(port: int, raw: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        try:
            s.sendall(raw)
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server may answer (413) and close before all bytes are sent
        chunks = []
        try:
            while chunk := s.recv(65536):
                chunks.append(chunk)
        except (ConnectionResetError, TimeoutError):
            pass
        return b"".join(chunks)


raw_token = st.binary(max_size=40).filter(lambda b: b"\r" not in b and b"\n" not in b)


@RAW
@given(method=st.one_of(methods.map(str.encode), raw_token), target=st.one_of(raw_token.map(lambda b: b"/" + b),
       st.just(b"/pull/v1/items?after=99999999999999999999")),
       version=st.sampled_from([b"HTTP/1.1", b"HTTP/1.0", b"HTTP/2", b""]),
       header_lines=st.lists(raw_token, max_size=5), body=st.binary(max_size=3000))
def test_raw_bytes_on_the_socket_never_get_a_500_and_the_server_stays_up(kiosk, server, method, target,
                                                                          version, header_lines, body):
    store, _, _ = kiosk
    before = snapshot(store)
    raw = (method + b" " + target + b" " + version + b"\r\nHost: 127.0.0.1\r\n" + b"\r\n".join(header_lines)
           + b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    answer = _exchange(server, raw)
    if answer:
        status = answer.split(b"\r\n", 1)[0]
        assert not status.split(b" ")[1:2] or not status.split(b" ")[1].startswith(b"5"), status
        assert b"Traceback" not in answer
    assert snapshot(store) == before
    ok = _exchange(server, b"GET /pull/v1/items HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                   + DEV_TOKEN.encode() + b"\r\nConnection: close\r\n\r\n")
    assert ok.startswith(b"HTTP/1.1 200"), ok[:200]
