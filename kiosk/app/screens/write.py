"""Write: the resident types with the on-screen pinyin keyboard."""

from __future__ import annotations

from kivy.properties import StringProperty

from kiosk.app.screens.base import KioskScreen

SHOWN_CHARS = 60  # the panel shows the end of the text: about two lines at 36 px


class WriteScreen(KioskScreen):
    """A text panel above the keyboard; "done" continues to review or finish."""

    text = StringProperty("")
    return_to = StringProperty("finish")

    def on_kv_post(self, base_widget):
        self.bind(text=self._show)
        self._show()

    def on_pre_enter(self, *_):
        kb = self.ids.kb
        kb.engine = self.app.services.input.pinyin()
        kb.reset()
        self.text = self.session.text
        self.notice("" if kb.engine is not None else self.app.t("write.no_pinyin"))
        self._show()

    def insert(self, text: str) -> None:
        limit = self.app.cfg.submission.max_text_chars
        self.text = (self.text + text)[:limit]
        if self.ids.notice.text == self.app.t("write.empty"):
            self.notice("")

    def delete(self) -> None:
        self.text = self.text[:-1]

    def _show(self, *_):
        t = self.text
        if not t:
            self.ids.text.text = self.app.t("write.placeholder") if self.app else ""
            self.ids.text.color = (0.25, 0.25, 0.25, 1)
        else:
            self.ids.text.text = ("…" + t[-SHOWN_CHARS:] if len(t) > SHOWN_CHARS else t) + "|"
            self.ids.text.color = (0, 0, 0, 1)

    def done(self) -> None:
        self.ids.kb.commit_composing()
        text = self.text.strip()
        if not text and not self.session.audio and not self.session.photos and not self.session.pages:
            self.notice(self.app.t("write.empty"))
            return
        s = self.session
        s.text = text
        if s.source is None:
            s.source = "text"
        self.app.go(self.return_to)

    def back(self) -> None:
        if self.return_to == "review":
            self.app.go("review")
        else:
            self.app.reset_session()

    def reset(self) -> None:
        self.ids.kb.reset()
        self.text = ""
        self.return_to = "finish"
        self.notice("")
        self._show()
