"""A full disk at the sync daemon: forwarding pauses, the heartbeat carries the alert."""

from __future__ import annotations

import json

from kiosk import config as configmod
from kiosk.diskguard import MB
from kiosk.store import Store
from kiosk.submission import submit
from kiosk.sync.daemon import SyncDaemon

SYNC = """
[sync]
central_url = "{url}"
connect_timeout_s = 0.5
read_timeout_s = 1.0
backoff_base_s = 0.01
backoff_cap_s = 0.05
pull_api_port = 0
"""


def test_heartbeat_carries_the_disk_alert_and_forwarding_resumes(small_disk, central, write_config):
    cfg = configmod.load(write_config(SYNC.format(url=central.url),
                                      storage="min_free_mb = 4\nhard_floor_mb = 2\n"))
    with Store.open(cfg) as store:
        item = submit(store, cfg, text="路灯坏了")
        d = SyncDaemon(cfg, store)

        small_disk.fill_to(3 * MB)  # low: media refused, text and forwarding go on
        d.heartbeat()
        assert json.loads(central.db.last_heartbeats()[0]["body"])["disk"]["state"] == "low"

        small_disk.fill_to(1 * MB)  # critical: nothing can be recorded, the centre is told
        out = d.run_once()
        assert out["ok"] is False and out["forward"]["stopped"].startswith("out of service")
        assert out["heartbeat"] is True
        beat = json.loads(central.db.last_heartbeats()[0]["body"])
        assert beat["disk"]["state"] == "critical" and beat["disk"]["hard_floor_mb"] == 2
        assert store.get_item(item.id).delivery == "pending"
        assert not central.db.has_item(item.id)

        small_disk.empty()  # space is back: the same daemon forwards by itself
        out = d.run_once()
        assert out["forward"]["delivered"] == 1 and store.get_item(item.id).delivery == "delivered"
        assert json.loads(central.db.last_heartbeats()[0]["body"])["disk"]["state"] == "ok"
