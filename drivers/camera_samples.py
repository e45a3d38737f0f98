"""Sample images for the fake camera, drawn in code (no binary files in the repo).

- :func:`synthetic_scene`: a street with a broken lamp and a pothole, the kind of thing
  residents photograph, with a car that moves from frame to frame so a preview looks live.
- :func:`synthetic_letter`: what a document camera (高拍仪) sees when a handwritten-style
  A4 letter in Chinese lies on a dark desk, rotated and in perspective, unevenly lit.
  Its ground-truth page corners and the flat page come with it, so page finding and
  perspective correction can be tested against the truth.

Chinese text needs a CJK font: WenQuanYi Micro Hei (Debian ``fonts-wqy-microhei``) or
Noto CJK are looked for; without one, Pillow's built-in font draws what it can.
"""

from __future__ import annotations

import functools
import math
import os
from dataclasses import dataclass

import numpy as np

CJK_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)

A4_RATIO = 297 / 210  # height / width

LETTER_LINES = (
    "尊敬的人大代表：",
    "    您好！我是幸福里小区的居民，想反映",
    "几件事情。我们小区东门的路灯坏了两个",
    "多月，晚上出门很不方便，老人摔倒过。",
    "    另外，三号楼旁边的井盖松动，下雨时",
    "积水很深，垃圾也没有人及时清理。物业",
    "说要等街道批准，一直没有解决。",
    "    希望代表帮助我们反映，尽快维修。",
    "    谢谢！",
    "",
    "                      居民  王秀英",
    "                      十一月二十日",
)


def find_cjk_font(path: str | None = None) -> str | None:
    """*path* if it exists, else the first installed CJK font, else None."""
    for p in ((path,) if path else ()) + CJK_FONTS:
        if p and os.path.exists(p):
            return p
    return None


def _font(size: int, path: str | None):
    from PIL import ImageFont
    found = find_cjk_font(path)
    if found:
        return ImageFont.truetype(found, size)
    return ImageFont.load_default(size)


@functools.lru_cache(maxsize=4)
def render_letter_page(width: int = 1050, font_path: str | None = None,
                       lines: tuple[str, ...] = LETTER_LINES) -> np.ndarray:
    """The flat A4 page (greyscale uint8, white paper, dark ink), *width* px wide.

    The result is cached and shared: copy it before changing it.
    """
    from PIL import Image, ImageDraw
    height = round(width * A4_RATIO)
    page = Image.new("L", (width, height), 250)
    draw = ImageDraw.Draw(page)
    margin = width // 12
    title = _font(width // 16, font_path)
    body = _font(width // 24, font_path)
    draw.text((width // 2, margin), "人民来信", font=title, fill=25, anchor="mt")
    y = margin + width // 16 + width // 18
    step = int(width / 24 * 1.9)
    for line in lines:
        draw.text((margin, y), line, font=body, fill=30)
        # ruled letter paper: a faint line under every row of writing
        draw.line((margin, y + step - step // 5, width - margin, y + step - step // 5), fill=205, width=2)
        y += step
    arr = np.asarray(page, dtype=np.uint8).copy()
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True)
class SyntheticLetter:
    """A document-camera frame and the truth about it."""

    image: np.ndarray    # H×W×3 uint8 BGR frame
    corners: np.ndarray  # 4×2 float32 page corners in the frame: top-left, top-right, bottom-right, bottom-left
    page: np.ndarray     # the flat page as rendered (greyscale), before it was put on the desk


def letter_corners(width: int, height: int, *, angle: float = 8.0, tilt: float = 0.08,
                   scale: float = 0.8, shift: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    """Where the page's corners land in a *width*×*height* frame.

    *scale*: page height as a fraction of the frame height; *angle*: rotation in degrees
    (clockwise); *tilt*: keystone, the top edge shortened by this fraction (the camera
    looks at the desk slightly from the front); *shift*: offset as fractions of the frame.
    """
    ph = scale * height
    pw = ph / A4_RATIO
    top_half = pw / 2 * (1 - tilt)
    local = np.array([[-top_half, -ph / 2], [top_half, -ph / 2], [pw / 2, ph / 2], [-pw / 2, ph / 2]])
    a = math.radians(angle)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    centre = np.array([width / 2 + shift[0] * width, height / 2 + shift[1] * height])
    return (local @ rot.T + centre).astype(np.float32)


def _desk(width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    """A dark wooden desk: brown with grain, as float32 BGR 0-255."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    grain = 0.5 + 0.5 * np.sin(x / 9.0 + 6 * np.sin(y / 140.0) + rng.uniform(0, 6))
    base = np.stack([28 + 10 * grain, 42 + 14 * grain, 62 + 20 * grain], axis=-1)
    return base


def synthetic_letter(width: int = 1600, height: int = 1200, *, angle: float = 8.0, tilt: float = 0.08,
                     scale: float = 0.8, shift: tuple[float, float] = (0.0, 0.0), seed: int = 0,
                     font_path: str | None = None, noise: float = 3.0) -> SyntheticLetter:
    """A photo of an A4 letter lying on a dark desk, as a document camera sees it."""
    import cv2
    rng = np.random.default_rng(seed)
    page = render_letter_page(font_path=font_path)
    ph, pw = page.shape
    corners = letter_corners(width, height, angle=angle, tilt=tilt, scale=scale, shift=shift)
    src = np.array([[0, 0], [pw, 0], [pw, ph], [0, ph]], dtype=np.float32)
    m = cv2.getPerspectiveTransform(src, corners)
    warped = cv2.warpPerspective(page, m, (width, height), flags=cv2.INTER_AREA,
                                 borderMode=cv2.BORDER_CONSTANT, borderValue=0).astype(np.float32)
    mask = cv2.warpPerspective(np.full((ph, pw), 255, np.uint8), m, (width, height),
                               flags=cv2.INTER_LINEAR).astype(np.float32) / 255.0
    desk = _desk(width, height, rng)
    # a soft shadow under the page, offset down-right
    shadow = cv2.GaussianBlur(np.roll(mask, (12, 12), axis=(0, 1)), (0, 0), 10)
    desk *= (1 - 0.6 * shadow)[..., None]
    paper = np.stack([warped * 0.97, warped * 0.99, warped], axis=-1)  # slightly warm white
    img = desk * (1 - mask[..., None]) + paper * mask[..., None]
    # uneven lighting: the lamp sits above the top-left corner
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    light = 1.0 - 0.25 * np.hypot(x / width - 0.2, y / height - 0.1)
    img *= light[..., None]
    if noise:
        img += rng.normal(0, noise, img.shape).astype(np.float32)
    img = np.clip(img, 0, 255).astype(np.uint8)
    return SyntheticLetter(image=img, corners=corners, page=page)


@functools.lru_cache(maxsize=4)
def _scene_base(width: int, height: int, seed: int) -> np.ndarray:
    import cv2
    rng = np.random.default_rng(seed)
    img = np.zeros((height, width, 3), np.uint8)
    horizon = int(height * 0.55)
    for row in range(horizon):  # sky gradient
        t = row / horizon
        img[row] = (235 - 60 * t, 200 - 40 * t, 150 - 30 * t)
    img[horizon:] = (92, 96, 100)  # asphalt
    for i in range(6):  # buildings with windows
        x0 = int(i * width / 6 + rng.integers(0, width // 30))
        bw, bh = int(width / 7), int(rng.integers(height // 5, horizon - height // 12))
        colour = tuple(int(c) for c in rng.integers(120, 200, 3))
        cv2.rectangle(img, (x0, horizon - bh), (x0 + bw, horizon), colour, -1)
        for wy in range(horizon - bh + 15, horizon - 20, 34):
            for wx in range(x0 + 12, x0 + bw - 20, 30):
                cv2.rectangle(img, (wx, wy), (wx + 14, wy + 18), (90, 80, 70), -1)
    cv2.rectangle(img, (0, horizon), (width, horizon + 8), (200, 200, 200), -1)  # kerb
    # the broken street lamp: bent head, dark bulb
    px = int(width * 0.72)
    cv2.line(img, (px, horizon + 30), (px, int(height * 0.18)), (60, 60, 60), max(3, width // 160))
    cv2.line(img, (px, int(height * 0.18)), (px - width // 14, int(height * 0.24)), (60, 60, 60), max(3, width // 200))
    cv2.circle(img, (px - width // 14, int(height * 0.25)), max(6, width // 90), (40, 40, 40), -1)
    # the pothole
    cv2.ellipse(img, (int(width * 0.35), int(height * 0.8)), (width // 10, height // 22), 0, 0, 360, (45, 48, 52), -1)
    cv2.ellipse(img, (int(width * 0.35), int(height * 0.8)), (width // 10, height // 22), 0, 0, 360, (70, 72, 75), 3)
    noise = rng.normal(0, 4, img.shape)
    img = np.clip(img.astype(np.float32) + noise, 0, 255).astype(np.uint8)
    img.setflags(write=False)
    return img


def synthetic_scene(width: int = 1280, height: int = 720, *, t: int = 0, seed: int = 0) -> np.ndarray:
    """A street scene (BGR uint8); frame *t* moves the car so a live preview visibly updates."""
    import cv2
    img = _scene_base(width, height, seed).copy()
    cw, ch = width // 8, height // 12
    x = int((t * width / 90) % (width + cw)) - cw
    y = int(height * 0.62)
    cv2.rectangle(img, (x, y), (x + cw, y + ch), (40, 40, 180), -1)
    cv2.rectangle(img, (x + cw // 5, y - ch // 2), (x + cw * 4 // 5, y), (40, 40, 150), -1)
    for wx in (x + cw // 5, x + cw * 4 // 5):
        cv2.circle(img, (wx, y + ch), ch // 3, (20, 20, 20), -1)
    return img
