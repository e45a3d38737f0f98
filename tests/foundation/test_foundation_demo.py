"""`kiosk demo --no-ui`: central-dev and the sync daemon start from the demo config and the
sample item reaches the centre; the children are stopped afterwards."""

from __future__ import annotations

import socket
import subprocess
import sys

from kiosk import config as configmod
from kiosk.store import Store


def free_port_pair() -> int:
    for _ in range(50):
        with socket.socket() as a:
            a.bind(("127.0.0.1", 0))
            port = a.getsockname()[1]
        try:
            with socket.socket() as b:
                b.bind(("127.0.0.1", port + 1))
            return port
        except OSError:
            continue
    raise RuntimeError("no free port pair")


def test_demo_without_window_delivers_sample_item(tmp_path):
    port = free_port_pair()
    d = tmp_path / "demo"
    p = subprocess.run([sys.executable, "-m", "kiosk", "demo", "--no-ui", "--exit", "--dir", str(d),
                        "--port", str(port)], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr + p.stdout
    assert "delivered:" in p.stdout
    cfg = configmod.load(d / "kiosk.toml")
    assert cfg.central_dev.port == port and cfg.sync.central_url.endswith(f":{port}")
    with Store.open(cfg) as s:
        (item,) = s.list_items()
        assert item.delivery == "delivered" and item.delivered_via == "push"
    with socket.socket() as probe:  # central-dev was stopped with the demo
        assert probe.connect_ex(("127.0.0.1", port)) != 0
