"""Real name: name via the pinyin keyboard, phone via the numeric pad, both validated.

With an ID-card reader (docs/idcard.md) the screen also offers 刷身份证: the reader is
opened on a worker when the screen is entered and the button appears once that worked
(disabled, with a message, when the reader is there but unusable; absent when this kiosk
has none). A card fills the name; its number is kept with the session for the item and
only its last 4 characters are shown. Editing the name drops the card: the number must
belong to the name that is stored.
"""

from __future__ import annotations

import logging

from kivy.properties import OptionProperty, StringProperty

from kiosk.app.feeds.mainthread import run_in_worker
from kiosk.app.screens.base import KioskScreen
from kiosk.app.services import (CardNotRead, CardProblem, FeatureNotConfigured, FeatureUnavailable,
                               SubmissionError)

log = logging.getLogger(__name__)

# What the resident is told when no card was read (each sentence also says they may type).
CARD_PROBLEM_WORDS = {
    CardProblem.NO_CARD: "identity.card_no_card",
    CardProblem.REMOVED: "identity.card_removed",
    CardProblem.INVALID: "identity.card_invalid",
    CardProblem.FAULT: "identity.card_fault",
    CardProblem.GONE: "identity.reader_off",
}


def phone_tail(phone: str) -> str:
    """The last four digits, all the review screen shows of a phone number."""
    return phone[-4:]


class IdentityScreen(KioskScreen):
    """Two fields; the keyboard below follows the field being edited."""

    field = OptionProperty("name", options=["name", "phone"])
    name_text = StringProperty("")
    phone_text = StringProperty("")
    # The 刷身份证 button: hidden (no reader, or not open yet), ready, reading, off (unusable).
    card_state = OptionProperty("hidden", options=["hidden", "ready", "reading", "off"])
    masked_id = StringProperty("")    # the card number's masked form; "" when typed

    def __init__(self, **kw):
        super().__init__(**kw)
        self._reader = None        # kiosk.app.services.idcard.OpenedCardReader while shown
        self._reader_token = None  # the open, then the reads: stale once the screen is left
        self._card = None          # the CardIdentity read (or kept by the session)

    def on_kv_post(self, base_widget):
        # ids are weak references: keep the detached input widget alive ourselves.
        self._inputs = {"name": self.ids.kb.__self__, "phone": self.ids.pad_area.__self__}
        self._card_button = self.ids.card_button.__self__
        self.bind(field=self._swap_input, card_state=self._show_card_button)
        self._swap_input()
        self._show_card_button()

    def _swap_input(self, *_):
        # Only the keyboard for the field being edited is in the tree: a hidden (disabled)
        # widget would still swallow touches that land on it.
        area = self.ids.input_area
        area.clear_widgets()
        area.add_widget(self._inputs[self.field])

    def _show_card_button(self, *_):
        # In the tree only when offered: a hidden widget would still take touches.
        row, button = self.ids.field_row, self._card_button
        if self.card_state == "hidden" and button.parent is not None:
            row.remove_widget(button)
        elif self.card_state != "hidden" and button.parent is None:
            row.add_widget(button)

    def on_pre_enter(self, *_):
        self.ids.kb.engine = self.app.services.input.pinyin()
        self.ids.kb.reset()
        self.name_text = self.session.name
        self.phone_text = self.session.phone
        self._keep_card(self.session.id_card)
        self.field = "name"
        self.notice("")
        self.open_reader()

    def on_leave(self, *_):
        self.close_reader()

    # -- the ID-card reader ------------------------------------------------------------

    def open_reader(self) -> None:
        """Open the reader on a worker; the button appears when it worked."""
        if self._reader_token is not None:
            return
        self._reader_token = token = self.session.token()
        run_in_worker(self.app.services.id_card.open_reader, token=token, name="kiosk-idcard-open",
                      on_done=self._reader_opened, on_error=self._reader_failed,
                      on_stale=lambda reader: reader.close(), outcomes=(FeatureUnavailable,))

    def close_reader(self) -> None:
        """Stop reading (a card on its way is dropped) and release the reader."""
        if self._reader_token is not None:
            self._reader_token.cancel()
            self._reader_token = None
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.close()  # ends a read waiting in its worker (docs/idcard.md)
        self.card_state = "hidden"

    def _reader_opened(self, reader) -> None:
        self._reader = reader
        self.card_state = "ready"
        self.app.services.states.publish("id_card_reader", "ok")

    def _reader_failed(self, e: BaseException) -> None:
        if isinstance(e, FeatureNotConfigured):
            self.card_state = "hidden"
            return
        detail = e.detail if isinstance(e, FeatureUnavailable) else f"{type(e).__name__}: {e}"
        self.app.services.states.publish("id_card_reader", "error", detail)
        self.card_state = "off"
        self.notice(self.app.t("identity.reader_off"))

    def read_card(self) -> None:
        """刷身份证: wait on a worker for a card laid on the reader."""
        if self.card_state != "ready" or self._reader is None:
            return
        self.ids.kb.commit_composing()
        self.card_state = "reading"
        self.notice(self.app.t("identity.card_wait"))
        run_in_worker(self._reader.read, token=self._reader_token, name="kiosk-idcard-read",
                      on_done=self.fill_from_card, on_error=self._card_failed, outcomes=(CardNotRead,))

    def fill_from_card(self, card) -> None:
        """A card was read (a :class:`~kiosk.app.services.idcard.CardIdentity`): fill the
        name, show the masked number, go on to the phone."""
        self.card_state = "ready"
        self._keep_card(card)
        self.name_text = card.name[:50]
        self.field = "phone"
        self.notice(self.app.t("identity.card_done"))

    def _card_failed(self, e: BaseException) -> None:
        if isinstance(e, CardNotRead):
            self.card_state = "off" if e.problem is CardProblem.GONE else "ready"
            if e.problem is CardProblem.GONE:
                self.app.services.states.publish("id_card_reader", "error", str(e))
            self.notice(self.app.t(CARD_PROBLEM_WORDS[e.problem]))
        else:  # a bug: logged with its traceback by run_in_worker; typing still works
            self.card_state = "ready"
            self.notice(self.app.t("identity.card_fault"))

    def _keep_card(self, card) -> None:
        self._card = card
        self.masked_id = card.masked_id if card is not None else ""

    # -- typing ------------------------------------------------------------------------

    def insert(self, text: str) -> None:
        if self.field == "name":
            self._keep_card(None)  # a changed name is no longer the card's
            self.name_text = (self.name_text + text)[:50]
        elif text.isdigit() or text == "-":
            self.phone_text = (self.phone_text + text)[:20]

    def delete(self) -> None:
        if self.field == "name":
            self._keep_card(None)
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
        s.anonymous, s.name, s.phone, s.id_card = False, name, phone, self._card
        self.app.go("finish")

    def back(self) -> None:
        self.app.go("finish")

    def reset(self) -> None:
        self.close_reader()
        self.ids.kb.reset()
        self.name_text = self.phone_text = ""
        self._keep_card(None)
        self.field = "name"
        self.notice("")
