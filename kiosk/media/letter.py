"""Paper letters: a document-camera frame → an upright, flat, readable page image.

Steps (all OpenCV):
1. find the page: the largest convex four-cornered outline in the frame, from two
   views of a downscaled copy (Otsu threshold: white paper on a darker desk; Canny
   edges: paper on a light desk), at least ``min_area`` of the frame;
2. correct perspective: map those corners onto an upright rectangle whose aspect is
   measured from the outline and snapped to A4 (or US Letter) when within 5 %;
3. enhance for reading: divide by the estimated paper background (removes the lamp's
   uneven light and shadows), then stretch the ink darker; the result stays greyscale so
   pencil and faint handwriting keep their strokes (``enhance="binary"`` gives a pure
   black-and-white adaptive threshold instead, ``"none"`` the colour page as is).

When no page is found the whole frame is enhanced and ``found_page`` is False, so the
resident can still add it. The page's top is assumed to be towards the top of the frame
(turned at most 45°); upside-down pages are not detected.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kiosk.media.photo import ImageRejected

PAPER_RATIOS = (297 / 210, 11 / 8.5)  # A4 (also GB 16K, 1.413), US Letter
SNAP = 0.05
WORK_EDGE = 960  # long edge of the copy the page is looked for in


@dataclass(frozen=True)
class PageResult:
    """The processed page."""

    jpeg: bytes               # the enhanced page, JPEG without metadata (what is stored)
    found_page: bool          # False: no page outline was found; the whole frame was used
    corners: np.ndarray | None  # 4×2 float32 in frame pixels: top-left, top-right, bottom-right, bottom-left
    preview: np.ndarray       # H×W×3 uint8 BGR of the enhanced page, long edge ≤ preview_edge
    size: tuple[int, int]     # (width, height) of the stored page image


def _check_frame(frame) -> np.ndarray:
    if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8 or frame.ndim not in (2, 3) \
            or (frame.ndim == 3 and frame.shape[2] not in (3, 4)) or min(frame.shape[:2]) < 32:
        raise ImageRejected(f"expected an H×W×3 uint8 BGR frame at least 32×32, got "
                            f"{getattr(frame, 'shape', type(frame))} {getattr(frame, 'dtype', '')}",
                            "bad_array")
    return frame


def _gray(frame: np.ndarray) -> np.ndarray:
    import cv2
    if frame.ndim == 2:
        return frame
    return cv2.cvtColor(frame, cv2.COLOR_BGRA2GRAY if frame.shape[2] == 4 else cv2.COLOR_BGR2GRAY)


def order_corners(pts: np.ndarray) -> np.ndarray:
    """Four points as top-left, top-right, bottom-right, bottom-left (float32 4×2).

    Sorted clockwise around their centre, starting from the one nearest the frame's
    top-left; right for pages turned up to 45° either way.
    """
    pts = np.asarray(pts, dtype=np.float32).reshape(4, 2)
    c = pts.mean(axis=0)
    ang = np.arctan2(pts[:, 1] - c[1], pts[:, 0] - c[0])
    pts = pts[np.argsort(ang)]  # y grows downwards, so increasing angle is clockwise
    start = int(np.argmin(pts.sum(axis=1)))
    return np.roll(pts, -start, axis=0)


def find_page(frame: np.ndarray, *, min_area: float = 0.15) -> np.ndarray | None:
    """The page's corners in *frame* (4×2 float32, ordered as :func:`order_corners`) or None.

    Fast enough for a live preview outline (one downscaled pass).
    """
    import cv2
    frame = _check_frame(frame)
    gray = _gray(frame)
    h, w = gray.shape
    scale = min(1.0, WORK_EDGE / max(h, w))
    small = cv2.resize(gray, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA) \
        if scale < 1 else gray
    small = cv2.GaussianBlur(small, (5, 5), 0)
    sh, sw = small.shape
    frame_area = float(sh * sw)

    _, otsu = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    otsu = cv2.morphologyEx(otsu, cv2.MORPH_CLOSE, np.ones((7, 7), np.uint8))
    edges = cv2.dilate(cv2.Canny(small, 40, 120), np.ones((3, 3), np.uint8))

    best, best_area = None, 0.0
    for mask in (otsu, edges):
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for cnt in sorted(contours, key=cv2.contourArea, reverse=True)[:5]:
            hull = cv2.convexHull(cnt)
            area = cv2.contourArea(hull)
            if area < min_area * frame_area or area > 0.98 * frame_area or area <= best_area:
                continue
            peri = cv2.arcLength(hull, True)
            for eps in (0.01, 0.02, 0.03, 0.05):
                quad = cv2.approxPolyDP(hull, eps * peri, True)
                if len(quad) == 4 and cv2.isContourConvex(quad):
                    # the outline must really be the quad's shape, not a blob it roughly
                    # covers, and not the frame's edge cutting something off
                    if cv2.contourArea(quad) >= 0.9 * area and cv2.contourArea(cnt) >= 0.85 * area \
                            and not _runs_along_border(quad.reshape(4, 2), sw, sh):
                        best, best_area = quad, area
                    break
    if best is None:
        return None
    return order_corners(best.reshape(4, 2).astype(np.float32) / scale)


def _runs_along_border(quad: np.ndarray, w: int, h: int) -> bool:
    """True when a side of *quad* lies on the frame's edge: then the outline is the
    frame cutting off something bright (sky, a page hanging out of view), not a page."""
    tol = 0.01 * max(w, h)
    for a, b in zip(quad, np.roll(quad, -1, axis=0)):
        for axis, limit in ((0, 0), (0, w - 1), (1, 0), (1, h - 1)):
            if abs(a[axis] - limit) <= tol and abs(b[axis] - limit) <= tol:
                return True
    return False


def page_size(corners: np.ndarray, max_edge: int) -> tuple[int, int]:
    """(width, height) of the corrected page: measured from the outline, its aspect
    snapped to a standard paper size when close, the long edge at most *max_edge*."""
    tl, tr, br, bl = corners
    w = max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl))
    h = max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr))
    ratio = max(w, h) / max(1.0, min(w, h))
    for paper in PAPER_RATIOS:
        if abs(ratio / paper - 1) <= SNAP:
            ratio = paper
            break
    long_edge = min(float(max_edge), max(w, h))
    short = long_edge / ratio
    return (round(short), round(long_edge)) if h >= w else (round(long_edge), round(short))


def enhance(gray: np.ndarray, mode: str = "gray") -> np.ndarray:
    """A greyscale page made easy to read (see the module docstring for the modes)."""
    import cv2
    if mode == "binary":
        block = max(15, (min(gray.shape) // 30) | 1)
        return cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C,
                                     cv2.THRESH_BINARY, block, 12)
    if mode != "gray":
        raise ValueError(f"enhance: expected gray, binary or none, got {mode!r}")
    # Paper background: closing with a kernel wider than a stroke erases the ink; a blur
    # smooths it. Dividing by it flattens the lamp's gradient and shadows to white.
    k = max(15, (min(gray.shape) // 40) | 1)
    bg = cv2.morphologyEx(gray, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    bg = cv2.GaussianBlur(bg, (0, 0), k / 2)
    flat = np.clip(gray.astype(np.float32) / np.maximum(bg.astype(np.float32), 1) * 255, 0, 255)
    # Darken the ink: 1.6× the distance from white, so grey strokes read as dark ones
    # while the paper (≈255) stays white.
    out = 255 - (255 - flat) * 1.6
    return np.clip(out, 0, 255).astype(np.uint8)


def process_page(frame: np.ndarray, *, max_edge: int = 2000, enhance_mode: str = "gray",
                 quality: int = 80, min_area: float = 0.15, preview_edge: int = 1024) -> PageResult:
    """Find, flatten and enhance the page in a document-camera *frame* (BGR uint8)."""
    import cv2
    frame = _check_frame(frame)
    corners = find_page(frame, min_area=min_area)
    if corners is not None:
        w, h = page_size(corners, max_edge)
        # Trim a thin strip (0.6 %) all round: the outline sits on the blurred boundary
        # between paper and desk, which would otherwise show as a dark frame.
        m = max(2.0, 0.006 * max(w, h))
        dst = np.array([[-m, -m], [w - 1 + m, -m], [w - 1 + m, h - 1 + m], [-m, h - 1 + m]], dtype=np.float32)
        m = cv2.getPerspectiveTransform(corners, dst)
        src = frame if enhance_mode == "none" else _gray(frame)
        page = cv2.warpPerspective(src, m, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)
    else:
        page = frame if enhance_mode == "none" else _gray(frame)
        fh, fw = page.shape[:2]
        s = min(1.0, max_edge / max(fh, fw))
        if s < 1:
            page = cv2.resize(page, (round(fw * s), round(fh * s)), interpolation=cv2.INTER_AREA)
    if enhance_mode == "none":
        out = page if page.ndim == 2 or page.shape[2] == 3 else cv2.cvtColor(page, cv2.COLOR_BGRA2BGR)
    else:
        out = enhance(page, enhance_mode)
    ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(quality), cv2.IMWRITE_JPEG_OPTIMIZE, 1])
    if not ok:
        raise ImageRejected("could not encode the page as JPEG", "corrupt")
    oh, ow = out.shape[:2]
    s = min(1.0, preview_edge / max(oh, ow))
    preview = cv2.resize(out, (round(ow * s), round(oh * s)), interpolation=cv2.INTER_AREA) if s < 1 else out
    if preview.ndim == 2:
        preview = cv2.cvtColor(preview, cv2.COLOR_GRAY2BGR)
    return PageResult(jpeg=buf.tobytes(), found_page=corners is not None, corners=corners,
                      preview=preview, size=(ow, oh))


def draw_outline(frame: np.ndarray, corners: np.ndarray | None, colour=(0, 200, 0)) -> np.ndarray:
    """A copy of *frame* with the found page outlined (for the live preview)."""
    import cv2
    out = frame.copy()
    if corners is not None:
        thick = max(3, max(frame.shape[:2]) // 250)
        cv2.polylines(out, [np.round(corners).astype(np.int32)], True, colour, thick, cv2.LINE_AA)
    return out
