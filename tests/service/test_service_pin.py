"""The service PIN: salted scrypt, no default, lockout 1, 2, 4 … min that survives restarts."""

from __future__ import annotations

import json

import pytest

from kiosk.cli.service import EXIT_LOCKED
from kiosk.maintenance.pin import (FAILURES_PER_LOCK, LOCK_KEY, PinFileError, PinFormatError, PinGuard,
                               PinLocked, PinNotSet)
from kiosk.core.store import Store


class FakeClock:
    def __init__(self, t: float = 1_800_000_000.0):
        self.t = t

    def __call__(self) -> float:
        return self.t


def guard(cfg, store, clock=None):
    return PinGuard.from_config(cfg, store, now=clock or FakeClock())


def kinds(store):
    return [e["kind"] for e in reversed(store.events(200)) if e["kind"].startswith("service_pin")]


def test_no_default_pin_and_the_hash_is_salted_scrypt(cfg, store):
    g = guard(cfg, store)
    assert not g.is_set()
    with pytest.raises(PinNotSet):
        g.check("000000")
    g.set_pin("246810\n")
    rec = json.loads(g.path.read_text())
    assert rec["scheme"] == "scrypt" and rec["n"] >= 2 ** 14 and "246810" not in g.path.read_text()
    assert g.path.stat().st_mode & 0o077 == 0
    assert g.path.parent == cfg.storage.data_path.parent / "keys"  # beside the PII key, not in data
    g2 = PinGuard(store, g.path.with_name("other.json"), 3600)
    g2.set_pin("246810")
    assert json.loads(g2.path.read_text())["salt"] != rec["salt"]
    assert g.check("246810").correct and not g.check("246811").correct


@pytest.mark.parametrize("bad", ["12345", "12a456", "", "١٢٣٤٥٦", "1" * 33])
def test_set_pin_refuses_short_or_non_digit_pins(cfg, store, bad):
    with pytest.raises(PinFormatError):
        guard(cfg, store).set_pin(bad)
    assert not guard(cfg, store).is_set()


def test_five_wrong_pins_lock_even_the_right_one_and_the_lock_survives_a_restart(cfg, store):
    clock = FakeClock()
    g = guard(cfg, store, clock)
    g.set_pin("135790")
    for i in range(1, FAILURES_PER_LOCK):
        r = g.check("000000")
        assert not r.correct and r.failures == i and r.locked_for_s == 0
    r = g.check("000000")
    assert r.locked_for_s == 60
    with pytest.raises(PinLocked) as e:
        g.check("135790")
    assert e.value.remaining_s == pytest.approx(60)
    store.close()
    with Store.open(cfg) as reopened:  # the app restarted
        g2 = guard(cfg, reopened, clock)
        clock.t += 30
        with pytest.raises(PinLocked) as e:
            g2.check("135790")
        assert e.value.remaining_s == pytest.approx(30)
        clock.t += 31
        assert g2.check("135790").correct
        assert kinds(reopened) == ["service_pin_set"] + ["service_pin_wrong"] * 5 + [
            "service_pin_lockout", "service_pin_refused", "service_pin_refused", "service_pin_ok"]


def test_lockouts_grow_1_2_4_minutes_up_to_the_cap(write_config, store):
    from kiosk import config as configmod
    cfg = configmod.load(write_config("[service]\nlockout_cap_min = 3\n"))
    clock = FakeClock()
    g = guard(cfg, store, clock)
    g.set_pin("135790")
    lengths = []
    for _ in range(4):
        for _ in range(FAILURES_PER_LOCK):
            r = g.check("999999")
        lengths.append(r.locked_for_s)
        clock.t += r.locked_for_s + 1
    assert lengths == [60, 120, 180, 180]
    assert g.check("135790").correct
    for _ in range(FAILURES_PER_LOCK):  # a success starts the sequence again
        r = g.check("999999")
    assert r.locked_for_s == 60


def locked_then_clock_set_back(cfg, store) -> tuple[PinGuard, FakeClock]:
    """A guard whose pad is locked, then the clock set back ten days."""
    clock = FakeClock()
    g = guard(cfg, store, clock)
    g.set_pin("135790")
    for _ in range(FAILURES_PER_LOCK):
        g.check("000000")
    clock.t -= 10 * 86400
    return g, clock


def test_a_clock_set_back_cannot_stretch_a_lock_beyond_the_cap(cfg, store):
    g, _ = locked_then_clock_set_back(cfg, store)
    assert g.locked_for() == pytest.approx(cfg.service.lockout_cap_min * 60)


def test_shortening_a_stretched_lock_keeps_a_count_made_meanwhile(cfg, store, monkeypatch):
    """The clock-back correction rewrites the lock record: inside the store's transaction,
    so a wrong PIN counted by the other process since the record was read is kept."""
    g, clock = locked_then_clock_set_back(cfg, store)
    real_get = store.get_meta

    def read_then_other_process_counts(key, default=None):
        raw = real_get(key, default)
        if key == LOCK_KEY:
            monkeypatch.setattr(store, "get_meta", real_get)
            store.update_meta(LOCK_KEY, guard(cfg, store, clock)._count_failure)   # `check-pin` over SSH
        return raw
    monkeypatch.setattr(store, "get_meta", read_then_other_process_counts)
    assert g.locked_for() == pytest.approx(cfg.service.lockout_cap_min * 60)
    assert json.loads(store.get_meta(LOCK_KEY))["failures"] == FAILURES_PER_LOCK + 1


def test_damaged_records_are_errors_not_wrong_pins_and_never_unlock(cfg, store):
    g = guard(cfg, store)
    g.set_pin("135790")
    store.set_meta(LOCK_KEY, "{garbage")
    with pytest.raises(PinLocked):
        g.check("135790")
    store.set_meta(LOCK_KEY, None)
    g.path.write_text('{"scheme": "scrypt", "n": 3}')
    with pytest.raises(PinFileError, match="damaged"):
        g.check("135790")
    assert "service_pin_wrong" not in kinds(store)


def test_check_pin_command_exit_codes(write_config, kiosk):
    conf = write_config()
    code, out = kiosk("service", "check-pin", "--json", stdin="123456\n", config=conf)
    assert code == 5 and "set-pin" in out["error"]
    code, out = kiosk("service", "set-pin", "--json", stdin="12345\n", config=conf)
    assert code == 4 and "6 to 32 digits" in out["error"]
    code, out = kiosk("service", "set-pin", "--json", stdin="123456\n", config=conf)
    assert code == 4 and out["rule"] == "a run of consecutive digits" and "nothing changed" in out["error"]
    assert kiosk("service", "set-pin", "--json", stdin="480271\n", config=conf)[0] == 0
    assert kiosk("service", "check-pin", stdin="480271\n", config=conf)[0] == 0
    for i in range(FAILURES_PER_LOCK):
        code, out = kiosk("service", "check-pin", "--json", stdin="654321\n", config=conf)
        assert code == 1 and out["correct"] is False
    assert out["locked_for_s"] == 60
    code, out = kiosk("service", "check-pin", "--json", stdin="480271\n", config=conf)
    assert code == EXIT_LOCKED and out["locked"] and 50 < out["remaining_s"] <= 60
    assert "try again in" in out["error"]


HAMMER = r"""
import sys, time
from pathlib import Path
from kiosk import config
from kiosk.maintenance.pin import PinGuard
from kiosk.config.service import pin_path
from kiosk.core.store import Store

cfg = config.load(sys.argv[1])
go, tries = Path(sys.argv[2]), int(sys.argv[3])
with Store.open(cfg, recover=False) as store:
    # No lockout (cap 0), so every wrong PIN is checked and counted, none refused.
    guard = PinGuard(store, pin_path(cfg), 0.0)
    while not go.exists():
        time.sleep(0.001)
    wrong = sum(not guard.check("000000", via="ssh").correct for _ in range(tries))
print(wrong)
"""


def test_wrong_pins_from_two_processes_at_once_are_all_counted(write_config, cfg, store, tmp_path, monkeypatch):
    """The pad and `kiosk service check-pin` over SSH are two processes on one SQLite
    file: each wrong PIN's read-count-write is one transaction, so none is lost."""
    import subprocess
    import sys

    import kiosk.maintenance.pin as pinmod
    monkeypatch.setattr(pinmod, "SCRYPT_N", 2)   # a cheap hash (kept in the file): many tries a second
    guard(cfg, store).set_pin("135790")
    go, tries, procs = tmp_path / "go", 60, 3
    runs = [subprocess.Popen([sys.executable, "-c", HAMMER, str(write_config()), str(go), str(tries)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(procs)]
    go.touch()
    outs = [p.communicate(timeout=300) for p in runs]
    assert [p.returncode for p in runs] == [0] * procs, [err[-2000:] for _, err in outs]
    assert [int(out) for out, _ in outs] == [tries] * procs
    assert json.loads(store.get_meta(LOCK_KEY))["failures"] == tries * procs
    assert kinds(store).count("service_pin_wrong") == tries * procs
