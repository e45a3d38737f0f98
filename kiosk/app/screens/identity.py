"""Real name: name via the pinyin keyboard, phone via the numeric pad, both validated."""

from __future__ import annotations

from kivy.properties import OptionProperty, StringProperty

from kiosk.app.screens.base import KioskScreen
from kiosk.app.services import SubmissionError


def phone_tail(phone: str) -> str:
    """The last four digits, all the review screen shows of a phone number."""
    return phone[-4:]


class IdentityScreen(KioskScreen):
    """Two fields; the keyboard below follows the field being edited."""

    field = OptionProperty("name", options=["name", "phone"])
    name_text = StringProperty("")
    phone_text = StringProperty("")

    def on_kv_post(self, base_widget):
        # ids are weak references: keep the detached input widget alive ourselves.
        self._inputs = {"name": self.ids.kb.__self__, "phone": self.ids.pad_area.__self__}
        self.bind(field=self._swap_input)
        self._swap_input()

    def _swap_input(self, *_):
        # Only the keyboard for the field being edited is in the tree: a hidden (disabled)
        # widget would still swallow touches that land on it.
        area = self.ids.input_area
        area.clear_widgets()
        area.add_widget(self._inputs[self.field])

    def on_pre_enter(self, *_):
        self.ids.kb.engine = self.app.services.input.pinyin()
        self.ids.kb.reset()
        self.name_text = self.session.name
        self.phone_text = self.session.phone
        self.field = "name"
        self.notice("")

    def insert(self, text: str) -> None:
        if self.field == "name":
            self.name_text = (self.name_text + text)[:50]
        elif text.isdigit() or text == "-":
            self.phone_text = (self.phone_text + text)[:20]

    def delete(self) -> None:
        if self.field == "name":
            self.name_text = self.name_text[:-1]
        else:
            self.phone_text = self.phone_text[:-1]

    def select(self, field: str) -> None:
        self.ids.kb.commit_composing()
        self.field = field

    def confirm(self) -> None:
        self.ids.kb.commit_composing()
        try:
            name, phone = self.app.services.submission.checked_identity(self.name_text, self.phone_text)
        except SubmissionError as e:
            self.field = "phone" if e.field == "phone" else "name"
            self.notice(self.app.t("identity.bad_phone") if e.field == "phone" else self.app.t("identity.bad_name"))
            return
        s = self.session
        s.anonymous, s.name, s.phone = False, name, phone
        self.app.go("finish")

    def back(self) -> None:
        self.app.go("finish")

    def reset(self) -> None:
        self.ids.kb.reset()
        self.name_text = self.phone_text = ""
        self.field = "name"
        self.notice("")
