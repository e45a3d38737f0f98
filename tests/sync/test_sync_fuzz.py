"""Property-based tests (Hypothesis, bounded example counts) over what the kiosk reads
from outside: the centre's answers (receipts, update pages, station configs, heartbeat
replies — wrong types, huge values, bad UTF-8, lying headers) over real HTTP on
127.0.0.1, and config TOML documents. Each case is either accepted correctly or refused
with a named error; never another exception; nothing already stored changes."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk import config as configmod
from kiosk.core.records import CENTRE_STATES
from kiosk.sync import backchannel
from kiosk.core import station_config
from kiosk.sync.client import AUTH, CONFIG, REDIRECT, REJECTED, TRANSIENT, CentreClient, CentreError
from kiosk.sync.wire import item_meta

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
KINDS = {TRANSIENT, AUTH, REJECTED, REDIRECT, CONFIG}

scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-2**70, max_value=2**70),
                    st.floats(allow_nan=False), st.text(max_size=30))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=12)
header_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7e), max_size=60)


def jbytes(value) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


def spoil(body: bytes, data) -> bytes:
    """Bad UTF-8, a cut, or the body as it is."""
    how = data.draw(st.sampled_from(["keep", "bad-utf8", "cut"]))
    if how == "bad-utf8" and body:
        at = data.draw(st.integers(0, len(body)))
        return body[:at] + b"\xff\xfe" + body[at:]
    if how == "cut" and body:
        return body[: data.draw(st.integers(0, len(body) - 1))]
    return body


def bodies(good, data) -> bytes:
    """A body built around *good* (the valid JSON value), or garbage."""
    kind = data.draw(st.sampled_from(["good", "json", "binary", "deep"]))
    if kind == "good":
        body = jbytes(good)
    elif kind == "json":
        body = jbytes(data.draw(json_values))
    elif kind == "binary":
        body = data.draw(st.binary(max_size=400))
    else:
        n = data.draw(st.integers(1, 200_000))
        body = b"[" * n + b"]" * n
    return spoil(body, data)


def answers(body: bytes, data, h):
    """One whole answer around *body*: status, headers (some lying), optional padding."""
    status = data.draw(st.one_of(st.sampled_from([200, 201, 204, 301, 304, 307, 400, 401, 403, 413, 422, 429, 500]),
                                 st.integers(200, 599)))
    headers = {}
    if data.draw(st.booleans()):
        headers["Location"] = data.draw(header_text)
    if data.draw(st.integers(0, 9)) == 0:
        headers["Content-Encoding"] = data.draw(st.sampled_from(["gzip", "br", "x-junk"]))
    if data.draw(st.integers(0, 9)) == 0:
        headers["Content-Length"] = str(len(body) + data.draw(st.integers(1, 10**6)))  # promises more
    if data.draw(st.integers(0, 9)) == 0:
        headers["ETag"] = data.draw(header_text)
    return status, headers, h.http_answer(f"{status} Fuzz", body, headers)


def is_receipt(status: int, headers: dict, body: bytes, uuid: str) -> bool:
    """What the kiosk must accept as the centre's receipt, and nothing else."""
    if not 200 <= status < 300 or status == 204 or "Content-Encoding" in headers or "Content-Length" in headers:
        return False
    try:
        d = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return False
    return isinstance(d, dict) and d.get("id") == uuid and d.get("result") in ("created", "duplicate")


def expected_kind(status: int) -> str | None:
    if status in (401, 403):
        return AUTH
    if status in (400, 413, 422):
        return REJECTED
    if 300 <= status < 400 and status != 304:
        return REDIRECT
    return None


@pytest.fixture
def centre(scripted, make_cfg):
    front = scripted[0]
    cfg = make_cfg(front.url, extra="max_answer_kib = 64")
    client = CentreClient(cfg.sync, cfg.station.number)
    yield front, client, cfg
    client.close()


def stored_ids(store, cfg, h) -> list[str]:
    """Two real-name items, stored once for all the examples of a test."""
    if not store.count():
        h.add_items(store, cfg, 2, real_name=True)
    return [i.id for i in store.list_items()]


def snapshot(store, ids):
    """What must never change under the centre's answers (only centre status/reply may)."""
    out = {}
    for i in ids:
        it = store.get_item(i, with_pii=True)
        out[i] = (it.code, it.text, it.name, it.phone, it.delivery, it.category,
                  tuple((a.sha256, a.size) for a in it.attachments))
    return out


@FUZZ
@given(data=st.data())
def test_only_a_real_receipt_delivers_an_item(centre, store, h, data):
    front, client, cfg = centre
    item = store.get_item(stored_ids(store, cfg, h)[0], with_pii=True)
    uuid = item.id
    good = {"id": uuid, "result": data.draw(st.sampled_from(["created", "duplicate", "stored", 1, None]))}
    if data.draw(st.booleans()):
        good[data.draw(st.sampled_from(["id", "result", "extra"]))] = data.draw(json_values)
    body = bodies(good, data)
    status, headers, raw = answers(body, data, h)
    front.answer = lambda req: [raw]
    rating = data.draw(st.booleans())
    try:
        if rating:
            got = client.push_rating({"id": uuid, "item_id": uuid, "station": "0371", "rating": "satisfied",
                                      "created_at": item.created_at, "clock_trusted": True})
        else:
            got = client.push_item(item_meta(item, with_pii=True), item.attachments)
    except CentreError as e:
        assert e.kind in KINDS
        assert not is_receipt(status, headers, body, uuid), f"a real receipt was refused: {e}"
        want = expected_kind(status)
        if want is not None and "Content-Length" not in headers:
            assert e.kind == want, (status, e.kind, str(e))
    else:
        assert is_receipt(status, headers, body, uuid), f"accepted as a receipt: HTTP {status} {body[:100]!r}"
        assert got["id"] == uuid


def updates_pages(ids, data):
    def update():
        return st.fixed_dictionaries({}, optional={
            "cursor": st.one_of(st.integers(min_value=-5, max_value=2**70), st.booleans(), st.text(max_size=5),
                                st.none()),
            "item_id": st.one_of(st.sampled_from(ids), st.text(max_size=40), st.integers()),
            "status": st.one_of(st.sampled_from(sorted(CENTRE_STATES)), st.text(max_size=12), st.integers()),
            "reply": st.one_of(st.none(), st.text(max_size=50), st.integers(), st.lists(st.text(max_size=3)),
                               st.integers(9_990, 10_010).map(lambda n: "答" * n)),
            "at": st.one_of(st.just("2026-12-01T10:00:00+08:00"), st.text(max_size=45), st.integers()),
        })
    page = st.fixed_dictionaries({"updates": st.one_of(st.lists(update(), max_size=5), json_values)},
                                  optional={"more": st.booleans()})
    return data.draw(st.one_of(page, json_values))


@FUZZ
@given(data=st.data())
def test_update_pages_apply_only_valid_updates(centre, store, h, data):
    front, client, cfg = centre
    ids = stored_ids(store, cfg, h)
    before = snapshot(store, ids)
    store.set_meta(backchannel.CURSOR_KEY, None)
    body = bodies(updates_pages(ids, data), data)
    status, headers, raw = answers(body, data, h)
    served = []

    def answer(req):
        served.append(req)
        return [raw if len(served) == 1 else h.http_answer("200 OK", b'{"updates": []}')]
    front.answer = answer
    try:
        applied = backchannel.pull_updates(store, client)
    except CentreError as e:
        assert e.kind in KINDS
    else:
        assert isinstance(applied, int) and applied >= 0
    assert snapshot(store, ids) == before, "a status update must never touch the item itself"
    for i in ids:
        it = store.get_item(i)
        assert it.centre_status is None or it.centre_status in CENTRE_STATES
        assert it.centre_reply is None or (isinstance(it.centre_reply, str) and len(it.centre_reply) <= 10_000)
    cursor = store.get_meta(backchannel.CURSOR_KEY)
    assert cursor is None or 0 < int(cursor) <= backchannel.MAX_CURSOR


def station_docs(data):
    category = st.fixed_dictionaries({"id": st.one_of(st.sampled_from(["roads", "water"]), st.text(max_size=12),
                                                      st.integers()),
                                      "names": st.one_of(st.just({"zh": "道路"}),
                                                         st.dictionaries(st.text(max_size=4), scalars, max_size=3),
                                                         scalars)})
    doc = st.fixed_dictionaries({"categories": st.one_of(st.lists(category, max_size=3), json_values)}, optional={
        "version": scalars, "representatives": json_values, "announcements": json_values,
        "statistics": json_values})
    return data.draw(st.one_of(doc, json_values))


@FUZZ
@given(data=st.data())
def test_station_configs_are_applied_whole_or_rejected(centre, store, h, data):
    front, client, _ = centre
    body = bodies(station_docs(data), data)
    status, headers, raw = answers(body, data, h)
    front.answer = lambda req: [raw]
    before = station_config.load_current(store)
    try:
        outcome = backchannel.fetch_config(store, client)
    except CentreError as e:
        assert e.kind in KINDS
        outcome = None
    after = station_config.load_current(store)  # never raises: only a valid document is stored
    assert outcome in (None, "applied", "rejected", "unchanged")
    if outcome == "applied":
        assert after is not None and after.etag == headers.get("ETag")
    else:
        assert after == before, "a refused or failed fetch must keep the last good config"


@FUZZ
@given(data=st.data())
def test_any_heartbeat_reply_is_a_success_or_a_named_failure(centre, h, data):
    front, client, _ = centre
    body = bodies({"ok": True}, data)
    status, headers, raw = answers(body, data, h)
    front.answer = lambda req: [raw]
    try:
        client.heartbeat({"station": "0371"})
    except CentreError as e:
        assert e.kind in KINDS
    else:
        assert 200 <= status < 300 or status == 304
        if status not in (204, 304):  # no body to refuse (RFC 9110 6.4.1)
            assert "Content-Encoding" not in headers and "Content-Length" not in headers


# -- config TOML documents -----------------------------------------------------------

def _nest(flat: dict) -> dict:
    """{"sync.central_url": v} -> {"sync": {"central_url": v}} (a clash keeps the first)."""
    out: dict = {}
    for key, value in flat.items():
        *parents, last = key.split(".")
        node = out
        for p in parents:
            node = node.setdefault(p, {})
            if not isinstance(node, dict):
                break
        else:
            node.setdefault(last, value)
    return out


toml_values = st.one_of(st.booleans(), st.integers(min_value=-2**63, max_value=2**63 - 1),
                        st.floats(), st.text(max_size=40),
                        st.sampled_from(["/dev/zero", "/dev/null", "", ".", "..", "a\x00b", "/etc/hostname"]),
                        st.lists(st.one_of(st.text(max_size=8), st.integers()), max_size=3),
                        st.dictionaries(st.text(max_size=6), st.text(max_size=6), max_size=2))


@settings(max_examples=200, deadline=None)
@given(flat=st.dictionaries(st.one_of(st.sampled_from(configmod.all_keys()), st.text(max_size=12)),
                            toml_values, max_size=8))
def test_config_documents_load_or_name_the_key(flat):
    raw = _nest(flat)
    try:
        cfg = configmod.from_dict(raw)
    except configmod.ConfigError as e:
        sections = {k.split(".")[0] for k in configmod.all_keys()}
        key = e.key or ""
        assert any(key == k or key.startswith(k + ".") for k in raw) or key.split(".")[0] in sections, \
            f"the error must name the key: {e}"
    else:
        assert cfg.station.number


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(st.text(max_size=300), st.binary(max_size=300).map(lambda b: b.decode("latin-1"))),
       raw=st.binary(max_size=100))
def test_config_files_of_any_text_or_bytes_load_or_fail_with_a_config_error(tmp_path, text, raw):
    p = tmp_path / "fuzz.toml"
    for content in (text.encode("utf-8", "surrogatepass"), raw):
        p.write_bytes(content)
        try:
            configmod.load(p)
        except configmod.ConfigError as e:
            assert e.path == p
