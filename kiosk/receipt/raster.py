"""Text lines drawn with a CJK TrueType font into 1-bit pictures, for printers whose own
font lacks a character (or has no Chinese font at all).

Pictures are black (0) on white (255) and already thresholded, so python-escpos'
``image()`` (which dithers) sends exactly these pixels. A picture is only as wide as its
ink plus the left padding that aligns it, rounded up to whole bytes: every byte saved
is 1 ms on a 9600-baud line.
"""

from __future__ import annotations

import functools
from pathlib import Path


class FontError(Exception):
    """The receipt font is missing or unreadable; ``str()`` names the path."""


@functools.lru_cache(maxsize=8)
def load_font(path: str, size: int):
    """The TrueType font at *path* in *size* pixels (cached: loading wqy-microhei takes ~30 ms)."""
    from PIL import ImageFont
    if not Path(path).is_file():
        raise FontError(f"receipt font not found: {path} (set receipt.font_path; "
                        "on Debian: apt install fonts-wqy-microhei)")
    try:
        return ImageFont.truetype(path, size)
    except OSError as e:
        raise FontError(f"receipt font unreadable: {path}: {e}") from None


def line_height(size: int) -> int:
    """Dots one raster text line takes: the em plus a quarter for line spacing."""
    return size + (size + 3) // 4


def render_line(text: str, *, dots: int, font_path: str, size: int, align: str = "left"):
    """*text* as a 1-bit ``PIL.Image`` at most *dots* wide, aligned within the paper.

    When a line would be wider than the paper (proportional Latin glyphs can be wider
    than the printer's 12-dot cells) the font shrinks until it fits.
    """
    from PIL import Image, ImageDraw
    px = size
    while True:
        font = load_font(font_path, px)
        left, top, right, bottom = font.getbbox(text or " ")
        ink_w = max(0, right) + 1
        if ink_w <= dots or px <= 8:
            break
        px -= 1
    height = line_height(size)
    ink_w = min(ink_w, dots)
    if align == "center":
        pad = (dots - ink_w) // 2
    elif align == "right":
        pad = dots - ink_w
    else:
        pad = 0
    width = min(dots, (pad + ink_w + 7) // 8 * 8)
    img = Image.new("L", (width, height), 255)
    ascent, descent = font.getmetrics()
    y = max(0, (height - (ascent + descent)) // 2)
    ImageDraw.Draw(img).text((pad, y), text, font=font, fill=0)
    return img.point(lambda v: 0 if v < 128 else 255)


def pad_to_center(img, dots: int):
    """*img* with white added on the left so that it sits centred on the paper."""
    from PIL import Image
    w, h = img.size
    if w > dots:
        raise ValueError(f"picture is {w} dots wide, the paper only {dots}")
    pad = (dots - w) // 2
    out = Image.new("L", ((pad + w + 7) // 8 * 8, h), 255)
    out.paste(img.convert("L"), (pad, 0))
    return out
