"""Trivial service PINs are refused by name; an old PIN file with one keeps working and
`kiosk doctor` warns about it (docs/service.md, "Trivial PINs")."""

from __future__ import annotations

import base64
import json

import pytest

from kiosk.doctor import OK, WARN
from kiosk.doctor.service import pin_check
from kiosk.maintenance import pin as pinmod
from kiosk.maintenance.pin import PinGuard, PinTooSimple


@pytest.mark.parametrize("pin, rule", [
    ("000000", "one digit repeated"), ("111111", "one digit repeated"), ("99999999", "one digit repeated"),
    ("123456", "a run of consecutive digits"), ("654321", "a run of consecutive digits"),
    ("234567", "a run of consecutive digits"), ("789012", "a run of consecutive digits"),
    ("3210987", "a run of consecutive digits"), ("0123456789", "a run of consecutive digits"),
    ("121212", "a short group repeated"), ("123123", "a short group repeated"),
    ("520520", "a short group repeated"), ("12341234", "a short group repeated"),
    ("123321", "a mirror"), ("1473741", "a mirror"),
    ("147258", "a well-known PIN"), ("5201314", "a well-known PIN"), ("112233", "a well-known PIN"),
])
def test_trivial_pins_are_refused_naming_the_rule(cfg, store, pin, rule):
    g = PinGuard.from_config(cfg, store)
    with pytest.raises(PinTooSimple) as e:
        g.set_pin(pin + "\n")
    assert e.value.rule == rule and rule in str(e.value) and pin not in str(e.value)
    assert not g.is_set()


@pytest.mark.parametrize("pin", ["480271", "135790", "246810", "13572468", "907153", "9081726354"])
def test_pins_without_a_pattern_are_accepted(cfg, store, pin):
    g = PinGuard.from_config(cfg, store)
    g.set_pin(pin)
    assert json.loads(g.path.read_text())["rules"] == pinmod.RULES_VERSION
    assert g.check(pin).correct and g.weakness() is None


def _write_legacy_file(path, pin: str) -> None:
    """A PIN file as written before the trivial-PIN rules: no "rules" marker. A small
    scrypt cost (the file carries it) keeps the test fast."""
    salt = b"s" * 16
    digest = pinmod._scrypt(pin, salt, 16, 8, 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"scheme": "scrypt", "n": 16, "r": 8, "p": 1,
                                "salt": base64.b64encode(salt).decode(),
                                "hash": base64.b64encode(digest).decode()}))


def test_an_old_trivial_pin_still_works_and_the_doctor_finds_it_by_trying(cfg, store):
    g = PinGuard.from_config(cfg, store)
    _write_legacy_file(g.path, "000000")
    before = g.path.read_bytes()
    check = pin_check(cfg, store)
    assert check.status == WARN and "one digit repeated" in check.detail and "found by trying" in check.detail
    assert g.path.read_bytes() == before and store.get_meta(pinmod.WEAK_KEY) is None  # the doctor only reads
    assert g.check("000000").correct  # staff are not locked out


def test_an_old_trivial_pin_beyond_the_suspects_is_named_once_entered(cfg, store):
    g = PinGuard.from_config(cfg, store)
    _write_legacy_file(g.path, "345678")
    assert "345678" not in pinmod.LEGACY_SUSPECTS
    assert pin_check(cfg, store).status == OK  # the doctor cannot know it yet
    assert not g.check("345679").correct and store.get_meta(pinmod.WEAK_KEY) is None
    assert g.check("345678").correct
    check = pin_check(cfg, store)
    assert check.status == WARN and "a run of consecutive digits" in check.detail and "entered" in check.detail
    assert any(e["kind"] == "service_pin_weak" for e in store.events(50))
    g.set_pin("480271")
    assert pin_check(cfg, store).status == OK and g.weakness() is None


def test_an_old_pin_without_a_pattern_is_reported_ok(cfg, store):
    g = PinGuard.from_config(cfg, store)
    _write_legacy_file(g.path, "480271")
    assert pin_check(cfg, store).status == OK
    assert g.check("480271").correct and pin_check(cfg, store).status == OK
