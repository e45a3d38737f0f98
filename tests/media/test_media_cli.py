"""`kiosk camera`: one picture through the real pipeline, from the configured camera."""

from __future__ import annotations

import json
import subprocess
import sys

import cv2
import numpy as np


def kiosk(config, *args):
    out = subprocess.run([sys.executable, "-m", "kiosk", "--config", str(config), "--json", "camera", *args],
                         capture_output=True, text=True, timeout=120)
    return out.returncode, json.loads(out.stdout)


def test_scanner_picture_is_a_processed_page(write_config, tmp_path):
    rc, data = kiosk(write_config(), "--scanner", "--out", str(tmp_path / "page.jpg"))
    assert rc == 0 and data["found_page"] is True and len(data["corners"]) == 4
    page = cv2.imread(str(tmp_path / "page.jpg"), cv2.IMREAD_UNCHANGED)
    assert page.ndim == 2 and abs(page.shape[0] / page.shape[1] - 297 / 210) < 0.02
    assert [page.shape[1], page.shape[0]] == data["page_size"]


def test_photo_picture_follows_the_settings(write_config, tmp_path):
    rc, data = kiosk(write_config("[camera]\nmax_edge = 640\n"), "--out", str(tmp_path / "p.jpg"), "--warmup", "0")
    assert rc == 0 and data["resolution"] == [1280, 720]
    assert cv2.imread(str(tmp_path / "p.jpg")).shape == (360, 640, 3)
    rc, data = kiosk(write_config(), "--raw", "--out", str(tmp_path / "raw.png"))
    assert rc == 0 and cv2.imread(str(tmp_path / "raw.png")).shape == (720, 1280, 3)


def test_missing_or_disabled_camera_fails_with_the_reason(write_config):
    rc, data = kiosk(write_config('[camera]\nkind = "opencv"\ndevice = "/dev/video55"\n'))
    assert rc == 1 and "/dev/video55" in data["error"]
    rc, data = kiosk(write_config("[scanner]\nenabled = false\n"), "--scanner")
    assert rc == 1 and "disabled" in data["error"]


def test_a_real_stream_through_the_command(write_config, tmp_path):
    cv2.imwrite(str(tmp_path / "f_000.png"), np.full((480, 640, 3), 90, np.uint8))
    cv2.imwrite(str(tmp_path / "f_001.png"), np.full((480, 640, 3), 200, np.uint8))
    rc, data = kiosk(write_config(f'[camera]\nkind = "opencv"\ndevice = "{tmp_path}/f_%03d.png"\n'),
                     "--warmup", "1")
    assert rc == 0 and data["resolution"] == [640, 480]
    assert abs(data["mean_level"] - 200) < 2  # the frame after the warm-up one
