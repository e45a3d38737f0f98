"""Answers at the kiosk: look an item up from its receipt (typed or scanned with the code
reader) and rate the reply (docs/ui.md "Check an answer", docs/codereader.md)."""
