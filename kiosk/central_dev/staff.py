"""Staff accounts of central-dev's pages: passwords, sessions, CSRF tokens, login throttle.

Passwords are kept only as salted scrypt hashes (``hashlib.scrypt``; RFC 7914
parameters N=2^15, r=8, p=1: about 32 MiB and a tenth of a second per guess on a PC).
A session is a random cookie value of which only the SHA-256 is stored, with its own
random CSRF token that every form of the pages must send back (docs/security.md,
"Web pages"). There is no default password: until ``kiosk central-dev set-password``
has run, nobody can log in.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass

import sqlalchemy as sa

from kiosk.central_dev.db import CentralDB
from kiosk.core.clock import now_iso
from kiosk.central_dev.tables import staff_sessions, staff_users
from kiosk.central_dev.throttle import LoginLocked, LoginThrottle


SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
SESSION_S = 12 * 3600
USER = re.compile(r"[a-z][a-z0-9_.-]{0,31}")
DEFAULT_USER = "staff"


class PasswordError(ValueError):
    """A password or user name that cannot be set (the message says why)."""


@dataclass(frozen=True)
class Session:
    """A logged-in staff member."""

    user: str
    csrf: str


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """``scrypt$N$r$p$salt$hash`` (base64) of *password*."""
    salt = salt or secrets.token_bytes(16)
    h = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P,
                       maxmem=128 * SCRYPT_R * SCRYPT_N * 2, dklen=32)
    b64 = lambda b: base64.b64encode(b).decode("ascii")  # noqa: E731
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${b64(salt)}${b64(h)}"


def verify_password(password: str, stored: str) -> bool:
    """True when *password* matches a :func:`hash_password` string (constant-time compare)."""
    try:
        scheme, n, r, p, salt, want = stored.split("$")
        if scheme != "scrypt":
            return False
        n, r, p = int(n), int(r), int(p)
        got = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt), n=n, r=r, p=p,
                             maxmem=128 * r * n * 2, dklen=32)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, base64.b64decode(want))


def check_new_password(user: str, password: str) -> None:
    """Raise :class:`PasswordError` unless *user* and *password* may be set."""
    if not USER.fullmatch(user):
        raise PasswordError(f"user name must be 1-32 of a-z, 0-9, _ . - starting with a letter, got {user!r}")
    if len(password) < MIN_PASSWORD:
        raise PasswordError(f"password too short: at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise PasswordError(f"password too long: at most {MAX_PASSWORD} characters")
    if not password.isprintable():
        raise PasswordError("password must not contain control characters (a line break ends it)")


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class StaffAccounts:
    """Users and sessions in central-dev's database."""

    def __init__(self, db: CentralDB, *, throttle: LoginThrottle | None = None):
        self.db = db
        self.throttle = throttle or LoginThrottle()

    # -- passwords --------------------------------------------------------------------

    def set_password(self, user: str, password: str) -> None:
        """Set (or replace) *user*'s password; ends that user's sessions."""
        check_new_password(user, password)
        hashed = hash_password(password)
        with self.db.begin() as conn:
            conn.execute(staff_users.delete().where(staff_users.c.user == user))
            conn.execute(staff_users.insert().values(user=user, password_hash=hashed, set_at=now_iso()))
            conn.execute(staff_sessions.delete().where(staff_sessions.c.user == user))

    def has_users(self) -> bool:
        """True once any password has been set."""
        return bool(self.db.select(sa.select(staff_users.c.user).limit(1)))

    def login_locked(self, address: str, user: str) -> LoginLocked | None:
        """Why a login from client *address* as *user* is refused now (None: it may be tried)."""
        return self.throttle.locked(address, user)

    def login(self, user: str, password: str, *, address: str) -> tuple[str, Session] | None:
        """A new session (cookie value, session) for the right password, else None.

        Callers check :meth:`login_locked` first; a failure is counted here against the
        client *address* and the *user* name (kiosk/central_dev/throttle.py)."""
        rows = self.db.select(sa.select(staff_users.c.password_hash).where(staff_users.c.user == user))
        # An unknown user costs a hash too, so the time taken does not say which users exist.
        stored = rows[0]["password_hash"] if rows else hash_password("-", salt=b"0" * 16)
        if not (verify_password(password, stored) and rows):
            self.throttle.record_failure(address, user)
            return None
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        with self.db.begin() as conn:
            conn.execute(staff_sessions.delete().where(staff_sessions.c.expires < time.time()))
            conn.execute(staff_sessions.insert().values(token_sha256=_sha(token), user=user, csrf=csrf,
                                                        created_at=now_iso(), expires=time.time() + SESSION_S))
        return token, Session(user, csrf)

    def session(self, token: str | None) -> Session | None:
        """The live session of a cookie value, else None."""
        if not token or len(token) > 200:
            return None
        rows = self.db.select(sa.select(staff_sessions.c.user, staff_sessions.c.csrf).where(
            staff_sessions.c.token_sha256 == _sha(token), staff_sessions.c.expires > time.time()))
        return Session(rows[0]["user"], rows[0]["csrf"]) if rows else None

    def logout(self, token: str) -> None:
        """End the session of a cookie value."""
        with self.db.begin() as conn:
            conn.execute(staff_sessions.delete().where(staff_sessions.c.token_sha256 == _sha(token)))
