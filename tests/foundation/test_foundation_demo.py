"""`kiosk demo --no-ui`: central-dev and the sync daemon start from the demo config and the
sample item reaches the centre; the children are stopped and reaped afterwards, on
SIGTERM/SIGHUP and when one of them dies; the printed staff login works."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiosk import config as configmod
from kiosk.core.store import Store


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


def _children_of(pid: int) -> list[int]:
    """Live processes whose parent is *pid* (from /proc)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            out.append(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def _kill_leftovers(proc, kids) -> None:
    """After a failed assertion: nothing of this test may outlive it."""
    if proc.poll() is None:
        proc.kill()
    for k in kids:
        if _alive(k):
            os.kill(k, signal.SIGKILL)


def _start_demo(tmp_path):
    """A running `kiosk demo --no-ui` (past delivery of its sample item), its port, its
    children's pids and the output read so far."""
    port = free_port_pair()
    d = tmp_path / "demo"
    proc = subprocess.Popen([sys.executable, "-m", "kiosk", "demo", "--no-ui", "--dir", str(d), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "demo running" in line:
            break
    assert "demo running" in "".join(lines), "".join(lines)
    kids = _children_of(proc.pid)
    assert len(kids) == 2, kids  # central-dev and the sync daemon
    return proc, port, kids, lines, d


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_demo_stops_and_reaps_its_children_on_a_signal(tmp_path, sig):
    proc, port, kids, _, _ = _start_demo(tmp_path)
    try:
        proc.send_signal(sig)
        assert proc.wait(60) == 0
        assert not [k for k in kids if _alive(k)], "children left running"
        assert _port_free(port) and _port_free(port + 1), "ports 8765/8766-style pair still held"
    finally:
        _kill_leftovers(proc, kids)


def test_demo_killed_outright_still_takes_its_children_with_it(tmp_path):
    """SIGKILL gives the demo no chance to clean up: each child asked the kernel for a
    SIGTERM when its parent dies (PR_SET_PDEATHSIG, kiosk/runtime/lifeline.py)."""
    proc, port, kids, _, _ = _start_demo(tmp_path)
    try:
        proc.kill()
        proc.wait(10)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and ([k for k in kids if _alive(k)] or not _port_free(port)):
            time.sleep(0.2)
        assert not [k for k in kids if _alive(k)], "children left running after the demo was killed"
        assert _port_free(port) and _port_free(port + 1)
    finally:
        _kill_leftovers(proc, kids)


def test_demo_stops_everything_when_a_child_dies(tmp_path):
    proc, port, kids, _, _ = _start_demo(tmp_path)
    try:
        sync = next(k for k in kids if " sync " in " ".join(Path(f"/proc/{k}/cmdline").read_text().split("\0")))
        os.kill(sync, signal.SIGKILL)
        rest = proc.communicate(timeout=60)[0]
        assert proc.returncode == 1 and "sync exited" in rest, rest
        assert not [k for k in kids if _alive(k)]
        assert _port_free(port)
    finally:
        _kill_leftovers(proc, kids)


def test_demo_prints_a_staff_login_that_works(tmp_path):
    import re

    import requests
    proc, port, kids, lines, d = _start_demo(tmp_path)
    try:
        out = "".join(lines)
        m = re.search(r"staff login: user 'staff', password '([^']+)' \(kept in (.+)\)", out)
        assert m, out
        password, kept = m.groups()
        assert Path(kept) == d / "staff-password.txt" and Path(kept).read_text().strip() == password
        assert oct(Path(kept).stat().st_mode & 0o777) == "0o600"
        base = f"http://127.0.0.1:{port}"
        s = requests.Session()
        form = s.get(base + "/login", timeout=10).text
        csrf = re.search(r"name=csrf value='([^']+)'", form).group(1)
        r = s.post(base + "/login", data={"csrf": csrf, "user": "staff", "password": password}, timeout=10)
        assert r.status_code == 200 and "收件箱" in r.text and "演示" in r.text  # the sample item is listed
    finally:
        proc.terminate()
        proc.wait(60)
    # A second run keeps the same login.
    proc, port, kids, lines, d = _start_demo(tmp_path)
    proc.terminate()
    proc.wait(60)
    assert f"password '{password}'" in "".join(lines)


def test_a_child_whose_parent_died_before_it_asked_stops_at_once():
    """The window between fork and the child's prctl: a parent id that is no longer the
    child's parent means the parent is gone (the child was re-parented)."""
    from kiosk.runtime import lifeline
    code = "from kiosk.runtime import lifeline; print(lifeline.follow_parent_from_env()); import time; time.sleep(5)"
    gone = subprocess.run([sys.executable, "-c", code], env={**os.environ, lifeline.ENV_VAR: "1"},
                          capture_output=True, text=True, timeout=60)
    assert gone.returncode == -signal.SIGTERM
    mine = subprocess.run([sys.executable, "-c", code.replace("time.sleep(5)", "")], env=lifeline.child_env(),
                          capture_output=True, text=True, timeout=60)
    assert mine.returncode == 0 and mine.stdout.strip() == "True", mine.stderr
