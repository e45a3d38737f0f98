"""Status, queue (pending / held / quarantined, requeue), logs, masked config, doctor."""

from __future__ import annotations

import json

import pytest

from kiosk import config as configmod
from kiosk.maintenance import status


def test_queue_lists_states_with_the_centres_reason_and_no_resident_content(cfg, store, items, kiosk):
    a, b, c = items(store, cfg, 3, real_name=True)
    store.quarantine(a.id, "centre rejected the item: HTTP 422: attachment 0 does not match its manifest")
    store.record_attempt(b.id, "HTTP 500: boom")
    store.log_event("sync_item_held", "held", level="warning", item_id=b.id)
    listing = status.list_queue(store)
    assert [e.code for e in listing.quarantined] == [str(a.code)]
    assert [e.code for e in listing.held] == [str(b.code)] and listing.held[0].reason == "HTTP 500: boom"
    assert [e.code for e in listing.pending] == [str(c.code)]
    q = listing.quarantined[0]
    assert "HTTP 422" in q.reason and q.category == "urban" and q.size_bytes == 2000
    shown = json.dumps(listing.as_dict(), ensure_ascii=False)
    for private in ("路灯坏了", "张三", "13812345678", "voice0.wav"):
        assert private not in shown

    code, out = kiosk("service", "queue", "--json", config=cfg_path(cfg))
    assert code == 0 and out["quarantined"][0]["code"] == str(a.code)
    code, out = kiosk("service", "requeue", str(c.code), "--json", config=cfg_path(cfg))
    assert code == 4 and "not quarantined" in out["error"]
    code, out = kiosk("service", "requeue", str(a.code), "--json", config=cfg_path(cfg))
    assert code == 0 and store.get_item(a.id).delivery == "pending"
    store.requeue(b.id)  # no-op for a pending item, but a requeue event clears "held"
    assert not status.list_queue(store).quarantined


def cfg_path(cfg):
    return cfg.storage.data_path.parent / "kiosk.toml"


def test_status_snapshot_reports_queue_link_and_storage(cfg, store, items, kiosk):
    from kiosk.sync.link import OUTAGE_KEY
    items(store, cfg, 2)
    store.set_meta(OUTAGE_KEY, json.dumps({"since": "2026-12-01T00:00:00+00:00", "failures": 7,
                                           "last_error": "connection failed: refused"}))
    s = status.status_snapshot(cfg, store, app_started_mono=10.0, now_mono=70.0)
    assert s["station"] == "0371" and s["app_uptime_s"] == 60 and s["db_size_mb"] > 0
    assert s["queue"]["pending"] == 2 and s["queue"]["oldest_undelivered_age_s"] >= 0
    assert s["centre"]["outage_last_error"] == "connection failed: refused"
    assert s["speech_model"]["problem"]  # no model installed in a temp dir
    code, out = kiosk("service", "status", config=cfg_path(cfg))
    assert code == 0 and "2 pending" in out and "connection failed: refused" in out


def test_effective_config_masks_every_secret(write_config):
    cfg = configmod.load(write_config('[sync]\ntoken = "s3cret-kiosk"\npull_api_token = "s3cret-pull"\n'
                                      '[central_dev]\ntoken = "s3cret-centre"\n'))
    shown = json.dumps(status.effective_config(cfg), ensure_ascii=False)
    assert "s3cret" not in shown and shown.count(status.MASK) == 3
    # Every key that holds a secret value is caught by the rule (a new one must be too).
    secrets = [k for k in configmod.all_keys() if status.is_secret_key(k.rsplit(".", 1)[-1])]
    assert sorted(secrets) == ["central_dev.token", "sync.pull_api_token", "sync.token"]
    switch = configmod.load(write_config("[central_dev]\nallow_development_token = true\n"))
    assert status.effective_config(switch)["central_dev"]["allow_development_token"] is True  # a switch, shown


def test_reload_refuses_a_bad_file_naming_the_key(write_config):
    path = write_config("[service]\nidle_timeout_s = 5\n")
    with pytest.raises(configmod.ConfigError, match="service.idle_timeout_s"):
        status.reload_config(path)


def test_logs_are_scrubbed_and_a_missing_journal_is_said(tmp_path, write_config, store, kiosk):
    log = tmp_path / "app.log"
    log.write_text("".join(f"line {i}\n" for i in range(500)) + "caller 13812345678 id 11010519491231002X\n")
    cfg = configmod.load(write_config(f'[service]\nlog_units = ["x-unit"]\nlog_files = ["{log}"]\nlog_lines = 20\n'))
    journal = status.tail_journal(["x-unit"], 5, journalctl="no-such-journalctl")
    assert journal.lines == [] and "not installed" in journal.problem
    tail = status.tail_file(log, 20)
    assert len(tail.lines) == 20 and tail.lines[-1] == "caller [phone] id [id]"
    code, out = kiosk("service", "logs", "--json", config=cfg_path(cfg))
    assert code == 0 and out["logs"][-1]["lines"][-1] == "caller [phone] id [id]"
    assert status.scrub("code 0371-000045-4 at 2026") == "code 0371-000045-4 at 2026"


def test_doctor_warns_without_pin_and_fails_for_a_broken_key(write_config, tmp_path, kiosk):
    bad = tmp_path / "bad.pub"
    bad.write_text("not a key")
    conf = write_config(f'[service]\nbundle_public_key_file = "{bad}"\n')
    code, out = kiosk("doctor", "--json", config=conf)
    checks = {c["name"]: c for c in out["checks"]}
    assert checks["service_pin"]["status"] == "warn" and "set-pin" in checks["service_pin"]["detail"]
    assert checks["usb_export"]["status"] == "fail" and "not a PEM public key" in checks["usb_export"]["detail"]
    assert kiosk("service", "set-pin", stdin="480271\n", config=conf)[0] == 0
    code, out = kiosk("doctor", "--json", config=conf)
    assert {c["name"]: c for c in out["checks"]}["service_pin"]["status"] == "ok"
