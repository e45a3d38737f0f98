"""What the store raises (re-exported by :mod:`kiosk.core.store`)."""

from __future__ import annotations


class StoreError(Exception):
    """The store could not do what was asked; ``str()`` says why."""


class AlreadyRated(StoreError):
    """A resident tried to rate a round of an item a second time (``add_rating``)."""


class DiskFullError(StoreError):
    """No space left: the item was not stored, nothing else was lost."""


class StoreNotCreated(StoreError):
    """:meth:`~kiosk.core.store.Store.open_read_only` found no database (or one without
    tables) yet: normal on a fresh install; the kiosk creates it when it first opens the
    store. ``str()`` says so and names the file."""
