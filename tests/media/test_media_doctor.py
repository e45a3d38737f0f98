"""`kiosk doctor` reports the cameras: fake, missing, disabled, a real stream."""

from __future__ import annotations

import json
import subprocess
import sys

import cv2
import numpy as np

from drivers.camera_samples import synthetic_letter
from kiosk import config as configmod
from kiosk.doctor.media import probe
from kiosk.doctor import FAIL, OK, SKIP, WARN


def run_doctor(path) -> dict:
    out = subprocess.run([sys.executable, "-m", "kiosk", "--config", str(path), "--json", "doctor"],
                         capture_output=True, text=True, timeout=120)
    return {c["name"]: c for c in json.loads(out.stdout)["checks"]}, out.returncode


def test_doctor_with_fakes_warns_and_does_not_fail(write_config):
    checks, rc = run_doctor(write_config())
    assert checks["camera"]["status"] == WARN and "fake camera (synthetic-scene)" in checks["camera"]["detail"]
    assert "no hardware" in checks["camera"]["detail"]
    assert checks["scanner"]["status"] == WARN and "a page is on the plate" in checks["scanner"]["detail"]


def test_doctor_fails_a_missing_camera_and_skips_a_disabled_one(write_config):
    checks, rc = run_doctor(write_config('[camera]\nkind = "opencv"\ndevice = "/dev/video42"\n'
                                         '[scanner]\nenabled = false\n'))
    assert checks["camera"]["status"] == FAIL
    assert "/dev/video42" in checks["camera"]["detail"] and "photos are off" in checks["camera"]["detail"]
    assert checks["scanner"]["status"] == SKIP
    assert rc == 1


def test_probe_reads_a_real_stream(write_config, tmp_path):
    # an image sequence through the real OpenCV path: a 2592×1944 document-camera frame
    frame = synthetic_letter(2592, 1944).image
    cv2.imwrite(str(tmp_path / "page_000.jpg"), frame)
    cfg = configmod.load(write_config(f'[scanner]\nkind = "opencv"\ndevice = "{tmp_path}/page_%03d.jpg"\n'
                                      'width = 2592\nheight = 1944\n'))
    c = probe("scanner", cfg.scanner)
    assert c.status == OK, c.detail
    assert "2592×1944" in c.detail and "a page is on the plate" in c.detail


def test_probe_warns_about_black_frames_and_low_resolution(write_config, tmp_path):
    cv2.imwrite(str(tmp_path / "dark_000.png"), np.zeros((480, 640, 3), np.uint8))
    cfg = configmod.load(write_config(f'[scanner]\nkind = "opencv"\ndevice = "{tmp_path}/dark_%03d.png"\n'))
    c = probe("scanner", cfg.scanner)
    assert c.status == WARN
    assert "black" in c.detail and "too low" in c.detail and "asked for 1600×1200" in c.detail
