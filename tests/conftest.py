"""Fixtures shared by every test area: a config and a real store in a temp dir."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import requests

from hypothesis import settings as hypothesis_settings

from kiosk import config as configmod

# The property-based tests explore new inputs on every developer run; under CI (CI=true)
# they replay a fixed pseudo-random sequence, so a landing is judged on the same cases
# each time. A case a developer run finds becomes a fix and, where it matters, an example.
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI") == "true":
    hypothesis_settings.load_profile("ci")

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


def shared_path(*parts: str) -> Path:
    """A path under ../shared, skipping the test with a clear reason when absent."""
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"../shared is absent ({p} not found): shared test data unavailable")
    return p


@pytest.fixture(scope="session")
def escpos_reader():
    """tests/receipt/escpos_reader.py, the independent ESC/POS decoder, for any test area."""
    import importlib.util
    import sys
    spec = importlib.util.spec_from_file_location("shared_escpos_reader", REPO / "tests" / "receipt" / "escpos_reader.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(autouse=True)
def _clock_untrusted_by_default(monkeypatch):
    # Tests must not depend on whether this machine's clock is NTP-synchronised.
    monkeypatch.setenv("KIOSK_CLOCK_TRUSTED", os.environ.get("KIOSK_TEST_CLOCK", "0"))


@pytest.fixture
def write_config(tmp_path):
    """Write a TOML config (text) into tmp_path with data under tmp_path/data; return its path.

    The text is appended after a [storage] table pointing at tmp_path, so pass other
    sections only (or your own [storage] keys via *storage*).
    """
    def write(text: str = "", *, storage: str = "", name: str = "kiosk.toml") -> Path:
        p = tmp_path / name
        p.write_text(f'[storage]\ndata_dir = "{tmp_path}/data"\nkey_file = "{tmp_path}/keys/pii.key"\n'
                     f"{storage}\n[station]\nnumber = \"0371\"\nname = \"测试民意工作站\"\n{text}",
                     encoding="utf-8")
        return p
    return write


@pytest.fixture
def cfg(write_config):
    """A validated config for station 0371 with everything under tmp_path."""
    return configmod.load(write_config())


@pytest.fixture
def store(cfg):
    """A real store (SQLite file, fsync) for *cfg*."""
    from kiosk.core.store import Store
    s = Store.open(cfg)
    yield s
    s.close()


class SmallDisk:
    """A real 8 MB tmpfs mounted at tmp_path/data, with a filler file to set free space."""

    SIZE_MB = 8

    def __init__(self, root: Path):
        self.root = root
        self.filler = root / ".test-filler"

    def free(self) -> int:
        st = os.statvfs(self.root)
        return st.f_bavail * st.f_frsize

    def fill_to(self, free_bytes: int) -> None:
        """Grow or shrink the filler until about *free_bytes* are left (0 = full to the block)."""
        self.filler.touch()
        size = self.filler.stat().st_size + self.free() - free_bytes
        with open(self.filler, "r+b") as f:
            f.truncate(max(size, 0))  # shrinking frees blocks; growing is sparse until:
            if size > 0:
                try:
                    os.posix_fallocate(f.fileno(), 0, size)
                except OSError:
                    pass  # full to the last block: exactly what was asked for
        if free_bytes == 0:  # fill every last block (fallocate rounding can leave one)
            fd = os.open(self.filler, os.O_WRONLY | os.O_APPEND)
            try:
                while os.write(fd, b"\0" * 4096):
                    pass
            except OSError:
                pass
            finally:
                os.close(fd)

    def empty(self) -> None:
        self.filler.unlink(missing_ok=True)


@pytest.fixture
def small_disk(tmp_path):
    """tmp_path/data on a real 8 MB tmpfs (mount needs root; skipped with the reason if not)."""
    import subprocess
    root = tmp_path / "data"
    root.mkdir()
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={SmallDisk.SIZE_MB}m,mode=0755",
                          "tmpfs", str(root)], capture_output=True, text=True)
    if res.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({res.stderr.strip() or 'not root'}): "
                    "the disk-guard tests with injected ENOSPC still run")
    try:
        yield SmallDisk(root)
    finally:
        subprocess.run(["umount", "-l", str(root)], capture_output=True)


@pytest.fixture
def station_doc():
    """A station config with every public disclosure part, dated around now (local time):
    representative r1 on duty all day today with a photo at *photo* on the centre, one
    announcement in effect ("now") and one expired ("old"), figures for 2026-11 and one
    published matter."""
    def make(central_url: str, photo: str = "r1.jpg") -> dict:
        from datetime import datetime, timedelta
        now = datetime.now().astimezone()

        def iso(days: int) -> str:
            return (now + timedelta(days=days)).isoformat(timespec="seconds")
        return {
            "version": "d1",
            "categories": [{"id": "roads", "names": {"zh-CN": "道路"}}],
            "representatives": [{"id": "r1", "name": "李明华", "title": "市人大代表", "constituency": "第三选区",
                                 "on_duty": True, "photo_url": f"{central_url}/api/v1/photos/{photo}",
                                 "schedule": [{"weekday": now.isoweekday(), "start": "00:00", "end": "23:59"}]}],
            "announcements": [{"id": "now", "title": "周五上午代表接待居民", "body": "欢迎来反映问题。",
                               "starts": iso(-1), "ends": iso(3)},
                              {"id": "old", "title": "上个月的停水通知", "starts": iso(-40), "ends": iso(-10)}],
            "statistics": {"months": [{"month": "2026-11", "received": 120, "replied": 113, "resolved": 104,
                                       "resolution_rate": 0.92, "satisfaction_rate": 0.93}]},
            "published_matters": [{"id": "m1", "category": "市政设施", "summary": "小区东门路灯不亮",
                                   "outcome": "已更换两盏路灯", "handled_on": "2026-11-18"}],
        }
    return make


STAFF_PASSWORD = "staff-password-for-tests"


class StaffBrowser:
    """A requests session logged in to central-dev's staff pages, like a browser: the
    login form's CSRF cookie and field, then the session cookie; :meth:`post` sends the
    CSRF token read from the page it was on (the token is never taken from the db)."""

    CSRF = re.compile(r"name=csrf value='([^']+)'")

    def __init__(self, base: str, user: str = "staff", password: str = STAFF_PASSWORD):
        self.base = base
        self.s = requests.Session()
        form = self.s.get(self.base + "/login", timeout=10)
        r = self.s.post(self.base + "/login", timeout=10, allow_redirects=False,
                        data={"csrf": self.CSRF.search(form.text).group(1), "user": user, "password": password})
        assert r.status_code == 303, r.text
        self.csrf = self.CSRF.search(self.s.get(self.base + "/", timeout=10).text).group(1)

    def get(self, path: str, **kw) -> requests.Response:
        return self.s.get(self.base + path, timeout=10, **kw)

    def post(self, path: str, data: dict | None = None, **kw) -> requests.Response:
        return self.s.post(self.base + path, data={**(data or {}), "csrf": self.csrf}, timeout=30, **kw)


@pytest.fixture
def staff_browser():
    """``staff_browser(central)``: a :class:`StaffBrowser` logged in to a running
    CentralServer (a staff password is set first if it has none); or
    ``staff_browser(url, password=...)`` for a central-dev process."""
    def login(central_or_url, **kw):
        if isinstance(central_or_url, str):
            return StaffBrowser(central_or_url, **kw)
        if not central_or_url.app.staff.has_users():
            central_or_url.app.staff.set_password("staff", STAFF_PASSWORD)
        return StaffBrowser(central_or_url.url)
    return login


class SocatPairs:
    """``socat_pair(a, b)``: link two new ptys at paths *a* and *b*; returns them as strings.

    ``hang_up(a)`` ends the socat of the pair at *a* (both ptys hang up, as a device that is
    unplugged); every pair still running is stopped after the test.
    """

    def __init__(self):
        self._procs: dict[str, subprocess.Popen] = {}

    def __call__(self, a: Path, b: Path) -> tuple[str, str]:
        proc = subprocess.Popen(["socat", f"pty,raw,echo=0,link={a}", f"pty,raw,echo=0,link={b}"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._procs[str(a)] = proc
        deadline = time.monotonic() + 10
        while not (Path(a).exists() and Path(b).exists()) and time.monotonic() < deadline:
            time.sleep(0.02)
        if not (Path(a).exists() and Path(b).exists()):
            pytest.fail("socat did not create the pty pair")
        return str(a), str(b)

    def hang_up(self, a) -> None:
        proc = self._procs.pop(str(a))
        proc.terminate()
        proc.wait(timeout=5)

    def stop(self) -> None:
        for a in list(self._procs):
            self.hang_up(a)


@pytest.fixture
def socat_pair():
    """A :class:`SocatPairs` factory of pty pairs linked by socat (the serial-device tests)."""
    if not shutil.which("socat"):
        pytest.skip("socat is not installed (apt install socat; listed in .ci/setup)")
    pairs = SocatPairs()
    yield pairs
    pairs.stop()


@pytest.fixture
def opened():
    """Factory: ``opened(driver)`` opens *driver* and returns it; each is closed after the test."""
    drivers = []

    def open_(driver):
        driver.open()
        drivers.append(driver)
        return driver
    yield open_
    for driver in drivers:
        driver.close()
