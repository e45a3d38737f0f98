"""What the photo and letter screens share: their camera, opened on enter, closed on leave."""

from __future__ import annotations

import logging

from kiosk.app.feeds.camerafeed import FrameFeed, PreviewTextures
from kiosk.app.feeds.mainthread import run_in_worker
from kiosk.app.screens.base import KioskScreen

log = logging.getLogger(__name__)


class CameraScreen(KioskScreen):
    """A live preview from the camera of :attr:`role`; subclasses add what a capture does."""

    role = "camera"            # CaptureService.open_camera role: "camera" or "scanner"
    unavailable_key = "photo.no_camera"

    def __init__(self, **kw):
        super().__init__(**kw)
        self.feed: FrameFeed | None = None
        self._camera_token = None
        self._textures = PreviewTextures()

    def on_enter(self, *_):
        # Opening can take a while (USB enumeration): on a worker, for this visit only.
        self._camera_token = token = self.session.token()
        run_in_worker(self.app.services.capture.open_camera, self.role, token=token,
                      on_done=lambda camera: self._opened(camera, token), on_error=self._failed,
                      on_stale=lambda camera: camera.close(),  # the resident left before it opened
                      name=f"open-{self.role}")

    def on_leave(self, *_):
        self.stop_feed()

    def stop_feed(self) -> None:
        """Close the camera (its feed's thread closes it) and drop what is on its way."""
        if self._camera_token is not None:
            self._camera_token.cancel()
            self._camera_token = None
        if self.feed is not None:
            self.feed.stop()
            self.feed = None

    def _opened(self, camera, token) -> None:
        self.feed = FrameFeed(camera, self._show_frame, self._feed_error, token=token).start()
        self.camera_ready(True)

    def _failed(self, e: BaseException) -> None:
        log.warning("%s unavailable: %s", self.role, e)
        self.notice(self.app.t(self.unavailable_key))
        self.camera_ready(False)

    def _feed_error(self, detail: str) -> None:
        self.feed = None
        self.app.services.states.publish(self.role, "error", detail)
        self.notice(self.app.t(self.unavailable_key))
        self.camera_ready(False)

    def _show_frame(self, frame) -> None:
        self.ids.preview.texture = self._textures.show(frame)

    def camera_ready(self, ok: bool) -> None:
        self.ids.capture.disabled = not ok

    def latest_frame(self):
        """The newest full-size frame (for a capture), or None before the first one."""
        return self.feed.latest if self.feed is not None else None
