"""Photograph: live preview, up to camera.max_photos photos, delete/retake."""

from __future__ import annotations

import logging

from kivy.uix.boxlayout import BoxLayout
from kivy.uix.image import Image

from kiosk.app.feeds.camerafeed import jpeg_to_texture
from kiosk.app.feeds.mainthread import run_in_worker
from kiosk.app.screens.camera import CameraScreen
from kiosk.app.widgets.base import KButton

log = logging.getLogger(__name__)


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
        limit = self.app.cfg.camera.max_photos
        if frame is None:
            return
        if len(self.session.photos) >= limit:
            self.notice(self.app.t("photo.full", max=limit))
            return
        self.ids.capture.disabled = True
        # The token: a photo still encoding when the resident cancels (or the idle wipe
        # fires) must not land in the next resident's session.
        run_in_worker(self.app.services.capture.photo_jpeg, frame.copy(), token=self.session.token(),
                      on_done=self._captured, on_error=self._rejected, name="photo-jpeg")

    def _captured(self, jpeg: bytes) -> None:
        self.session.photos.append(jpeg)
        if self.session.source is None:
            self.session.source = "photo"
        self.notice("")
        self.ids.capture.disabled = self.feed is None
        self._refresh()

    def _rejected(self, _e: BaseException) -> None:
        # ImageUnusable or a bug: run_in_worker logged which; the resident can take another.
        self.notice(self.app.t("photo.rejected"))
        self.ids.capture.disabled = self.feed is None

    def delete(self, index: int) -> None:
        if 0 <= index < len(self.session.photos):
            del self.session.photos[index]
            self.notice("")
            self._refresh()

    def _refresh(self) -> None:
        app = self.app
        limit = app.cfg.camera.max_photos
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
