"""Doctor checks of the touchscreen app: the CJK font, the string catalogs and the spoken prompts.

They live with the UI (they import it); `kiosk doctor` hands them to
:func:`kiosk.doctor.run_checks`, so the checks package never imports the UI.
"""

from __future__ import annotations

from kiosk.doctor import FAIL, OK, SKIP, WARN, Check


def checks(ctx) -> list[Check]:
    from kiosk.config import ConfigError
    from kiosk.app import i18n
    from kiosk.app.fonts import FontNotFound, find_font

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
    out.append(prompts_check(cfg))
    return out


def prompts_check(cfg) -> Check:
    """Spoken prompts: WARN naming the missing or unplayable ones (the screens still work)."""
    from pathlib import Path

    from kiosk.app import prompts
    if cfg.ui.prompts_dir and not Path(cfg.ui.prompts_dir).is_dir():
        return Check("ui_prompts", WARN, f"ui.prompts_dir {cfg.ui.prompts_dir} is not a directory: "
                                         "no recorded prompt can replace a generated one")
    found = prompts.list_prompts(cfg)
    bad = [p for p in found if p.problem]
    missing = [p for p in found if p.file is None]
    if bad or missing:
        parts = []
        if missing:
            parts.append(f"{len(missing)} of {len(found)} missing, e.g. {missing[0].lang}/{missing[0].screen}")
        if bad:
            parts.append(f"{len(bad)} unplayable, e.g. {bad[0].problem}")
        return Check("ui_prompts", WARN, "; ".join(parts) + " (run `kiosk prompts build`)")
    recorded = sum(1 for p in found if p.source == "recorded")
    return Check("ui_prompts", OK, f"{len(found)} prompts ({recorded} recorded)")
