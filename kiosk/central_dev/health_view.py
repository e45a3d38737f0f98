"""The device-health table of central-dev's staff page: each station's devices as its
last heartbeat reported them, with their last self-test (kiosk/core/devicehealth.py)."""

from __future__ import annotations

import json
from html import escape


def _cell(dev: dict) -> str:
    state = str(dev.get("state", "unknown"))
    parts = [f"<b>{escape(state)}</b>"]
    if dev.get("kind"):
        parts.append(escape(str(dev["kind"])))
    if dev.get("detail"):
        parts.append(escape(str(dev["detail"])[:120]))
    if dev.get("paper") is not None:
        parts.append(f"paper {escape(str(dev['paper']))}")
    if dev.get("cover_open"):
        parts.append("cover open")
    test = dev.get("last_selftest")
    if isinstance(test, dict):
        parts.append(f"self-test {'pass' if test.get('passed') else 'FAIL'} {escape(str(test.get('at', '')))}"
                     f": {escape(str(test.get('detail', ''))[:120])}")
    else:
        parts.append("no self-test yet")
    return "<br>".join(parts)


def device_table(heartbeats) -> str:
    """HTML rows ``station | device | state, kind, paper, last self-test`` (escaped)."""
    rows = []
    for h in heartbeats:
        try:
            devices = json.loads(h["body"]).get("devices") or {}
        except (ValueError, AttributeError):
            continue
        for name, dev in sorted(devices.items()):
            if isinstance(dev, dict):
                rows.append(f"<tr><td>{escape(h['station'])}</td><td>{escape(name)}</td><td>{_cell(dev)}</td></tr>")
    head = "<tr><th>站点 Station</th><th>设备 Device</th><th>状态 State / self-test</th></tr>"
    return f"<table>{head}{''.join(rows) or '<tr><td colspan=3>none reported yet</td></tr>'}</table>"
