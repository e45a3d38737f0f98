"""The service PIN: a salted scrypt hash on disk, and a lockout that survives restarts.

There is never a default PIN: until ``kiosk service set-pin`` has written the hash file
the service menu is disabled (:class:`PinNotSet`) and ``kiosk doctor`` warns.

Wrong PINs: every :data:`FAILURES_PER_LOCK`-th failure in a row locks the pad for 1, 2,
4 … minutes, capped at ``service.lockout_cap_min``. The counter and the lock end are kept
in the store's meta table (key :data:`LOCK_KEY`), so neither a restart of the app nor
``kiosk service check-pin`` from SSH gets around it; a wrong PIN is counted in one store
transaction (``Store.update_meta``), so two at once from both are both counted. The lock
end is wall-clock time (it must survive a reboot); a clock set back cannot stretch a lock
beyond the cap.

Every success, failure, refused attempt and lockout is an event (kinds ``service_pin_*``)
and travels to the centre with the next heartbeat (kiosk/core/devicehealth.py).

Trivial PINs (000000, 123456 …, the rules of kiosk/maintenance/pinrules.py) are refused
when set. A PIN file from before that rule is left working (staff must not be locked
out); :meth:`PinGuard.weakness` lets ``kiosk doctor`` warn about it instead.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from kiosk.core import fsutil
from kiosk.maintenance.pinrules import LEGACY_SUSPECTS, trivial_rule

MIN_DIGITS = 6
MAX_DIGITS = 32
FAILURES_PER_LOCK = 5
FIRST_LOCK_S = 60.0
LOCK_KEY = "service.pin_lock"
#: Meta key holding the rule a PIN entered correctly breaks (a PIN set before the rules).
WEAK_KEY = "service.pin_weak"
#: Written into every PIN file set under the trivial-PIN rules; a file without it is older.
RULES_VERSION = 1

# scrypt cost (RFC 7914 §2): N=2^15, r=8, p=1 needs 32 MiB and ~0.1 s on a Pi 4 per try,
# which with the lockout makes guessing 10^6 PINs hopeless. Kept in the file so a later
# change of cost still verifies old hashes; MAX_N bounds what a tampered file can ask.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 15, 8, 1
MAX_N = 2 ** 20
DKLEN = 32


class PinError(Exception):
    """The PIN cannot be checked or set; ``str()`` says why."""


class PinNotSet(PinError):
    """No PIN has been set: the service menu is disabled."""


class PinFormatError(PinError, ValueError):
    """A PIN to set is not 6 to 32 digits."""


class PinTooSimple(PinFormatError):
    """A PIN to set follows a pattern a guesser tries first; :attr:`rule` names it."""

    def __init__(self, rule: str):
        self.rule = rule
        super().__init__(f"the PIN is too easy to guess ({rule}); choose digits without a pattern "
                         "(docs/service.md, \"Trivial PINs\")")


@dataclass(frozen=True)
class PinWeakness:
    """Why the PIN in use is a trivial one (``kiosk doctor`` warns with it)."""

    rule: str       # the rule of kiosk/maintenance/pinrules.py it breaks
    found_by: str   # "entered" (seen when staff typed it) or "tried" (doctor tried it)


class PinFileError(PinError):
    """The PIN hash file exists but cannot be read or is damaged (a setup problem)."""


class PinLocked(PinError):
    """Too many wrong PINs: no PIN, not even the right one, is checked until the lock ends."""

    def __init__(self, remaining_s: float):
        self.remaining_s = remaining_s
        super().__init__(f"locked after repeated wrong PINs; try again in {format_wait(remaining_s)}")


@dataclass(frozen=True)
class PinCheck:
    """The result of checking one PIN that was not refused outright."""

    correct: bool
    failures: int          # wrong PINs in a row after this check (0 when correct)
    locked_for_s: float    # > 0 when this wrong PIN started a lockout

    @property
    def tries_left(self) -> int:
        """Wrong PINs still allowed before the next lockout."""
        return FAILURES_PER_LOCK - self.failures % FAILURES_PER_LOCK


def wait_parts(seconds: float) -> tuple[int, int]:
    """How long a lock still lasts as ``(minutes, seconds)``, rounded up to a whole second
    and at least one: the figures :func:`format_wait` and the service menu's PIN pad
    (kiosk/app/wording.py ``wait_text``) say."""
    return divmod(max(1, int(float(seconds) + 0.999)), 60)


def format_wait(seconds: float) -> str:
    """"3 min 5 s" / "40 s": how long a lock still lasts, for staff."""
    m, s = wait_parts(seconds)
    return f"{m} min {s} s" if m else f"{s} s"


def validate_pin(pin: str) -> str:
    """The PIN without surrounding whitespace; :class:`PinFormatError` unless 6-32 digits,
    :class:`PinTooSimple` when it is trivial (kiosk/maintenance/pinrules.py)."""
    pin = pin.strip()
    if not re.fullmatch(r"[0-9]+", pin or "x"):
        raise PinFormatError("the PIN must be digits only")
    if not MIN_DIGITS <= len(pin) <= MAX_DIGITS:
        raise PinFormatError(f"the PIN must have {MIN_DIGITS} to {MAX_DIGITS} digits, got {len(pin)}")
    rule = trivial_rule(pin)
    if rule:
        raise PinTooSimple(rule)
    return pin


def _scrypt(pin: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(pin.encode("ascii"), salt=salt, n=n, r=r, p=p, dklen=DKLEN,
                          maxmem=256 * r * (n + p + 2))


class PinGuard:
    """The PIN of one kiosk: set, check, lockout. *now* is wall-clock seconds (tests pass one)."""

    def __init__(self, store, path: Path, lockout_cap_s: float, *, now=time.time):
        self.store = store
        self.path = Path(path)
        self.cap_s = float(lockout_cap_s)
        self._now = now

    @classmethod
    def from_config(cls, cfg, store, **kw) -> "PinGuard":
        """The guard for *cfg*'s PIN file and lockout cap."""
        from kiosk.config.service import pin_path
        return cls(store, pin_path(cfg), cfg.service.lockout_cap_min * 60.0, **kw)

    # -- the hash file ----------------------------------------------------------------

    def is_set(self) -> bool:
        """Has a PIN been set (the file exists; it may still be damaged)?"""
        return self.path.is_file()

    def set_pin(self, pin: str) -> None:
        """Store a new PIN's hash (fsynced, mode 0600) and clear any lockout."""
        pin = validate_pin(pin)
        salt = secrets.token_bytes(16)
        record = {"scheme": "scrypt", "rules": RULES_VERSION, "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P,
                  "salt": base64.b64encode(salt).decode(),
                  "hash": base64.b64encode(_scrypt(pin, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)).decode()}
        try:
            fsutil.make_private_dir(self.path.parent)
            fsutil.write_private_file(self.path, json.dumps(record).encode("utf-8"))
        except OSError as e:
            raise PinFileError(f"cannot write the PIN file {self.path}: {e.strerror or e}") from None
        self.store.set_meta(LOCK_KEY, None)
        self.store.set_meta(WEAK_KEY, None)
        self.store.log_event("service_pin_set", "service PIN set")

    def read_record(self) -> dict:
        """The stored hash parameters; raises :class:`PinNotSet` / :class:`PinFileError`."""
        try:
            raw = fsutil.read_regular_file(self.path)
        except FileNotFoundError:
            raise PinNotSet("no service PIN is set: the service menu is disabled "
                            "(set one with `kiosk service set-pin`)") from None
        except OSError as e:
            raise PinFileError(f"cannot read the PIN file {self.path}: {e.strerror or e}") from None
        try:
            rec = json.loads(raw.decode("utf-8"))
            n, r, p = int(rec["n"]), int(rec["r"]), int(rec["p"])
            salt, digest = base64.b64decode(rec["salt"], validate=True), base64.b64decode(rec["hash"], validate=True)
            if rec.get("scheme") != "scrypt" or not (2 <= n <= MAX_N and n & (n - 1) == 0) \
                    or not (1 <= r <= 32 and 1 <= p <= 16) or len(salt) < 16 or len(digest) != DKLEN:
                raise ValueError
        except (ValueError, KeyError, TypeError):
            raise PinFileError(f"the PIN file {self.path} is damaged; set the PIN again "
                               "with `kiosk service set-pin`") from None
        return {"n": n, "r": r, "p": p, "salt": salt, "hash": digest, "rules": rec.get("rules")}

    def weakness(self) -> PinWeakness | None:
        """Why the PIN in use is trivial, or None as far as can be told. Reads only.

        Known once staff entered it (:meth:`check` records the rule), and for a file set
        before the rules (no ``rules`` marker) by trying :data:`LEGACY_SUSPECTS` against
        the hash: ~0.1 s each, so only the commonest. Raises like :meth:`read_record`."""
        record = self.read_record()
        rule = self.store.get_meta(WEAK_KEY)
        if rule:
            return PinWeakness(rule, "entered")
        if record["rules"] is not None:
            return None
        for suspect in LEGACY_SUSPECTS:
            if hmac.compare_digest(_scrypt(suspect, record["salt"], record["n"], record["r"], record["p"]),
                                   record["hash"]):
                return PinWeakness(trivial_rule(suspect), "tried")
        return None

    # -- the lockout ------------------------------------------------------------------

    def _lock_state(self) -> dict:
        return self._parse_lock(self.store.get_meta(LOCK_KEY))

    def _parse_lock(self, raw: str | None) -> dict:
        try:
            st = json.loads(raw) if raw else {}
            return {"failures": int(st.get("failures", 0)), "until": float(st.get("until", 0.0)),
                    "lockouts": int(st.get("lockouts", 0))}
        except (ValueError, TypeError, AttributeError):
            # A damaged record must not unlock the pad: treat it as a fresh full lock.
            return {"failures": FAILURES_PER_LOCK, "until": self._now() + self.cap_s, "lockouts": 1}

    def lock_remaining(self) -> float:
        """Seconds the pad stays locked (0 when open), never more than the cap. Reads only
        (``kiosk doctor``); :meth:`locked_for` also shortens a lock the clock made too long."""
        return max(0.0, min(self._lock_state()["until"] - self._now(), self.cap_s))

    def locked_for(self) -> float:
        """Seconds the pad stays locked (0 when open)."""
        remaining = self._lock_state()["until"] - self._now()
        if remaining > self.cap_s:
            # The clock went back (an RTC-less Pi before NTP): never longer than the cap.
            remaining = self.cap_s
            self.store.update_meta(LOCK_KEY, self._cap_lock)
        return max(0.0, remaining)

    def _cap_lock(self, raw: str | None) -> str:
        """The lock record *raw* ending no later than the cap from now (in the store's
        transaction, like :meth:`_count_failure`, so a count made meanwhile is kept)."""
        st = self._parse_lock(raw)
        st["until"] = min(st["until"], self._now() + self.cap_s)
        return json.dumps(st)

    def _lock_length(self, lockouts: int) -> float:
        return min(self.cap_s, FIRST_LOCK_S * 2 ** (lockouts - 1))

    def _count_failure(self, raw: str | None) -> str:
        """The lock record *raw* with one more wrong PIN (and a new lock every
        :data:`FAILURES_PER_LOCK`-th). Runs inside the store's transaction
        (:meth:`kiosk.core.store.Store.update_meta`), so two processes never both count from
        the same old record."""
        st = self._parse_lock(raw)
        st["failures"] += 1
        if st["failures"] % FAILURES_PER_LOCK == 0:
            st["lockouts"] += 1
            st["until"] = self._now() + self._lock_length(st["lockouts"])
        return json.dumps(st)

    # -- checking ---------------------------------------------------------------------

    def _note_weakness(self, pin: str) -> None:
        """Remember which rule the right PIN *pin* breaks (one set before the rules), so
        ``kiosk doctor`` can warn; the PIN keeps working."""
        rule = trivial_rule(pin)
        if rule and self.store.get_meta(WEAK_KEY) != rule:
            self.store.set_meta(WEAK_KEY, rule)
            self.store.log_event("service_pin_weak", f"the service PIN in use is trivial ({rule}); "
                                 "set a new one with `kiosk service set-pin`", level="warning",
                                 data={"rule": rule})

    def check(self, pin: str, *, via: str = "pad") -> PinCheck:
        """Check *pin*. Raises :class:`PinNotSet`, :class:`PinFileError`, :class:`PinLocked`."""
        record = self.read_record()
        remaining = self.locked_for()
        if remaining > 0:
            self.store.log_event("service_pin_refused", f"PIN attempt while locked ({via})", level="warning",
                                 data={"via": via, "remaining_s": round(remaining)})
            raise PinLocked(remaining)
        given = pin.strip()
        correct = bool(re.fullmatch(r"[0-9]{1,32}", given)) and hmac.compare_digest(
            _scrypt(given, record["salt"], record["n"], record["r"], record["p"]), record["hash"])
        if correct:
            self.store.set_meta(LOCK_KEY, None)
            self.store.log_event("service_pin_ok", f"service PIN accepted ({via})", data={"via": via})
            self._note_weakness(given)
            return PinCheck(True, 0, 0.0)
        st = self._parse_lock(self.store.update_meta(LOCK_KEY, self._count_failure))
        locked = self._lock_length(st["lockouts"]) if st["failures"] % FAILURES_PER_LOCK == 0 else 0.0
        self.store.log_event("service_pin_wrong", f"wrong service PIN ({via})", level="warning",
                             data={"via": via, "failures": st["failures"]})
        if locked:
            self.store.log_event("service_pin_lockout",
                                 f"service PIN pad locked for {format_wait(locked)} after "
                                 f"{st['failures']} wrong PINs in a row", level="error",
                                 data={"via": via, "locked_s": locked, "failures": st["failures"]})
        return PinCheck(False, st["failures"], locked)
