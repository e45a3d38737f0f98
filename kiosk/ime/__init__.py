"""Chinese text entry without a UI: the pinyin engine behind the on-screen keyboard.

:mod:`kiosk.ime.pinyin` (``PinyinEngine``, ``Candidate``) is the public entry point;
:mod:`kiosk.ime.syllables` splits typed letters into syllables; :mod:`kiosk.ime.domain`
is the complaint word list that re-ranks homophones.
"""
