"""The answer to a resident's item: its state, the centre's reply, and the rating.

Shows only what a receipt holder may see (kiosk.lookup.answers.Answer): never the item's text,
photos or name. Without the receipt secret (or for a receipt printed before secrets) only
the code and the state, and a line saying how to see the reply. With it, the loop's
timeline (kiosk/core/loop.py: each step with its time, department and note, the current
one highlighted, an overdue matter said as such) and the round of 不满意再办. The rating
(满意 / 基本满意 / 不满意) is offered once the centre replied to the current round, once
per round, never after the centre closed the matter; it is saved on a worker thread and
forwarded by the sync daemon.
"""

from __future__ import annotations

import logging

from kivy.properties import BooleanProperty, ObjectProperty
from kivy.utils import escape_markup

from kiosk.app.feeds.mainthread import run_in_worker
from kiosk.app.screens.base import KioskScreen
from kiosk.app.services import RATING_OUTCOMES, RatingRefused, TooManyFailures
from kiosk.app.wording import datetime_text

log = logging.getLogger(__name__)


class AnswerScreen(KioskScreen):
    """One item's answer."""

    answer = ObjectProperty(None, allownone=True)
    saving = BooleanProperty(False)

    def __init__(self, **kw):
        super().__init__(**kw)
        self._token = None

    def show(self, answer) -> None:
        """Fill the screen from a kiosk.lookup.answers.Answer."""
        self.answer = answer
        self.notice("")
        self._refresh()

    def _refresh(self, *_):
        a, t = self.answer, self.app.t
        if a is None:
            for key in ("code", "when", "state", "reply", "rating_state", "timeline"):
                self.ids[key].text = ""
            return
        tz, lang = self.app.cfg.receipt.timezone, self.app.lang

        def local_time(iso):
            # with the year: an answer can be looked up long after it was given
            return datetime_text(iso, tz, lang, year=True)
        self.ids.code.text = str(a.code)
        self.ids.state.text = t(f"state.{a.state}")
        if not a.authorised:
            self.ids.when.text = ""
            self.ids.reply.text = t("answer.state_only" if a.secret_issued else "answer.no_secret_issued")
            self.ids.rating_state.text = ""
            self.ids.timeline.text = ""
            return
        self.ids.timeline.text = self._timeline_text(a.loop, local_time)
        if a.round > 1:
            self.ids.state.text += "  ·  " + t("answer.round", round=a.round)
        when = local_time(a.created_at)
        self.ids.when.text = t("answer.submitted", when=when, category=self.category_text(a.category))
        if a.reply:
            replied = local_time(a.replied_at) if a.replied_at else ""
            self.ids.reply.text = t("answer.reply", when=replied) + "\n" + a.reply
        else:
            self.ids.reply.text = t("answer.no_reply_yet")
        if a.rating:
            self.ids.rating_state.text = t("answer.rated", rating=t(f"rating.{a.rating}"))
        elif a.can_rate:
            self.ids.rating_state.text = t("answer.rate_question") + "\n" + t("answer.rate_unsatisfied_note")
        elif a.loop is not None and a.loop.closed:
            self.ids.rating_state.text = t("answer.closed_cannot_rate") if a.reply else ""
        else:
            self.ids.rating_state.text = t("answer.rate_later")

    def _timeline_text(self, loop, local_time) -> str:
        """The loop's steps, one line each (markup): the current stage in bold yellow, an
        overdue matter said as such (docs/ui.md "The answer screen")."""
        if loop is None or not loop.entries:
            return ""
        t, current = self.app.t, loop.stage
        lines = [t("answer.timeline")]
        last = max((i for i, e in enumerate(loop.entries) if e.stage == current), default=-1)
        for i, e in enumerate(loop.entries):
            words = t(f"stage.{e.stage}") + "".join(f" · {escape_markup(x)}" for x in (e.department, e.note) if x)
            if e.rating:
                words += " · " + t(f"rating.{e.rating}")
            line = f"{local_time(e.at)}\n{words}"
            lines.append(f"[b][color=#FFD84D]▶ {line}[/color][/b]" if i == last else line)
        if loop.overdue:
            lines.append(f"[b][color=#BFE3FF]⚠ {t('answer.overdue')}[/color][/b]")
        return "\n".join(lines)

    def spoken_prompts(self) -> list[str]:
        """The screen's prompt, then where the matter stands: its stage, a new round, overdue."""
        loop = self.answer.loop if self.answer is not None else None
        if loop is None or loop.stage is None:
            return [self.name]
        said = [self.name, "stage_now", f"stage_{loop.stage}"]
        if loop.round > 1:
            said.append("answer_reopened")
        if loop.overdue:
            said.append("answer_overdue")
        return said

    def rate(self, rating: str) -> None:
        """A rating button was tapped: save it (once) on a worker."""
        if self.saving or self.answer is None or not self.answer.can_rate:
            return
        self.saving = True
        self._token = self.session.token()
        run_in_worker(self.app.services.lookup.rate, self.answer, rating, name="kiosk-rate",
                      token=self._token, on_done=self._rated, on_error=self._rate_failed,
                      outcomes=RATING_OUTCOMES)

    def _rated(self, answer) -> None:
        self.saving = False
        self.show(answer)
        self.notice(self.app.t("answer.thanks"))

    def _rate_failed(self, e: BaseException) -> None:
        self.saving = False
        if isinstance(e, RatingRefused) and e.reason == "already_rated":
            self.notice(self.app.t("answer.already_rated"))
        elif isinstance(e, RatingRefused) and e.reason == "closed":
            self.notice(self.app.t("answer.closed_cannot_rate"))
        elif isinstance(e, TooManyFailures):
            self.notice(self.app.t("lookup.too_many", seconds=max(1, int(e.retry_after + 0.999))))
        else:
            self.notice(self.app.t("answer.rate_failed"))

    def reset(self) -> None:
        if self._token is not None:
            self._token.cancel()
            self._token = None
        self.saving = False
        self.answer = None
        self._refresh()
        self.notice("")
