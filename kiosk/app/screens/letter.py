"""Paper letter: place it on the plate, scan a page, check the processed page, add it."""

from __future__ import annotations

from kivy.properties import BooleanProperty

from kiosk.app.feeds.camerafeed import frame_to_texture
from kiosk.app.feeds.mainthread import run_in_worker
from kiosk.app.screens.camera import CameraScreen
from kiosk.app.session import Page


class LetterScreen(CameraScreen):
    """Live document-camera preview, or the processed page waiting to be added."""

    role = "scanner"
    unavailable_key = "letter.no_scanner"
    checking = BooleanProperty(False)   # showing a processed page (add / scan again)

    def __init__(self, **kw):
        super().__init__(**kw)
        self._pending = None

    def on_pre_enter(self, *_):
        self.checking = False
        self.ids.capture.disabled = True
        self.notice("")
        self._count()

    def _show_frame(self, frame) -> None:
        if not self.checking:
            super()._show_frame(frame)

    def capture(self) -> None:
        frame = self.latest_frame()
        if frame is None:
            return
        if len(self.session.pages) >= self.app.cfg.scanner.max_pages:
            self.notice(self.app.t("letter.full", max=self.app.cfg.scanner.max_pages))
            return
        self.ids.capture.disabled = True
        self.notice(self.app.t("common.working"))
        # The token: a page still processing when the session is wiped is dropped.
        run_in_worker(self.app.services.capture.scan_page, frame.copy(), token=self.session.token(),
                      on_done=self._scanned, on_error=self._scan_failed, name="letter-page")

    def _scanned(self, page) -> None:
        self._pending = page
        self.checking = True
        self.ids.preview.texture = frame_to_texture(page.preview)
        self.ids.capture.disabled = False
        self.notice("" if page.found_page else self.app.t("letter.no_page"))

    def _scan_failed(self, _e: BaseException) -> None:
        # run_in_worker logged why; the resident can scan again.
        self.notice(self.app.t("photo.rejected"))
        self.ids.capture.disabled = self.feed is None

    def add(self) -> None:
        if self._pending is None:
            return
        self.session.pages.append(Page(self._pending.jpeg, self._pending.found_page))
        if self.session.source is None:
            self.session.source = "letter"
        self._pending = None
        self.checking = False
        self.notice("")
        self.ids.capture.disabled = self.feed is None
        self._count()

    def retake(self) -> None:
        self._pending = None
        self.checking = False
        self.notice("")
        self.ids.capture.disabled = self.feed is None

    def _count(self) -> None:
        self.ids.count.text = self.app.t("letter.count", count=len(self.session.pages))

    def next(self) -> None:
        if self.checking:
            self.add()
        if not self.session.pages:
            self.notice(self.app.t("letter.none"))
            return
        self.app.go("finish")

    def reset(self) -> None:
        self.stop_feed()
        self._pending = None
        self.checking = False
        self.ids.preview.texture = None
        self.ids.count.text = ""
        self.notice("")
