"""The exceptions the screens catch: each says WHAT went wrong by its type, never by its text.

The core's own exception types (submission rules, the store, tracking codes, lookups) are
re-exported here so that screens import them from the UI's seam, not from the core.
"""

from __future__ import annotations

from kiosk.diskguard import MediaRefusedError, OutOfServiceError
from kiosk.lookup import NotFound, RatingRefused, TooManyFailures, WrongSecret
from kiosk.store import DiskFullError, StoreError
from kiosk.submission import SubmissionError
from kiosk.trackcode import CodeError

__all__ = ["FeatureUnavailable", "ImageUnusable", "SubmissionError", "StoreError", "DiskFullError",
           "MediaRefusedError", "OutOfServiceError",
           "CodeError", "NotFound", "WrongSecret", "TooManyFailures", "RatingRefused"]


class FeatureUnavailable(Exception):
    """A feature cannot be used now (module not installed, device missing)."""

    expected = True  # logged without a traceback: this is a state, not a bug

    def __init__(self, feature: str, detail: str):
        self.feature = feature
        self.detail = detail
        super().__init__(f"{feature}: {detail}")


class ImageUnusable(Exception):
    """A captured image was rejected (malformed, too large)."""

    expected = True
