"""Doctor checks of the touchscreen app: the CJK font and the string catalogs."""

from __future__ import annotations

from kiosk.checks import FAIL, OK, SKIP, Check


def checks(ctx) -> list[Check]:
    from kiosk.config import ConfigError
    from kiosk.ui import i18n
    from kiosk.ui.fonts import FontNotFound, find_font

    out = []
    try:
        cfg = ctx.config
    except ConfigError:
        return [Check("ui_font", SKIP, "config invalid")]
    try:
        font = find_font(cfg.ui.font_path)
        out.append(Check("ui_font", OK, f"{font}"))
    except FontNotFound as e:
        out.append(Check("ui_font", FAIL, str(e)))
    missing = []
    try:
        keys = set(i18n.catalog(i18n.FALLBACK))
        for lang in i18n.LANGUAGES:
            gap = keys - set(i18n.catalog(lang))
            if gap:
                missing.append(f"{lang} lacks {len(gap)} strings, e.g. {sorted(gap)[0]}")
        out.append(Check("ui_strings", FAIL if missing else OK,
                         "; ".join(missing) or f"{len(keys)} strings in {', '.join(i18n.LANGUAGES)}"))
    except i18n.CatalogError as e:
        out.append(Check("ui_strings", FAIL, str(e)))
    return out
