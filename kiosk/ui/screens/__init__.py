"""The screens of the touchscreen app; each has its rules in kiosk/ui/kv/<name>.kv."""

SCREENS = ("home", "voice", "review", "write", "photo", "letter", "finish", "identity", "done",
           "lookup", "answer", "unavailable")
