"""Chinese text entry: the pinyin engine behind the on-screen keyboard (kiosk.ime)."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


class InputService:
    """The pinyin engine, made once; None when it cannot be (letters still type)."""

    def __init__(self, fuzzy: tuple[str, ...] = ()):
        """*fuzzy*: the fuzzy pinyin pairs to read (config ``ui.pinyin_fuzzy``)."""
        self._fuzzy = tuple(fuzzy)
        self._pinyin = None
        self._error: str | None = None

    def pinyin(self):
        """The pinyin engine (kiosk.ime.pinyin.PinyinEngine), or None when unavailable."""
        if self._pinyin is None and self._error is None:
            try:
                from kiosk.ime.pinyin import PinyinEngine
                self._pinyin = PinyinEngine(fuzzy=self._fuzzy)
            except Exception as e:
                self._error = str(e)
                log.warning("pinyin engine unavailable: %s", e)
        return self._pinyin
