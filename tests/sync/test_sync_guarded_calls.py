"""Every centre call is guarded in one place (kiosk/sync/client.py, docs/sync.md "Centre
calls"): redirects are never followed, a call has an overall deadline however slowly
the bytes come, and an answer is read only up to a cap. Real HTTP servers on 127.0.0.1
(tests/sync/conftest.py ScriptedCentre) write the answers byte by byte."""

from __future__ import annotations

import gzip
import json
import logging

import pytest

from kiosk.cli.main import main as kiosk_main
from kiosk.sync.daemon import SyncDaemon
from kiosk.sync.link import OUTAGE_KEY, SETUP_KEY


def receipt_for(req) -> bytes:
    """The receipt a centre would give for the item or rating named in the request path."""
    uuid = req[1].rsplit("/", 1)[-1]
    return json.dumps({"id": uuid, "result": "created"}).encode()


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
def test_a_redirected_push_is_never_followed_and_alerts_staff(code, scripted, make_cfg, store, h, tmp_path,
                                                               capsys, caplog):
    front, elsewhere = scripted
    # Whatever reaches "elsewhere" gets a perfect receipt: following the redirect would
    # count the item as delivered although the centre never received it.
    elsewhere.answer = lambda req: [h.http_answer("201 Created", receipt_for(req))]
    front.answer = lambda req: [h.http_answer(f"{code} Moved", headers={"Location": elsewhere.url + req[1]})]
    cfg = make_cfg(front.url)
    items = h.add_items(store, cfg, 2)
    caplog.set_level(logging.WARNING, logger="kiosk.sync")

    out = SyncDaemon(cfg, store).run_once()

    assert elsewhere.requests == [], "a redirect must never be followed"
    assert not out["ok"] and "redirect" in out["forward"]["stopped"]
    assert store.count("pending") == 2 and store.count("quarantined") == 0
    location = f"{elsewhere.url}/api/v1/items/{items[0].id}"
    alert = json.loads(store.get_meta(SETUP_KEY))
    assert alert["kind"] == "redirect" and alert["location"] == location
    assert [e["data"] for e in store.events(kind="sync_redirect")] == [json.dumps({"location": location})]
    assert sum(location in r.message for r in caplog.records if r.levelno >= logging.ERROR) == 1
    assert location in json.loads(store.get_meta(OUTAGE_KEY))["last_error"]
    capsys.readouterr()
    assert kiosk_main(["--config", str(tmp_path / "kiosk.toml"), "--json", "doctor"]) == 1
    setup = next(c for c in json.loads(capsys.readouterr().out)["checks"] if c["name"] == "sync_setup")
    assert setup["status"] == "fail" and location in setup["detail"] and "sync.central_url" in setup["detail"]


def test_the_setup_alert_is_raised_once_and_cleared_by_a_working_call(scripted, make_cfg, store, h):
    front, elsewhere = scripted
    front.answer = lambda req: [h.http_answer("302 Found", headers={"Location": elsewhere.url + req[1]})]
    cfg = make_cfg(front.url)
    d = SyncDaemon(cfg, store)
    for _ in range(3):
        d.link.next_try = 0
        assert d.heartbeat() is None
    assert len(store.events(kind="sync_redirect")) == 1, "one alert per distinct redirect, not one per retry"
    front.answer = lambda req: [h.http_answer("204 No Content")]
    d.link.next_try = 0
    assert d.heartbeat() is True
    assert store.get_meta(SETUP_KEY) is None and len(store.events(kind="sync_setup_ok")) == 1


@pytest.mark.parametrize("where", ["headers", "body"])
def test_a_dripping_centre_cannot_hold_a_push_past_the_deadline(where, scripted, make_cfg, store, h):
    front = scripted[0]

    def drip(req):
        body = receipt_for(req)
        head = f"HTTP/1.1 201 Created\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
        slow, fast = (head, body) if where == "headers" else (body, head)
        if where == "body":
            yield fast
        for b in slow:  # one byte every 0.1 s: the 1 s read timeout never trips
            yield 0.1
            yield bytes([b])
        if where == "headers":
            yield fast
    front.answer = drip
    cfg = make_cfg(front.url, read_timeout=1.0, extra="call_deadline_s = 1.0")
    item = h.add_items(store, cfg, 1)[0]

    res = SyncDaemon(cfg, store).forwarder.drain()

    assert res.stopped and "deadline" in res.stopped, res.stopped
    assert front.cut_off.wait(15), "the kiosk must cut the connection, not wait for the last byte"
    got = store.get_item(item.id)
    assert got.delivery == "pending" and "deadline" in got.last_error


def test_the_deadline_grows_with_the_upload(make_cfg, scripted):
    from kiosk.sync.client import CentreClient
    cfg = make_cfg(scripted[0].url, extra="call_deadline_s = 60\nmin_upload_kib_s = 32")
    c = CentreClient(cfg.sync, "0371")
    assert c.deadline_s() == 60 and c.deadline_s(50 * 2**20) == 60 + 1600


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "until-close"])
def test_a_300_mib_answer_is_refused_without_reading_it(declared, scripted, make_cfg, store, h):
    front = scripted[0]
    total = 300 * 2**20

    def huge(req):
        yield (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
               + (f"Content-Length: {total}\r\n".encode() if declared else b"") + b"\r\n")
        block = b" " * 2**16
        for _ in range(total // len(block)):
            yield block
    front.answer = huge
    cfg = make_cfg(front.url, extra="max_answer_kib = 1024")
    d = SyncDaemon(cfg, store)

    assert d.heartbeat() is None, "a heartbeat answered with 300 MiB is a failure"
    assert "larger than 1048576 bytes" in json.loads(store.get_meta(OUTAGE_KEY))["last_error"]
    assert front.cut_off.wait(15)
    assert front.sent < 32 * 2**20, f"{front.sent} bytes went out: the kiosk kept reading"


def test_a_compressed_answer_is_refused(scripted, make_cfg, store, h):
    front = scripted[0]
    front.answer = lambda req: [h.http_answer("201 Created", gzip.compress(receipt_for(req)),
                                            {"Content-Encoding": "gzip"})]
    cfg = make_cfg(front.url)
    item = h.add_items(store, cfg, 1)[0]
    res = SyncDaemon(cfg, store).forwarder.drain()
    assert "encoded" in res.stopped and store.get_item(item.id).delivery == "pending"
    assert front.requests[0][2]["accept-encoding"] == "identity"


def test_an_answer_naming_the_item_without_a_receipt_result_is_not_a_receipt(scripted, make_cfg, store, h):
    front = scripted[0]
    front.answer = lambda req: [h.http_answer("200 OK", json.dumps({"id": req[1].rsplit("/", 1)[-1]}).encode())]
    cfg = make_cfg(front.url)
    item = h.add_items(store, cfg, 1)[0]
    res = SyncDaemon(cfg, store).forwarder.drain()
    assert "not a receipt" in res.stopped and store.get_item(item.id).delivery == "pending"
