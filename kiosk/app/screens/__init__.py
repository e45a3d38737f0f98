"""The screens of the touchscreen app; each has its rules in kiosk/app/kv/<name>.kv."""

SCREENS = ("home", "voice", "review", "write", "photo", "letter", "finish", "identity", "address", "done",
           "lookup", "answer", "representatives", "board", "announcements", "attract",
           "unavailable")
# The public disclosure screens (no resident's data on them): idle there goes to attract.
PUBLIC_SCREENS = ("home", "representatives", "board", "announcements")
