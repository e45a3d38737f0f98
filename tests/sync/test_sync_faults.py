"""Fault tests: real HTTP on 127.0.0.1 to central-dev, with faults injected by WSGI
middleware (HTTP answers) and a TCP proxy (resets). After recovery every item must be
at the centre exactly once (counted by UUID) and the kiosk's states must be right."""

from __future__ import annotations

import contextlib
import threading
import time

import pytest

from kiosk.cli.main import main as kiosk_main
from kiosk.core.store import Store
from kiosk.sync.daemon import SyncDaemon
from kiosk.sync.link import AUTH_KEY, OUTAGE_KEY


def events(store, kind):
    return store.events(limit=1000, kind=kind)


@contextlib.contextmanager
def running(daemon):
    """The daemon's own loop on a thread for the duration of the block."""
    stop = threading.Event()
    t = threading.Thread(target=daemon.run_forever, args=(stop,))
    t.start()
    try:
        yield
    finally:
        stop.set()
        t.join(10)


def wait_until(predicate, timeout: float = 20) -> None:
    """Poll *predicate* (the tests then assert what they expect, with a clear message)."""
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.05)


def test_central_down_at_start_then_recovers_with_one_log_line_each(make_cfg, store, h, tmp_path, caplog, capsys):
    from kiosk.central_dev.server import CentralServer
    from kiosk.config.sync import DEV_TOKEN
    port = h.free_port()
    cfg = make_cfg(f"http://127.0.0.1:{port}")
    items = h.add_items(store, cfg, 5)
    d = SyncDaemon(cfg, store)
    caplog.set_level("WARNING", logger="kiosk.sync")
    for _ in range(6):  # several retries during one outage
        time.sleep(d.link.wait_s())
        d.step(force=True)
    assert store.count("pending") == 5
    assert store.get_item(items[0].id).attempts >= 2
    assert "connection failed" in store.get_item(items[0].id).last_error
    assert len(events(store, "sync_outage")) == 1, "one outage = one event"
    assert sum("unreachable" in r.message for r in caplog.records) == 1, "one log line per outage"
    assert store.get_meta(OUTAGE_KEY)
    capsys.readouterr()
    kiosk_main(["--config", str(tmp_path / "kiosk.toml"), "doctor"])
    doc = capsys.readouterr().out
    assert "centre unreachable since" in doc and "connection failed" in doc and "5 items" in doc

    srv = CentralServer(tmp_path / "late-central", DEV_TOKEN, port=port).start()
    try:
        time.sleep(d.link.wait_s())
        out = d.run_once()
        assert out["ok"] and out["forward"]["delivered"] == 5
        h.assert_exactly_once(srv, store, items)
        assert len(events(store, "sync_recovered")) == 1
        assert sum("reachable again" in r.message for r in caplog.records) == 1
        assert store.get_meta(OUTAGE_KEY) is None
        kiosk_main(["--config", str(tmp_path / "kiosk.toml"), "doctor"])
        assert "last contact with the centre" in capsys.readouterr().out
    finally:
        srv.stop()


def test_500s_are_retried_with_backoff_until_delivered(central, make_cfg, store, h):
    cfg = make_cfg(central.url)
    items = h.add_items(store, cfg, 6)
    central.faults.arm("500", times=4)
    with running(SyncDaemon(cfg, store)):
        wait_until(lambda: not store.count("pending"))
    assert sum(1 for s in central.faults.seen if s[2] == "500") == 4
    h.assert_exactly_once(central, store, items)
    # every 500 was counted on some item; none was blamed on one item (a general outage)
    assert sum(store.get_item(i.id).attempts for i in items) == 4
    assert len(events(store, "sync_outage")) == 1 and len(events(store, "sync_recovered")) == 1
    assert events(store, "sync_item_held") == []


def test_an_item_the_centre_always_fails_on_does_not_block_the_others(central, make_cfg, store, h):
    """A centre bug triggered by one item (HTTP 500 on it, every time) must not hold up the
    queue, the heartbeats or the status polls; staff are told once; when the centre is
    fixed the item goes through, exactly once."""
    cfg = make_cfg(central.url)
    items = h.add_items(store, cfg, 5)
    poison = items[1]
    central.faults.arm("500", times=10_000, prefix=f"/api/v1/items/{poison.id}")
    with running(SyncDaemon(cfg, store)):
        wait_until(lambda: store.count("delivered") == 4
                   and store.get_item(poison.id).attempts >= 4)
        assert store.count("delivered") == 4, "the newer items must get past the bad one"
        got = store.get_item(poison.id)
        assert got.delivery == "pending" and "HTTP 500" in got.last_error
        assert got.attempts >= 4
        # not an outage: no outage state, and the link kept working for the other tasks
        assert store.get_meta(OUTAGE_KEY) is None and events(store, "sync_outage") == []
        hb_before = central.db.q("SELECT COUNT(*) AS n FROM heartbeats")[0]["n"]
        time.sleep(0.6)
        assert central.db.q("SELECT COUNT(*) AS n FROM heartbeats")[0]["n"] > hb_before
        held = events(store, "sync_item_held")
        assert len(held) == 1 and str(poison.code) in held[0]["message"]

        central.faults.clear()                   # the centre is fixed
        wait_until(lambda: not store.count("pending"))
    h.assert_exactly_once(central, store, items)
    # held back with its own (capped) backoff, not hammered on every round
    tries = sum(1 for s in central.faults.seen if s[1] == f"/api/v1/items/{poison.id}")
    assert tries < 400


def test_answer_slower_than_read_timeout_does_not_duplicate(central, make_cfg, store, h):
    cfg = make_cfg(central.url, read_timeout=1.0)
    items = h.add_items(store, cfg, 3)
    central.faults.arm("slow", seconds=2.5)
    d = SyncDaemon(cfg, store)
    out = d.run_once()
    assert not out["ok"] and "timed out" in out["forward"]["stopped"]
    assert store.get_item(items[0].id).delivery == "pending"
    time.sleep(2.0)  # the centre finishes storing the first item after the kiosk gave up
    assert central.db.has_item(items[0].id)
    time.sleep(d.link.wait_s())
    assert d.run_once()["ok"]
    h.assert_exactly_once(central, store, items)
    assert h.receipts(central)[items[0].id] == ["created", "duplicate"]


def test_connection_reset_mid_upload(central, make_cfg, store, h):
    proxy = h.FaultProxy(central.port)
    try:
        cfg = make_cfg(f"http://127.0.0.1:{proxy.port}")
        items = h.add_items(store, cfg, 3, size=200_000)
        proxy.arm("reset_upload")
        d = SyncDaemon(cfg, store)
        out = d.run_once()
        assert not out["ok"] and "connection failed" in out["forward"]["stopped"]
        assert central.db.q("SELECT count(*) AS n FROM items")[0]["n"] == 0, "no partial item at the centre"
        time.sleep(d.link.wait_s())
        assert d.run_once()["ok"]
        assert "reset_upload" in proxy.used
        h.assert_exactly_once(central, store, items)
    finally:
        proxy.close()


def test_centre_stores_then_drops_connection_before_answering(central, make_cfg, store, h, caplog):
    caplog.set_level("DEBUG")
    proxy = h.FaultProxy(central.port)
    try:
        cfg = make_cfg(f"http://127.0.0.1:{proxy.port}")
        items = h.add_items(store, cfg, 3, real_name=True)
        proxy.arm("drop_after_store")
        d = SyncDaemon(cfg, store)
        out = d.run_once()
        assert not out["ok"]
        assert central.db.has_item(items[0].id), "the centre stored it; only the answer was lost"
        assert store.get_item(items[0].id).delivery == "pending"
        time.sleep(d.link.wait_s())
        assert d.run_once()["ok"]
        h.assert_exactly_once(central, store, items)
        assert h.receipts(central)[items[0].id] == ["created", "duplicate"]
        assert "13812345678" not in caplog.text and "张三" not in caplog.text
        # Real-name data reached the centre (over the wire), and nowhere in the kiosk's events.
        import json
        meta = json.loads(central.db.item(items[0].id)["meta"])
        assert meta["identity"] == {"name": "张三", "phone": "13812345678"}
        assert not any("13812345678" in (e["message"] + (e["data"] or "")) for e in store.events(limit=1000))
    finally:
        proxy.close()


def test_413_quarantines_visible_in_doctor_and_staff_can_requeue(central, make_cfg, store, h, write_config, capsys):
    cfg = make_cfg(central.url)
    small = h.add_items(store, cfg, 1)
    big = h.add_items(store, cfg, 1, size=300_000)[0]
    after = h.add_items(store, cfg, 2)
    central.app.api.max_item_bytes = 100_000
    out = SyncDaemon(cfg, store).run_once()
    assert out["forward"]["quarantined"] == 1 and out["forward"]["delivered"] == 3
    got = store.get_item(big.id)
    assert got.delivery == "quarantined" and "413" in got.quarantine_reason
    assert big.attachments[0].path.exists(), "a quarantined item is never deleted"
    assert not central.db.has_item(big.id)

    cfg_path = str(write_config(name="kiosk.toml").parent / "kiosk.toml")
    capsys.readouterr()
    assert kiosk_main(["--config", cfg_path, "doctor"]) in (0, 1)
    text = capsys.readouterr().out
    assert str(big.code) in text and "413" in text

    central.app.api.max_item_bytes = 50 * 2**20
    assert kiosk_main(["--config", cfg_path, "sync", "--requeue", str(big.code)]) == 0
    assert store.get_item(big.id).delivery == "pending"
    assert kiosk_main(["--config", cfg_path, "sync", "--requeue", str(big.code)]) == 4  # not quarantined now
    assert SyncDaemon(cfg, store).run_once()["ok"]
    h.assert_exactly_once(central, store, small + [big] + after)


def test_401_pauses_raises_alert_then_resumes(central, make_cfg, store, h, write_config, capsys, tmp_path):
    bad = tmp_path / "bad.token"
    bad.write_text("wrong-token\n")
    cfg_bad = make_cfg(central.url, extra=f'token_file = "{bad}"')
    items = h.add_items(store, cfg_bad, 3)
    d = SyncDaemon(cfg_bad, store)
    out = d.run_once()
    assert not out["ok"] and "401" in out["forward"]["stopped"]
    assert store.count("pending") == 3 and store.count("quarantined") == 0
    assert store.get_meta(AUTH_KEY)
    d.run_once()  # still refused: the alert is raised once, not per attempt
    assert len(events(store, "sync_auth_failed")) == 1
    capsys.readouterr()
    kiosk_main(["--config", str(tmp_path / "kiosk.toml"), "doctor"])
    assert "refuses this kiosk's token" in capsys.readouterr().out

    bad.write_text("minyi-dev-token\n")  # staff install the right token
    good = SyncDaemon(cfg_bad, store)
    time.sleep(0.06)
    assert good.run_once()["ok"]
    h.assert_exactly_once(central, store, items)
    assert store.get_meta(AUTH_KEY) is None


def test_malformed_json_answer_is_transient_and_safe(central, make_cfg, store, h):
    cfg = make_cfg(central.url)
    items = h.add_items(store, cfg, 4)
    central.faults.arm("malformed", times=2)
    d = SyncDaemon(cfg, store)
    out = d.run_once()
    assert not out["ok"] and "malformed JSON" in out["forward"]["stopped"]
    for _ in range(5):
        time.sleep(d.link.wait_s())
        if d.run_once()["ok"]:
            break
    h.assert_exactly_once(central, store, items)
    assert h.receipts(central)[items[0].id] == ["created", "duplicate", "duplicate"]


def test_every_fault_in_one_run_with_concurrent_submissions(central, make_cfg, store, h, cfg):
    """The daemon runs in its own thread while items keep arriving from another store
    connection (the UI process) and every kind of fault hits it in turn."""
    proxy = h.FaultProxy(central.port)
    try:
        kcfg = make_cfg(f"http://127.0.0.1:{proxy.port}", read_timeout=0.4)
        items = h.add_items(store, kcfg, 5, size=50_000)
        central.faults.arm("500", times=2)
        central.faults.arm("malformed")
        central.faults.arm("slow", seconds=0.8)
        proxy.arm("pass")
        proxy.arm("reset_upload")
        proxy.arm("drop_after_store")
        ui = Store.open(kcfg)  # a second connection, as the UI process has
        try:
            with running(SyncDaemon(kcfg, store)):
                for _ in range(5):
                    items += h.add_items(ui, kcfg, 3)
                    time.sleep(0.1)
                wait_until(lambda: not (store.count("pending") + store.count("quarantined")), timeout=30)
        finally:
            ui.close()
        assert not central.faults.faults, "every armed HTTP fault was hit"
        h.assert_exactly_once(central, store, items)
    finally:
        proxy.close()


@pytest.mark.parametrize("code, outcome", [
    ("400", "quarantined"), ("422", "quarantined"), ("413", "quarantined"),
    ("403", "auth"), ("401", "auth"),
    ("503", "transient"), ("429", "transient"), ("408", "transient"), ("404", "transient"),
])
def test_each_answer_is_classified_as_the_protocol_says(central, make_cfg, store, h, code, outcome):
    cfg = make_cfg(central.url)
    item = h.add_items(store, cfg, 1)[0]
    central.faults.arm(code)
    d = SyncDaemon(cfg, store)
    out = d.run_once()
    got = store.get_item(item.id)
    if outcome == "quarantined":
        assert got.delivery == "quarantined" and f"HTTP {code}" in got.quarantine_reason
        assert out["forward"]["quarantined"] == 1 and store.get_meta(OUTAGE_KEY) is None
        return
    assert got.delivery == "pending" and f"HTTP {code}" in got.last_error
    assert (store.get_meta(AUTH_KEY) is not None) == (outcome == "auth")
    assert (store.get_meta(OUTAGE_KEY) is not None) == (outcome == "transient")
    time.sleep(d.link.wait_s())
    assert d.run_once()["ok"]
    h.assert_exactly_once(central, store, [item])
