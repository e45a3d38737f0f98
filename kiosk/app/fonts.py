"""Which CJK font the app draws with: config → installed system font → a clear error.

Kivy's bundled Roboto has no Chinese glyphs (every character would be a box), so the
app refuses to start without a CJK font instead of showing boxes to a resident. No Kivy
import here: `kiosk doctor` uses this too.
"""

from __future__ import annotations

from pathlib import Path

# apt fonts-wqy-microhei: Simplified and Traditional Chinese plus Latin and digits (docs/platform.md).
SYSTEM_FONTS = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
)


class FontNotFound(Exception):
    """No usable CJK font; ``str()`` says where we looked and how to fix it."""


def _usable(p: Path) -> bool:
    try:
        with open(p, "rb") as f:
            head = f.read(4)
    except OSError:
        return False
    # TrueType collection, TrueType, OpenType (CFF) signatures.
    return head in (b"ttcf", b"\x00\x01\x00\x00", b"OTTO", b"true")


def find_font(font_path: str = "") -> Path:
    """The font file to use; raises :class:`FontNotFound` naming what is wrong."""
    if font_path:
        p = Path(font_path)
        if not p.is_file():
            raise FontNotFound(f"ui.font_path {font_path!r} does not exist")
        if not _usable(p):
            raise FontNotFound(f"ui.font_path {font_path!r} is not a TrueType/OpenType font")
        return p
    for p in SYSTEM_FONTS:
        if p.is_file() and _usable(p):
            return p
    raise FontNotFound("no CJK font found: install fonts-wqy-microhei (apt) or set ui.font_path "
                       "to a font with Chinese glyphs (looked in: "
                       + ", ".join(str(p) for p in SYSTEM_FONTS) + ")")
