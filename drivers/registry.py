"""The one way a driver module turns a config ``kind`` into an unopened driver.

Each driver keeps its own registry (``KINDS``, ``PRINTERS``: docs/architecture.md); its
``make_*`` function calls :func:`build` so that an unknown kind and a bad option read the
same for every device. This module never imports ``kiosk``.
"""

from __future__ import annotations


def build(kinds: dict[str, type], kind: str, options: dict, error: type[Exception], what: str):
    """``kinds[kind](**options)``; raises *error* naming the kinds, or the bad option of the
    *what* (e.g. "code reader") being built."""
    cls = kinds.get(kind)
    if cls is None:
        raise error(f"kind: expected one of {', '.join(kinds)}, got {kind!r}")
    try:
        return cls(**options)
    except TypeError as e:
        raise error(f"{kind} {what}: {e}") from None


__all__ = ["build"]
