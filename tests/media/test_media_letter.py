"""Paper-letter processing against synthetic document-camera frames with known truth."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from drivers.camera_samples import find_cjk_font, synthetic_letter, synthetic_scene
from kiosk.media.letter import PageResult, draw_outline, find_page, order_corners, process_page
from kiosk.media.photo import ImageRejected

A4 = 297 / 210


def decode(jpeg: bytes) -> np.ndarray:
    img = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert img is not None
    return img


def ink_agreement(page: np.ndarray, truth: np.ndarray, tol: int = 4, level: int = 128) -> tuple[float, float]:
    """(precision, recall) of dark pixels in *page* against the rendered *truth*, with a
    tolerance of *tol* pixels: how much of the output's ink is where the letter's ink
    is, and how much of the letter's ink made it to the output."""
    truth = cv2.resize(truth, page.shape[::-1], interpolation=cv2.INTER_AREA)
    ink_out = page < 128
    ink_true = truth < level
    k = np.ones((2 * tol + 1, 2 * tol + 1), np.uint8)
    near_true = cv2.dilate(ink_true.astype(np.uint8), k) > 0
    near_out = cv2.dilate(ink_out.astype(np.uint8), k) > 0
    precision = (ink_out & near_true).sum() / max(1, ink_out.sum())
    recall = (ink_true & near_out).sum() / max(1, ink_true.sum())
    return float(precision), float(recall)


needs_font = pytest.mark.skipif(find_cjk_font() is None,
                                reason="no CJK font installed (apt fonts-wqy-microhei): the synthetic letter has no text")


@needs_font
@pytest.mark.parametrize("angle,tilt,shift", [
    (8, 0.08, (0, 0)),
    (-20, 0.10, (0.03, -0.02)),
    (0, 0.0, (0, 0)),
    (33, 0.12, (-0.02, 0.02)),
])
def test_page_is_found_flattened_and_readable(angle, tilt, shift):
    s = synthetic_letter(angle=angle, tilt=tilt, shift=shift, seed=angle & 7, scale=0.72)
    r = process_page(s.image)
    assert isinstance(r, PageResult) and r.found_page
    # corners within 1 % of the frame diagonal of the truth
    diag = np.hypot(*s.image.shape[:2])
    assert np.abs(r.corners - s.corners).max() < 0.01 * diag, (r.corners, s.corners)
    page = decode(r.jpeg)
    h, w = page.shape
    assert (w, h) == r.size
    assert abs(h / w - A4) < 0.02
    precision, recall = ink_agreement(page, s.page)
    assert precision > 0.9 and recall > 0.9, (precision, recall)


@needs_font
def test_readability_measure_can_fail():
    # the measure must tell a correct page from plausible wrong ones
    s = synthetic_letter(angle=12, tilt=0.1)
    page = decode(process_page(s.image).jpeg)
    assert min(ink_agreement(page, s.page)) > 0.9
    upside_down = page[::-1, ::-1]
    assert min(ink_agreement(upside_down, s.page)) < 0.6
    # the uncorrected frame, cropped to the page's bounding box
    x, y, bw, bh = cv2.boundingRect(s.corners.astype(np.int32))
    raw = cv2.cvtColor(s.image[y:y + bh, x:x + bw], cv2.COLOR_BGR2GRAY)
    raw = cv2.resize(raw, page.shape[::-1])
    assert min(ink_agreement(raw, s.page)) < 0.6


@needs_font
def test_enhancement_flattens_the_lighting():
    s = synthetic_letter(angle=5, tilt=0.05)
    page = decode(process_page(s.image).jpeg)
    h, w = page.shape
    # the frame is lit from the top-left; paper (no ink) should come out evenly white
    m = 40
    corners = [page[m:m + 30, m:m + 30], page[m:m + 30, w - m - 30:w - m],
               page[h - m - 30:h - m, m:m + 30], page[h - m - 30:h - m, w - m - 30:w - m]]
    levels = [float(np.median(c)) for c in corners]
    assert min(levels) > 235 and max(levels) - min(levels) < 12, levels
    raw = cv2.cvtColor(s.image, cv2.COLOR_BGR2GRAY)
    tl, br = s.corners[0].astype(int), s.corners[2].astype(int)
    # (the input really was uneven: paper near the lamp is brighter than far from it)
    assert int(raw[tl[1] + 40, tl[0] + 40]) - int(raw[br[1] - 40, br[0] - 40]) > 20


@needs_font
def test_binary_mode_is_black_and_white_and_readable():
    s = synthetic_letter(angle=-6, tilt=0.06)
    r = process_page(s.image, enhance_mode="binary")
    page = decode(r.jpeg)
    extreme = ((page < 40) | (page > 215)).mean()
    assert extreme > 0.97
    # a pure threshold also keeps the faint ruled lines of the letter paper: count
    # them as marks of the truth (level 230) here
    assert min(ink_agreement(page, s.page, tol=5, level=230)) > 0.9


def test_no_page_falls_back_to_the_whole_frame():
    frame = synthetic_scene(1280, 720)
    assert find_page(frame) is None
    r = process_page(frame, max_edge=1000)
    assert not r.found_page and r.corners is None
    assert r.size == (1000, 562) or r.size == (1000, 563)
    assert decode(r.jpeg).shape == (r.size[1], r.size[0])


def test_a_page_too_small_is_not_taken():
    s = synthetic_letter(scale=0.3)
    assert find_page(s.image, min_area=0.15) is None
    assert find_page(s.image, min_area=0.03) is not None


def test_output_is_bounded_metadata_free_and_previewable():
    s = synthetic_letter(2592, 1944, scale=0.9)
    r = process_page(s.image, max_edge=1200, preview_edge=500)
    assert max(r.size) == 1200
    assert r.jpeg[:2] == b"\xff\xd8" and b"Exif" not in r.jpeg[:2000]
    assert r.preview.dtype == np.uint8 and r.preview.ndim == 3 and max(r.preview.shape[:2]) == 500
    col = process_page(s.image, enhance_mode="none", max_edge=800)
    assert cv2.imdecode(np.frombuffer(col.jpeg, np.uint8), cv2.IMREAD_UNCHANGED).ndim == 3


def test_order_corners():
    tl, tr, br, bl = (10, 12), (200, 5), (210, 300), (5, 290)
    for perm in ([br, tl, bl, tr], [tr, br, bl, tl], [bl, tr, tl, br]):
        assert order_corners(np.array(perm)).tolist() == [list(tl), list(tr), list(br), list(bl)]


def test_draw_outline_marks_the_page():
    s = synthetic_letter()
    out = draw_outline(s.image, s.corners)
    assert out.shape == s.image.shape and (out != s.image).any()
    assert (draw_outline(s.image, None) == s.image).all()


@pytest.mark.parametrize("bad", [np.zeros((10, 10, 3), np.uint8), np.zeros((100, 100, 3), np.float32),
                                 np.zeros((100, 100, 5), np.uint8), "frame"])
def test_bad_frames_are_refused(bad):
    with pytest.raises(ImageRejected):
        process_page(bad)


@needs_font
def test_page_on_a_grey_desk():
    s = synthetic_letter(angle=10)
    mask = np.zeros(s.image.shape[:2], np.uint8)
    cv2.fillPoly(mask, [s.corners.astype(np.int32)], 255)
    img = s.image.astype(int)
    img[mask == 0] += 130  # a light grey desk, only ~30 levels darker than the paper
    img = np.clip(img, 0, 255).astype(np.uint8)
    corners = find_page(img)
    assert corners is not None and np.abs(corners - s.corners).max() < 20


@needs_font
def test_a_bright_area_cut_off_by_the_frame_is_not_the_page():
    # a larger bright area running off the frame's edge (a window, a lamp's reflection)
    # beside the letter: the letter is still the page
    s = synthetic_letter(shift=(-0.22, 0), scale=0.75)
    img = s.image.copy()
    img[:, int(img.shape[1] * 0.62):] = 245
    corners = find_page(img)
    assert corners is not None and np.abs(corners - s.corners).max() < 20
