"""[camera] and [scanner] settings: defaults, validation, docs, building the drivers."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from drivers.camera import FakeCamera, OpenCVCamera, PiCamera2Camera
from kiosk import config as configmod
from kiosk.config.media import CameraSettings, ScannerSettings

REPO = Path(__file__).resolve().parents[2]


def test_defaults_run_without_hardware(cfg):
    assert cfg.camera.kind == "fake" and cfg.scanner.kind == "fake"
    for s in (cfg.camera, cfg.scanner):
        with s.build() as cam:
            assert cam.read_frame().shape[:2] == (s.height, s.width)


def test_real_kinds_are_built_without_opening(write_config):
    c = configmod.load(write_config('[camera]\nkind = "opencv"\ndevice = "/dev/video4"\nwidth = 1920\n'
                                    'height = 1080\n[scanner]\nkind = "picamera2"\ndevice = 1\n'))
    cam = c.camera.build()
    assert isinstance(cam, OpenCVCamera) and cam.device == "/dev/video4" and cam.resolution == (1920, 1080)
    assert isinstance(c.scanner.build(), PiCamera2Camera)


def test_fake_directory_is_relative_to_the_config(write_config, tmp_path):
    c = configmod.load(write_config('[camera]\nfake_source = "samples"\n'))
    assert c.camera.fake_source == str(tmp_path / "samples")
    assert isinstance(c.camera.build(), FakeCamera)
    c = configmod.load(write_config('[scanner]\nfake_source = "synthetic-letter"\n'))
    assert c.scanner.fake_source == "synthetic-letter"


@pytest.mark.parametrize("text,key,words", [
    ('[camera]\nkind = "usb"', "camera.kind", "opencv, picamera2, fake"),
    ('[camera]\ndevice = -1', "camera.device", "camera index"),
    ('[camera]\ndevice = ""', "camera.device", "device path"),
    ('[camera]\nkind = "picamera2"\ndevice = "/dev/video0"', "camera.device", "camera number"),
    ('[camera]\nwidth = 10', "camera.width", "160-8192"),
    ('[scanner]\nheight = 90000', "scanner.height", "120-8192"),
    ('[camera]\nfourcc = "MJPEG"', "camera.fourcc", "four ASCII"),
    ('[camera]\nmax_photos = 0', "camera.max_photos", "1 to 10"),
    ('[camera]\nmax_edge = 100', "camera.max_edge", "320 to 8192"),
    ('[camera]\njpeg_quality = 101', "camera.jpeg_quality", "30 to 100"),
    ('[camera]\nmax_input_pixels = 10', "camera.max_input_pixels", "1000000"),
    ('[camera]\nfake_source = " "', "camera.fake_source", "directory"),
    ('[scanner]\nenhance = "sharpen"', "scanner.enhance", "gray, binary, none"),
    ('[scanner]\nmax_pages = 0', "scanner.max_pages", "1 to 50"),
    ('[scanner]\nmax_edge = 100', "scanner.max_edge", "600 to 8192"),
    ('[scanner]\nmin_page_area = 0.99', "scanner.min_page_area", "0.02 to 0.95"),
    ('[scanner]\nresolution = 5', "scanner.resolution", "unknown key"),
])
def test_bad_values_name_the_key(write_config, text, key, words):
    with pytest.raises(configmod.ConfigError) as e:
        configmod.load(write_config(text))
    assert e.value.key == key
    assert words in str(e.value)


def test_every_key_is_documented():
    doc = (REPO / "docs" / "config.md").read_text("utf-8")
    for section, cls in (("camera", CameraSettings), ("scanner", ScannerSettings)):
        body = doc.split(f"## `[{section}]`")[1].split("\n## ")[0]
        documented = set(re.findall(rf"^\| `{section}\.([a-z_]+)`", body, re.M))
        assert documented == {f.name for f in dataclasses.fields(cls)}, section


def test_fake_hardware_builds_the_fake_whatever_the_kind(write_config):
    c = configmod.load(write_config('[camera]\nkind = "opencv"\ndevice = "/dev/video4"\n'
                                    '[scanner]\nkind = "picamera2"\ndevice = 1\n'))
    assert isinstance(c.camera.build(fake_hardware=True), FakeCamera)
    with c.scanner.build(fake_hardware=True) as cam:   # the synthetic letter at the scanner's size
        assert cam.read_frame().shape[:2] == (c.scanner.height, c.scanner.width)
