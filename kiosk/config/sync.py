"""Configuration sections owned by kiosk.sync (see kiosk/config/tree.py for the rules).

Both sections default to the addresses of a local demo: ``kiosk central-dev`` listens on
127.0.0.1:8765 and ``kiosk sync`` forwards there. The public development token
:data:`DEV_TOKEN` is only ever used on loopback, and only where a config says so
explicitly: the centre accepts it only with ``central_dev.allow_development_token =
true`` (a loopback centre may well sit behind a TLS proxy, docs/security.md), the pull
API (which serves residents' names and phones) only with ``sync.dev_mode = true``. A
kiosk sends it only to a loopback ``central_url`` and never beyond this machine; anything
reachable from the network needs a real token (``token_file``).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import ssl
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from kiosk.core import fsutil
from kiosk.runtime.webguard import check_host_names

#: Token both sides use when none is configured and everything is on this machine.
DEV_TOKEN = "minyi-dev-token"

LOOPBACK_NAMES = ("localhost",)


def is_loopback_host(host: str | None) -> bool:
    """True for localhost and loopback IP addresses (127.0.0.0/8, ::1)."""
    if not host:
        return False
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _resolve(base: Path, p: str) -> str:
    if not p:
        return p
    path = Path(p).expanduser()
    return str(path if path.is_absolute() else base / path)


#: Shortest token accepted for an endpoint beyond this machine (a guessable token there
#: is an open door; 32 characters of ``openssl rand -hex 16`` carry 128 bits).
MIN_TOKEN_CHARS = 32
#: Largest token file read (a token is one short line).
MAX_TOKEN_FILE_BYTES = 4096


def check_token(text: str, loopback: bool) -> str | None:
    """What is wrong with *text* as a bearer token, or None.

    Always printable ASCII without spaces (it travels in an HTTP header); beyond this
    machine also at least :data:`MIN_TOKEN_CHARS` characters.
    """
    bad = next((c for c in text if not "!" <= c <= "~"), None)
    if bad is not None:
        return f"must be printable ASCII without spaces (found {bad!r})"
    if not loopback and text == DEV_TOKEN:
        return (f"is the public development token {DEV_TOKEN!r} (it is in the source): it is never used "
                "beyond this machine; install a per-kiosk secret (e.g. `openssl rand -hex 32`)")
    if not loopback and len(text) < MIN_TOKEN_CHARS:
        return (f"is {len(text)} characters; at least {MIN_TOKEN_CHARS} are required beyond this machine "
                "(e.g. `openssl rand -hex 16`)")
    return None


def read_token(token: str, token_file: str, loopback: bool, what: str) -> str:
    """The secret to use: the token file's content, else *token*, else the dev token.

    Raises ValueError naming the key when the file is missing, unreadable or empty, when
    the token is not a usable one (:func:`check_token`), or when no token is set for a
    non-loopback endpoint.
    """
    if token_file:
        try:
            raw = fsutil.read_regular_file(token_file, MAX_TOKEN_FILE_BYTES)
        except fsutil.NotRegularFileError as e:
            raise ValueError(f"{what}token_file: {token_file} is {e.strerror}; put the token "
                             "in a plain file (mode 0600)") from None
        except OSError as e:
            raise ValueError(f"{what}token_file: cannot read {token_file}: {e.strerror or e}; "
                             "create it (mode 0600) or fix its owner") from None
        except ValueError as e:  # e.g. an embedded NUL
            raise ValueError(f"{what}token_file: {token_file!r} is not a usable path ({e})") from None
        if len(raw) > MAX_TOKEN_FILE_BYTES:
            raise ValueError(f"{what}token_file: {token_file} is larger than {MAX_TOKEN_FILE_BYTES} bytes; "
                             "put the token on one line")
        try:
            text = raw.decode("utf-8").strip()
        except UnicodeDecodeError:
            raise ValueError(f"{what}token_file: {token_file} is not text; put the token on one line") from None
        if not text:
            raise ValueError(f"{what}token_file: {token_file} is empty; put the token on one line")
        problem = check_token(text, loopback)
        if problem:
            raise ValueError(f"{what}token_file: the token in {token_file} {problem}")
        return text
    if token:
        problem = check_token(token, loopback)
        if problem:
            raise ValueError(f"{what}token: the token {problem}")
        return token
    if loopback:
        return DEV_TOKEN
    raise ValueError(f"{what}token_file: required (a per-kiosk secret) when the endpoint is not on this machine")


def check_ca_bundle(path: str) -> None:
    """Raise ValueError naming ``ca_bundle`` unless *path* is a readable PEM bundle."""
    try:
        fsutil.read_regular_file(path, 0)   # the type only: ssl would block on a FIFO
        ssl.create_default_context(cafile=path)
    except fsutil.NotRegularFileError as e:
        raise ValueError(f"ca_bundle: {path} is {e.strerror}; install the centre's CA certificate "
                         "as a plain PEM file") from None
    except FileNotFoundError:
        raise ValueError(f"ca_bundle: {path} does not exist; install the centre's CA certificate there "
                         "or remove the key to use the system CA store") from None
    except ssl.SSLError as e:  # before OSError, its base class
        raise ValueError(f"ca_bundle: {path} holds no usable PEM certificate ({e.reason or e})") from None
    except OSError as e:
        raise ValueError(f"ca_bundle: cannot read {path}: {e.strerror or e}") from None
    except ValueError as e:  # e.g. an embedded NUL
        raise ValueError(f"ca_bundle: {path!r} is not a usable path ({e})") from None


@dataclass(frozen=True)
class SyncSettings:
    """The sync daemon: where the centre is, how to reach it, and the pull API."""

    enabled: bool = True
    central_url: str = "http://127.0.0.1:8765"
    token: str = ""
    token_file: str = ""
    ca_bundle: str = ""
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 30.0
    call_deadline_s: float = 120.0
    min_upload_kib_s: float = 32.0
    max_answer_kib: int = 8192
    backoff_base_s: float = 1.0
    backoff_cap_s: float = 300.0
    auth_pause_s: float = 600.0
    poll_interval_s: float = 2.0
    batch_size: int = 50
    status_poll_interval_s: float = 60.0
    heartbeat_interval_s: float = 300.0
    config_poll_interval_s: float = 900.0
    retention_days: int = 90
    retention_interval_s: float = 3600.0
    pull_api_enabled: bool = True
    pull_api_host: str = "127.0.0.1"
    pull_api_port: int = 8766
    pull_api_token: str = ""
    pull_api_token_file: str = ""
    pull_page_max: int = 200
    pull_api_allowed_hosts: list[str] = ()
    dev_mode: bool = False

    def validate(self) -> None:
        parts = urlsplit(self.central_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"central_url: expected an http(s) URL like \"https://centre.example/\", got {self.central_url!r}")
        if parts.scheme == "http" and not is_loopback_host(parts.hostname):
            raise ValueError("central_url: plain http is only allowed for 127.0.0.1/localhost; use https "
                             f"(TLS is verified), got {self.central_url!r}")
        if parts.query or parts.fragment:
            raise ValueError(f"central_url: expected no query or fragment, got {self.central_url!r}")
        for key in ("connect_timeout_s", "read_timeout_s", "backoff_base_s", "poll_interval_s"):
            v = getattr(self, key)
            if not 0 < v <= 3600:
                raise ValueError(f"{key}: expected a number of seconds above 0 and at most 3600, got {v}")
        if not 0 < self.call_deadline_s <= 86400:
            raise ValueError(f"call_deadline_s: expected seconds above 0 and at most 86400, got {self.call_deadline_s}")
        if not 0 < self.min_upload_kib_s <= 10**6:
            raise ValueError(f"min_upload_kib_s: expected KiB/s above 0 and at most 1000000, got {self.min_upload_kib_s}")
        if not 64 <= self.max_answer_kib <= 1024 * 1024:
            raise ValueError(f"max_answer_kib: expected 64 to 1048576 KiB, got {self.max_answer_kib}")
        if not self.backoff_base_s <= self.backoff_cap_s <= 86400:
            raise ValueError(f"backoff_cap_s: expected backoff_base_s to 86400 seconds, got {self.backoff_cap_s}")
        for key in ("auth_pause_s", "status_poll_interval_s", "heartbeat_interval_s",
                    "config_poll_interval_s", "retention_interval_s"):
            v = getattr(self, key)
            if not 0 < v <= 7 * 86400:
                raise ValueError(f"{key}: expected seconds above 0 and at most 604800, got {v}")
        if not 1 <= self.batch_size <= 10_000:
            raise ValueError(f"batch_size: expected 1 to 10000, got {self.batch_size}")
        if not 0 <= self.retention_days <= 3650:
            raise ValueError(f"retention_days: expected 0 (never purge) to 3650, got {self.retention_days}")
        if not 0 <= self.pull_api_port <= 65535:
            raise ValueError(f"pull_api_port: expected 0 to 65535, got {self.pull_api_port}")
        if not self.pull_api_host:
            raise ValueError("pull_api_host: expected an address to bind, e.g. \"127.0.0.1\"")
        if not 1 <= self.pull_page_max <= 5000:
            raise ValueError(f"pull_page_max: expected 1 to 5000, got {self.pull_page_max}")
        try:
            check_host_names(self.pull_api_allowed_hosts)
        except ValueError as e:
            raise ValueError(f"pull_api_{e}") from None
        if not self.token and not self.token_file and not is_loopback_host(parts.hostname):
            raise ValueError("token_file: required (the kiosk's secret) when central_url is not on this machine")
        if (self.pull_api_enabled and not self.pull_api_token and not self.pull_api_token_file
                and not is_loopback_host(self.pull_api_host)):
            raise ValueError("pull_api_token_file: required when the pull API listens beyond this machine")

    def check_files(self) -> None:
        """After paths are resolved: the files this section names exist and hold what
        they must (ValueError naming the key). Only what a running daemon would use."""
        if not self.enabled:
            return
        self.central_token()
        if self.pull_api_enabled and (self.pull_api_token or self.pull_api_token_file):
            # Only the configured token's file and form here: whether one is required and
            # where the dev token is accepted (dev_mode) is decided when the pull API
            # starts (pull_token), and reported by `kiosk doctor`.
            self._configured_pull_token()
        if self.ca_bundle:
            check_ca_bundle(self.ca_bundle)

    def resolve_paths(self, base: Path) -> "SyncSettings":
        return dataclasses.replace(self, token_file=_resolve(base, self.token_file),
                                   ca_bundle=_resolve(base, self.ca_bundle),
                                   pull_api_token_file=_resolve(base, self.pull_api_token_file))

    @property
    def central_is_loopback(self) -> bool:
        return is_loopback_host(urlsplit(self.central_url).hostname)

    def central_token(self) -> str:
        """The bearer token for the centre (raises ValueError naming the key)."""
        return read_token(self.token, self.token_file, self.central_is_loopback, "")

    @property
    def pull_dev_token_allowed(self) -> bool:
        """The public :data:`DEV_TOKEN` opens the pull API only in an explicit dev/demo
        config (``dev_mode``) and only on loopback: the API serves residents' names and
        phones in clear."""
        return self.dev_mode and is_loopback_host(self.pull_api_host)

    def pull_token(self) -> str:
        """The bearer token the centre must present to the pull API (ValueError naming
        the key when it is missing, unreadable or the public development token)."""
        if not (self.pull_api_token or self.pull_api_token_file or self.pull_dev_token_allowed):
            raise ValueError("pull_api_token_file: required: the pull API serves residents' names and phones, "
                             f"so the public development token {DEV_TOKEN!r} opens it only with "
                             "sync.dev_mode = true on loopback (or set sync.pull_api_enabled = false)")
        token = self._configured_pull_token()
        if token == DEV_TOKEN and not self.pull_dev_token_allowed:
            raise ValueError(f"pull_api_token_file: holds the public development token {DEV_TOKEN!r}, accepted "
                             "only with sync.dev_mode = true on loopback; install a per-kiosk secret")
        return token

    def _configured_pull_token(self) -> str:
        """The pull token as configured (the dev token when none is): the file readable,
        the token well-formed, 32 characters beyond loopback. The public dev token is
        judged by :meth:`pull_token`'s dev_mode rule instead."""
        token = read_token(self.pull_api_token, self.pull_api_token_file, True, "pull_api_")
        problem = None if token == DEV_TOKEN else check_token(token, is_loopback_host(self.pull_api_host))
        if problem:
            key = "pull_api_token_file" if self.pull_api_token_file else "pull_api_token"
            raise ValueError(f"{key}: the token {problem}")
        return token

    def verify(self) -> bool | str:
        """The ``verify`` argument for requests: the CA bundle, else the system store."""
        return self.ca_bundle or True


@dataclass(frozen=True)
class CentralDevSettings:
    """The reference central receiver, ``kiosk central-dev`` (for the demo and tests)."""

    host: str = "127.0.0.1"
    port: int = 8765
    data_dir: str = ""
    token: str = ""
    token_file: str = ""
    max_item_mb: int = 200
    station_config_file: str = ""
    threads: int = 4
    allowed_hosts: list[str] = ()
    # The X25519 private key that opens USB export bundles (`kiosk central-dev keygen`).
    bundle_private_key_file: str = ""
    # Accept the public DEV_TOKEN when no token is set (loopback only): `kiosk demo`
    # writes it; anything else must have its own token (accepted_token).
    allow_development_token: bool = False
    # Empty: the embedded SQLite file in data_dir. "postgresql://user:pass@host/db": that
    # database, shared by any number of centre processes (docs/centre.md).
    database_url: str = ""
    # The fleet page flags a station quiet after this many minutes without a heartbeat
    # (kiosk/central_dev/fleet.py; kiosks beat every sync.heartbeat_interval_s, 5 min).
    quiet_after_min: int = 15

    def validate(self) -> None:
        if not self.host:
            raise ValueError("host: expected an address to bind, e.g. \"127.0.0.1\"")
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port: expected 0 to 65535, got {self.port}")
        if not 1 <= self.max_item_mb <= 10_000:
            raise ValueError(f"max_item_mb: expected 1 to 10000, got {self.max_item_mb}")
        if not 1 <= self.threads <= 64:
            raise ValueError(f"threads: expected 1 to 64, got {self.threads}")
        if not 1 <= self.quiet_after_min <= 10_080:
            raise ValueError(f"quiet_after_min: expected 1 to 10080 (a week), got {self.quiet_after_min}")
        check_host_names(self.allowed_hosts)
        if not self.token and not self.token_file and not is_loopback_host(self.host):
            raise ValueError("token_file: required when central-dev listens beyond this machine")
        if self.database_url and not self.database_url.startswith(("postgresql://", "postgresql+psycopg://")):
            raise ValueError("database_url: expected \"postgresql://user:password@host:port/dbname\" "
                             "(or empty for the embedded SQLite file)")

    def resolve_paths(self, base: Path) -> "CentralDevSettings":
        return dataclasses.replace(self, data_dir=_resolve(base, self.data_dir),
                                   token_file=_resolve(base, self.token_file),
                                   station_config_file=_resolve(base, self.station_config_file),
                                   bundle_private_key_file=_resolve(base, self.bundle_private_key_file))

    def accepted_token(self) -> str:
        """The bearer token kiosks must present (ValueError naming the key).

        The public :data:`DEV_TOKEN` only with ``allow_development_token`` and on loopback:
        a centre on loopback is also what sits behind a TLS proxy (docs/security.md), and
        there the public token would open every station's items, updates and replies."""
        loopback = is_loopback_host(self.host)
        if not (self.token or self.token_file or self.allow_development_token):
            raise ValueError(
                "token_file: required: without its own token the centre would accept the public "
                f"development token {DEV_TOKEN!r}, which is in the source, and anyone reaching it "
                "(through a proxy in front of it too) could read every station's items and replies; "
                "put a secret in a file (e.g. `openssl rand -hex 32`) and name it here, or set "
                "central_dev.allow_development_token = true for a demo or test on this machine")
        token = read_token(self.token, self.token_file, loopback, "")
        if token == DEV_TOKEN and not (self.allow_development_token and loopback):
            key = "token_file" if self.token_file else "token"
            raise ValueError(f"{key}: holds the public development token {DEV_TOKEN!r}, accepted only "
                             "with central_dev.allow_development_token = true on loopback; "
                             "install the centre's own secret")
        return token
