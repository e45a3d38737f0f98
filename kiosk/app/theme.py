"""Colours and sizes, designed for a 70-year-old at arm's length (docs/design.md).

Sizes are pixels on the 1280×800 reference screen. Every text/background pair below
has a contrast ratio of at least 7:1 (WCAG AAA); tests/ui/test_ui_accessibility.py
measures the real widgets, not this table.
"""

from __future__ import annotations

NAVY = (0.043, 0.122, 0.227, 1)        # #0B1F3A screen background
WHITE = (1, 1, 1, 1)
BLACK = (0, 0, 0, 1)
YELLOW = (1, 0.847, 0.302, 1)          # #FFD84D primary buttons, notices on navy
YELLOW_DOWN = (0.902, 0.722, 0.0, 1)   # #E6B800 pressed primary
PALE = (0.91, 0.933, 0.969, 1)         # #E8EEF7 secondary buttons
PALE_DOWN = (0.78, 0.82, 0.88, 1)      # #C7D1E0 pressed secondary
DARK_RED = (0.545, 0.0, 0.0, 1)        # #8B0000 text of "delete" buttons
DISABLED_BG = (0.165, 0.231, 0.333, 1)  # #2A3B55
DISABLED_FG = (0.816, 0.847, 0.894, 1)  # #D0D8E4
GREEN = (0.2, 0.8, 0.35, 1)            # level meter bar (not text)
# A chosen option (a category, anonymous or named, a language): sky blue with a navy
# border and check mark, never the yellow of the main action (docs/ui.md "Selection").
SKY = (0.749, 0.890, 1, 1)             # #BFE3FF
SKY_DOWN = (0.600, 0.800, 0.949, 1)    # #99CCF2 pressed

BG = NAVY
FG = WHITE

TITLE = 56       # ≥ 48 px
BODY = 36        # ≥ 32 px
BUTTON = 44
KEY = 40
CHOICE = 104     # the big 说/写/拍/信 characters (a longer Latin word shrinks to fit its tile)
CODE = 140       # the tracking code on the done screen
# After a printer fault the resident copies the code and the secret from the screen: the
# secret and the notice grow, the code gives them room (docs/ui.md "The printer-fault notice").
CODE_NOTE = 120
SECRET_NOTE = 88
NOTE = 48
TARGET = 112     # touch targets (≥ 96 px both sides, ≈ 15 mm on a 10" 1280×800 panel)
PAD = 24

# The accessibility floor (docs/design.md "Resident experience rules", at the 1280x800
# reference size), enforced by kiosk/app/offscreen/a11y.py and used by the widgets.
MIN_BODY = 32
MIN_TITLE = 48
MIN_TARGET = 96
# The maintenance staff's service pages (screens named ``service-…``) are denser: staff
# are trained adults with a task list, and a page must fit the status or a queue (docs/service.md).
MIN_SERVICE_TARGET = 60
MIN_CONTRAST = 7.0
