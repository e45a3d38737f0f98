"""Checks shared by the two HTTP servers of this repository (the kiosk's pull API and
``kiosk central-dev``): the ``Host`` allow-list and the request limits waitress enforces.

Host allow-list, against DNS rebinding (docs/security.md): a page on ``evil.example``
whose name is re-pointed at 127.0.0.1 makes the browser send ``Host: evil.example`` to
our port. A request is answered only when its Host is an IP literal (a rebinding attack
always needs a name: an IP literal is its own origin, which no other site can read),
``localhost``, or a name the operator listed. Anything else gets 421 Misdirected Request,
which the kiosk's centre client treats as a transient failure (never as an item error).
"""

from __future__ import annotations

import ipaddress
import json
import re

#: waitress options both servers use (docs/sync.md, "Pull API limits"). Waitress is
#: asynchronous: an idle or slow connection costs a socket, not a worker thread, so
#: the connection limit can sit far above what an idle flood of a hundred sockets
#: reaches, and an idle one is closed after ``channel_timeout`` seconds.
SERVING_LIMITS = {
    "connection_limit": 500,
    "channel_timeout": 10,
    "cleanup_interval": 2,
    "max_request_header_size": 32 * 1024,
}

_NAME = re.compile(r"(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*")


def check_host_names(names) -> None:
    """Raise ValueError (``allowed_hosts: ...``) unless every entry is a plain host name."""
    for n in names:
        if not isinstance(n, str) or not _NAME.fullmatch(n.lower().rstrip(".")):
            raise ValueError(f"allowed_hosts: expected host names such as \"centre.example\" (no port, no "
                             f"scheme; IP addresses are always allowed), got {n!r}")


def host_of(header: str) -> str | None:
    """The host part of a Host header value, lower-case, without port; None if malformed."""
    h = header.strip().lower()
    if _is_ip(h):
        return h
    if h.startswith("["):
        end = h.find("]")
        if end < 0 or (h[end + 1:] and not re.fullmatch(r":[0-9]{1,5}", h[end + 1:])):
            return None
        return h[1:end]
    name, sep, port = h.rpartition(":")
    if sep and re.fullmatch(r"[0-9]{1,5}", port):
        h = name
    return h.rstrip(".") or None


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


def host_allowed(header: str | None, names) -> bool:
    """True when a request with this Host header may be answered (see the module doc)."""
    if not header:
        return False
    host = host_of(header)
    if host is None:
        return False
    return _is_ip(host) or host == "localhost" or host in {n.lower().rstrip(".") for n in names}


class HostGuard:
    """WSGI middleware: answer 421 (JSON ``{"error": ...}``) for a Host not allowed."""

    def __init__(self, app, names, key: str):
        self.app = app
        self.names = tuple(names)
        self.key = key  # the config key to name in the refusal

    def __call__(self, environ, start_response):
        header = environ.get("HTTP_HOST")
        if host_allowed(header, self.names):
            return self.app(environ, start_response)
        shown = (header or "")[:80]
        body = json.dumps({"error": f"Host {shown!r} is not served here: use an IP address, localhost "
                                    f"or a name listed in {self.key}"}).encode("utf-8")
        start_response("421 Misdirected Request", [("Content-Type", "application/json"),
                                                   ("Content-Length", str(len(body))),
                                                   ("X-Content-Type-Options", "nosniff")])
        return [body]


_COUNT = re.compile(r"[0-9]{1,19}")


def parse_count(text: str) -> int | None:
    """A query argument such as ``after`` or ``limit`` as a non-negative int when it is 1
    to 19 ASCII digits (no sign, no space, no other script's digits), else None."""
    return int(text) if _COUNT.fullmatch(text) else None
