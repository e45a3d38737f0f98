"""The languages of the kiosk's screens, receipts and category names: defined once here."""

LANGUAGES = ("zh-CN", "zh-TW", "en")
"""UI catalogs (assets/i18n/<lang>.json), category names and ``ui.default_language``."""

FALLBACK = "zh-CN"
"""What a missing name or string falls back to (Simplified Chinese, the default)."""
