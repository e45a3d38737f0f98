"""On-screen keyboards: a pinyin keyboard with a candidate bar, and a numeric pad.

Kivy's own VKeyboard has no IME (docs/design.md), so the kiosk draws its own. The keyboard
does not own any text: it dispatches ``on_insert(text)`` and ``on_delete()`` and the
screen edits its own text. Pinyin → characters comes from the engine the app passes in
(kiosk.ime.pinyin via ``services.input.pinyin()``: ``candidates(letters, limit) -> [Candidate(text,
consumed)]``); without an engine the keyboard types letters and says so.
"""

from __future__ import annotations

from kivy.properties import BooleanProperty, ListProperty, NumericProperty, ObjectProperty, OptionProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout

from kiosk.app.widgets.base import KButton

LETTER_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
SYMBOL_ROWS = ("1234567890", "，。？！、：；“”", "（）-.@…")
ZH_PUNCT = "，。？！"
EN_PUNCT = ",.?!"
PAGE_SIZE = 5


class Key(KButton):
    """One key; ``value`` is what it types (the label may differ)."""

    value = StringProperty("")

    def __init__(self, **kwargs):
        # a letter key shows the pinyin letter it types: input, not a word of the catalog
        kwargs.setdefault("verbatim", True)
        super().__init__(**kwargs)


class CandidateButton(KButton):
    """One candidate phrase in the bar."""

    index = NumericProperty(0)


class PinyinKeyboard(BoxLayout):
    """Letters / symbols pages, 中/英 mode and a candidate bar."""

    engine = ObjectProperty(None, allownone=True)
    mode = OptionProperty("zh", options=["zh", "en"])
    page = OptionProperty("letters", options=["letters", "symbols"])
    composing = StringProperty("")
    candidates = ListProperty([])     # Candidate objects from the engine
    first = NumericProperty(0)         # first candidate shown (paging)
    lang = StringProperty("zh-CN")
    zh_available = BooleanProperty(True)

    __events__ = ("on_insert", "on_delete")

    def on_kv_post(self, base_widget):
        self.bind(page=self._build_keys, mode=self._build_keys, lang=self._build_keys, width=self._show_candidates,
                  candidates=self._show_candidates, first=self._show_candidates,
                  composing=self._show_candidates)
        self.on_engine(self, self.engine)
        self._build_keys()
        self._show_candidates()

    def on_engine(self, _inst, engine):
        self.zh_available = engine is not None
        if engine is None:
            self.mode = "en"

    # -- events the screen handles ----------------------------------------------------

    def on_insert(self, text):
        pass

    def on_delete(self):
        pass

    # -- building ---------------------------------------------------------------------

    def _tr(self, key):
        from kiosk.app.i18n import tr
        return tr(key, self.lang)

    def _build_keys(self, *_):
        rows = self.ids.rows
        rows.clear_widgets()
        letters = self.page == "letters"
        for i, row in enumerate(LETTER_ROWS if letters else SYMBOL_ROWS):
            box = BoxLayout(spacing=6)
            for ch in row:
                box.add_widget(Key(text=ch, value=ch, on_release=self._on_key))
            if i == 2:
                box.add_widget(Key(text=self._tr("kb.delete"), value="\b", role="danger",
                                   size_hint_x=2.2, on_release=self._on_key))
            rows.add_widget(box)
        bottom = BoxLayout(spacing=6)
        bottom.add_widget(Key(text=self._tr("kb.symbols" if letters else "kb.letters"), value="\x0e",
                              size_hint_x=1.5, on_release=self._on_key))
        if self.zh_available:
            bottom.add_widget(Key(text=self._tr("kb.mode_en" if self.mode == "zh" else "kb.mode_zh"),
                                  value="\x0f", size_hint_x=1.5, on_release=self._on_key))
        bottom.add_widget(Key(text=self._tr("kb.space"), value=" ", size_hint_x=4, on_release=self._on_key))
        for p in (ZH_PUNCT if self.mode == "zh" else EN_PUNCT)[:2]:
            bottom.add_widget(Key(text=p, value=p, on_release=self._on_key))
        rows.add_widget(bottom)

    def _show_candidates(self, *_):
        from kiosk.app import theme
        bar = self.ids.candidates
        bar.clear_widgets()
        self.ids.composing_label.text = self.composing
        # Fit as many candidates as the bar holds (a phrase is ~1 em per character), then
        # a "more" key pages through the rest.
        room = max(self.width, 800) - (len(self.composing) * 22 + 60) - theme.TARGET - 16
        self._page_len = 0
        for i in range(self.first, len(self.candidates)):
            cand = self.candidates[i]
            # Fixed width from the text length (a width that follows the texture would
            # re-trigger the layout: one em per CJK character, plus padding).
            width = max(theme.TARGET, len(cand.text) * theme.BUTTON + 48)
            if width + 8 > room and self._page_len:
                break
            room -= width + 8
            self._page_len += 1
            bar.add_widget(CandidateButton(text=cand.text, index=i, width=width,
                                           role="primary" if i == 0 else "secondary",
                                           on_release=lambda b: self.pick(b.index)))
        if len(self.candidates) > self._page_len:
            bar.add_widget(Key(text=self._tr("kb.more"), value="\x10", size_hint_x=None,
                               width=theme.TARGET + 20, on_release=self._on_key))

    # -- typing -----------------------------------------------------------------------

    def _on_key(self, key):
        self.press(key.value)

    def press(self, value: str) -> None:
        """Handle one key value (letters, digits, punctuation, or a control value)."""
        if value == "\b":
            if self.composing:
                self._set_composing(self.composing[:-1])
            else:
                self.dispatch("on_delete")
        elif value == "\x0e":
            self.page = "symbols" if self.page == "letters" else "letters"
        elif value == "\x0f":
            self.commit_composing()
            self.mode = "en" if self.mode == "zh" else "zh"
        elif value == "\x10":
            step = max(1, getattr(self, "_page_len", PAGE_SIZE))
            self.first = self.first + step if self.first + step < len(self.candidates) else 0
        elif self.mode == "zh" and value.isascii() and value.isalpha():
            self._set_composing(self.composing + value.lower())
        else:
            if value == " " and self.composing:
                self.commit_composing()
                return
            self.commit_composing()
            self.dispatch("on_insert", value)

    def pick(self, index: int) -> None:
        """Choose candidate *index*: insert it and keep composing the rest of the letters."""
        if not 0 <= index < len(self.candidates):
            return
        cand = self.candidates[index]
        consumed = int(getattr(cand, "consumed", len(self.composing)) or len(self.composing))
        self.dispatch("on_insert", cand.text)
        self._set_composing(self.composing[consumed:])

    def commit_composing(self) -> None:
        """Insert the first candidate for what is being composed (or the letters)."""
        while self.composing:
            if self.candidates:
                self.pick(0)
            else:
                letters, self.composing = self.composing, ""
                self.candidates = []
                self.dispatch("on_insert", letters)

    def _set_composing(self, letters: str) -> None:
        self.composing = letters
        self.first = 0
        if letters and self.engine is not None:
            try:
                self.candidates = list(self.engine.candidates(letters, limit=10))
            except Exception:
                self.candidates = []
        else:
            self.candidates = []

    def reset(self) -> None:
        """Forget what is being composed (session wipe)."""
        self.composing = ""
        self.candidates = []
        self.first = 0
        self.page = "letters"
        self.mode = "zh" if self.zh_available else "en"


class NumPad(GridLayout):
    """Digits for phone numbers and tracking codes."""

    lang = StringProperty("zh-CN")

    __events__ = ("on_insert", "on_delete")

    def on_kv_post(self, base_widget):
        self.bind(lang=self._build)
        self._build()

    def _build(self, *_):
        from kiosk.app.i18n import tr
        self.clear_widgets()
        for ch in "123456789-0":
            self.add_widget(Key(text=ch, value=ch, on_release=self._on_key))
        self.add_widget(Key(text=tr("kb.delete", self.lang), value="\b", role="danger",
                            on_release=self._on_key))

    def _on_key(self, key):
        self.press(key.value)

    def press(self, value: str) -> None:
        if value == "\b":
            self.dispatch("on_delete")
        else:
            self.dispatch("on_insert", value)

    def on_insert(self, text):
        pass

    def on_delete(self):
        pass
