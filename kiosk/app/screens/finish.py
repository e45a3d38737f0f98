"""Finish: category ("not sure" allowed), anonymous or real name, review, submit."""

from __future__ import annotations

from kivy.properties import BooleanProperty

from kiosk.app.screens.base import KioskScreen
from kiosk.app.screens.identity import phone_tail
from kiosk.app.widgets.base import KButton

SUMMARY_TEXT_CHARS = 40


class FinishScreen(KioskScreen):
    """Everything before the submit tap."""

    # The disk is low: media was refused, a "text only" button is offered (docs/ui.md).
    offer_text_only = BooleanProperty(False)

    def on_pre_enter(self, *_):
        self._build_categories()
        self.refresh()

    def _build_categories(self) -> None:
        app = self.app
        grid = self.ids.categories
        grid.clear_widgets()
        chosen = self.session.category
        for cat in app.services.submission.categories().items:
            grid.add_widget(KButton(text=cat.name(app.lang), selected=cat.id == chosen, font_size=40,
                                    on_release=lambda _b, c=cat.id: self.choose_category(c)))
        grid.add_widget(KButton(text=app.t("finish.not_sure"), selected=chosen is None, font_size=40,
                                on_release=lambda _b: self.choose_category(None)))

    def choose_category(self, category: str | None) -> None:
        self.session.category = category
        self._build_categories()

    def choose_anonymous(self) -> None:
        s = self.session
        s.anonymous, s.name, s.phone, s.id_card = True, "", "", None
        self.refresh()

    def choose_real_name(self) -> None:
        self.app.go("identity")

    def choose_representative(self) -> None:
        """找代表: pick (or scan) the representative the item addresses."""
        self.app.open_address("finish")

    def refresh(self) -> None:
        """Redraw the identity choice and the review summary from the session."""
        app, s = self.app, self.session
        self.ids.anonymous.selected = s.anonymous
        self.ids.real_name.selected = not s.anonymous
        self.ids.representative.text = (app.t("finish.representative_chosen", name=s.representative_name)
                                        if s.representative_id else app.t("finish.representative_choose"))
        lines = []
        if s.text:
            short = s.text if len(s.text) <= SUMMARY_TEXT_CHARS else s.text[:SUMMARY_TEXT_CHARS] + "…"
            lines.append(app.t("finish.summary_text", text=short))
        else:
            lines.append(app.t("finish.summary_none"))
        if s.audio:
            lines.append(app.t("finish.summary_audio", seconds=int(round(s.audio_seconds))))
        if s.photos:
            lines.append(app.t("finish.summary_photos", count=len(s.photos)))
        if s.pages:
            lines.append(app.t("finish.summary_pages", count=len(s.pages)))
        if s.anonymous:
            lines.append(app.t("finish.summary_identity_anon"))
        elif s.id_card is not None:  # only the card number's last 4 are ever shown
            lines.append(app.t("finish.summary_identity_card", name=s.name, tail=phone_tail(s.phone),
                               id_tail=s.id_card.masked_id[-4:]))
        else:
            lines.append(app.t("finish.summary_identity_name", name=s.name, tail=phone_tail(s.phone)))
        if s.representative_id:
            lines.append(app.t("finish.summary_representative", name=s.representative_name))
        self.ids.summary.text = "\n".join(lines)

    def submit_text_only(self) -> None:
        """Drop the recording, photos and letter pages; submit the text (or write one)."""
        self.offer_text_only = False
        self.notice("")
        self.session.drop_media()
        self.refresh()
        if self.session.text:
            self.app.submit()
        else:
            self.app.edit_text(return_to="finish")

    def back(self) -> None:
        s = self.session
        target = {"voice": "review", "text": "write", "photo": "photo", "letter": "letter"}.get(s.source or "")
        if target:
            self.app.go(target)
        else:
            self.app.reset_session()

    def reset(self) -> None:
        self.ids.categories.clear_widgets()
        self.ids.summary.text = ""
        self.offer_text_only = False
        self.notice("")
