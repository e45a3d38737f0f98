"""Photograph: live preview, up to ui.max_photos photos, delete/retake."""

from __future__ import annotations

import logging

from kivy.uix.boxlayout import BoxLayout
from kivy.uix.image import Image

from kiosk.ui.camerafeed import FrameFeed, PreviewTextures, jpeg_to_texture
from kiosk.ui.mainthread import run_in_worker
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.services import FeatureUnavailable, ImageUnusable
from kiosk.ui.widgets.base import KButton

log = logging.getLogger(__name__)


class CameraScreen(KioskScreen):
    """Shared by photo and letter: opens its camera on enter, closes it on leave."""

    role = "camera"            # Services.open_camera role
    unavailable_key = "photo.no_camera"

    def __init__(self, **kw):
        super().__init__(**kw)
        self.feed: FrameFeed | None = None
        self._opening = False
        self._textures = PreviewTextures()

    def on_enter(self, *_):
        self._opening = True
        run_in_worker(self.app.services.open_camera, self.role, on_done=self._opened,
                      on_error=self._failed, name=f"open-{self.role}")

    def on_leave(self, *_):
        self._opening = False
        self.stop_feed()

    def stop_feed(self) -> None:
        if self.feed is not None:
            self.feed.stop()
            self.feed = None

    def _opened(self, camera) -> None:
        if not self._opening or self.manager is None or self.manager.current != self.name:
            camera.close()  # the resident left before the camera was ready
            return
        self.feed = FrameFeed(camera, self._show_frame, self._feed_error).start()
        self.camera_ready(True)

    def _failed(self, e: BaseException) -> None:
        if isinstance(e, FeatureUnavailable):
            self.notice(self.app.t(self.unavailable_key))
        else:
            self.notice(self.app.t(self.unavailable_key))
        self.camera_ready(False)

    def _feed_error(self, detail: str) -> None:
        self.feed = None
        self.app.services.publish_device(self.role, "error", detail)
        self.notice(self.app.t(self.unavailable_key))
        self.camera_ready(False)

    def _show_frame(self, frame) -> None:
        self.ids.preview.texture = self._textures.show(frame)

    def camera_ready(self, ok: bool) -> None:
        self.ids.capture.disabled = not ok

    def latest_frame(self):
        return self.feed.latest if self.feed is not None else None


class PhotoScreen(CameraScreen):
    """Take photos of the problem."""

    role = "camera"
    unavailable_key = "photo.no_camera"

    def on_pre_enter(self, *_):
        self.ids.capture.disabled = True
        self.notice("")
        self._refresh()

    def capture(self) -> None:
        frame = self.latest_frame()
        limit = self.app.cfg.ui.max_photos
        if frame is None:
            return
        if len(self.session.photos) >= limit:
            self.notice(self.app.t("photo.full", max=limit))
            return
        self.ids.capture.disabled = True
        run_in_worker(self.app.services.photo_jpeg, frame.copy(), on_done=self._captured,
                      on_error=self._rejected, name="photo-jpeg")

    def _captured(self, jpeg: bytes) -> None:
        if self.session.wiped:
            return
        self.session.photos.append(jpeg)
        if self.session.source is None:
            self.session.source = "photo"
        self.notice("")
        self.ids.capture.disabled = self.feed is None
        self._refresh()

    def _rejected(self, e: BaseException) -> None:
        log.warning("photo rejected: %s", e)
        self.notice(self.app.t("photo.rejected") if isinstance(e, ImageUnusable) else self.app.t("photo.rejected"))
        self.ids.capture.disabled = self.feed is None

    def delete(self, index: int) -> None:
        if 0 <= index < len(self.session.photos):
            del self.session.photos[index]
            self.notice("")
            self._refresh()

    def _refresh(self) -> None:
        app = self.app
        limit = app.cfg.ui.max_photos
        box = self.ids.thumbs
        box.clear_widgets()
        for i, jpeg in enumerate(self.session.photos):
            row = BoxLayout(spacing=12)
            try:
                row.add_widget(Image(texture=jpeg_to_texture(jpeg), fit_mode="contain"))
            except ValueError:
                row.add_widget(Image())
            row.add_widget(KButton(text=app.t("photo.delete"), role="danger", size_hint_x=None, width=180,
                                   on_release=lambda _b, i=i: self.delete(i)))
            box.add_widget(row)
        self.ids.count.text = app.t("photo.count", count=len(self.session.photos), max=limit)

    def next(self) -> None:
        if not self.session.photos:
            self.notice(self.app.t("photo.none"))
            return
        self.app.go("finish")

    def reset(self) -> None:
        self.stop_feed()
        self.ids.thumbs.clear_widgets()
        self.ids.preview.texture = None
        self.ids.count.text = ""
        self.notice("")
