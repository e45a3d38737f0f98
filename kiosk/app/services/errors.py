"""The exceptions the screens catch: each says WHAT went wrong by its type, never by its text.

The core's own exception types (submission rules, the store, tracking codes, lookups) are
re-exported here so that screens import them from the UI's seam, not from the core.
"""

from __future__ import annotations

from kiosk.core.diskguard import MediaRefusedError, OutOfServiceError
from kiosk.lookup.answers import NotFound, RatingRefused, TooManyFailures, WrongSecret
from kiosk.core.store import DiskFullError, StoreError
from kiosk.core.submission import SubmissionError
from kiosk.core.trackcode import CodeError
from kiosk.disclosure.address import NotARepresentativeCode

__all__ = ["ExpectedFailure", "FeatureUnavailable", "FeatureNotConfigured", "ImageUnusable", "SubmissionError", "StoreError", "DiskFullError",
           "MediaRefusedError", "OutOfServiceError",
           "CodeError", "NotFound", "NotARepresentativeCode", "WrongSecret", "TooManyFailures", "RatingRefused",
           "LOOKUP_OUTCOMES", "RATING_OUTCOMES"]


class ExpectedFailure(Exception):
    """A failure that is a state of the kiosk, not a bug: a worker logs it without a
    traceback (kiosk.app.feeds.mainthread.run_in_worker)."""


class FeatureUnavailable(ExpectedFailure):
    """A feature cannot be used now (module not installed, device missing)."""

    def __init__(self, feature: str, detail: str):
        self.feature = feature
        self.detail = detail
        super().__init__(f"{feature}: {detail}")


class FeatureNotConfigured(FeatureUnavailable):
    """This kiosk has no such device by configuration (kind ``none``): not a fault, the
    screen leaves the feature out instead of disabling it."""


class ImageUnusable(ExpectedFailure):
    """A captured image was rejected (malformed, too large)."""


# What a lookup or a rating can answer that is not a failure of the kiosk: the screens
# show these to the resident (run_in_worker logs them at info level, without a traceback).
LOOKUP_OUTCOMES: tuple[type[Exception], ...] = (CodeError, NotFound, WrongSecret, TooManyFailures)
RATING_OUTCOMES: tuple[type[Exception], ...] = (RatingRefused, TooManyFailures)
