"""[ui] settings, the font lookup, the doctor check, and the single input provider."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from kiosk import config as configmod
from kiosk.app import fonts, kivyenv


@pytest.mark.parametrize("text,key", [
    ("default_language = \"fr\"", "ui.default_language"),
    ("idle_timeout_s = 1", "ui.idle_timeout_s"),
    ("touch_input = \"tuio\"", "ui.touch_input"),
    ("touch_input = \"mtdev\"", "ui.touch_device"),
    ("max_photos = 3", "ui.max_photos"),   # moved to camera.max_photos: an unknown key now
    ("fullscreen = 1", "ui.fullscreen"),
])
def test_ui_bad_settings_name_the_key(write_config, text, key):
    with pytest.raises(configmod.ConfigError) as e:
        configmod.load(write_config(f"[ui]\n{text}\n"))
    assert e.value.key == key


def test_ui_font_from_config_then_system_then_error(tmp_path, monkeypatch):
    sysfont = fonts.SYSTEM_FONTS[0]
    if not sysfont.is_file():
        pytest.skip(f"{sysfont} not installed (apt fonts-wqy-microhei)")
    assert fonts.find_font("") == sysfont
    assert fonts.find_font(str(sysfont)) == sysfont
    with pytest.raises(fonts.FontNotFound, match="does not exist"):
        fonts.find_font(str(tmp_path / "none.ttf"))
    bogus = tmp_path / "bogus.ttf"
    bogus.write_bytes(b"<html>")
    with pytest.raises(fonts.FontNotFound, match="not a TrueType"):
        fonts.find_font(str(bogus))
    monkeypatch.setattr(fonts, "SYSTEM_FONTS", (tmp_path / "missing.ttc",))
    with pytest.raises(fonts.FontNotFound, match="install fonts-wqy-microhei"):
        fonts.find_font("")


def test_ui_font_path_relative_to_config(write_config):
    cfg = configmod.load(write_config("[ui]\nfont_path = \"fonts/x.ttf\"\n"))
    assert cfg.ui.font_path.endswith("/fonts/x.ttf") and cfg.ui.font_path.startswith("/")


def test_ui_doctor_reports_a_missing_font(write_config, tmp_path):
    cfg = write_config(f"[ui]\nfont_path = \"{tmp_path}/nofont.ttf\"\n")
    p = subprocess.run([sys.executable, "-m", "kiosk", "doctor", "--config", str(cfg), "--json"],
                       capture_output=True, text=True, timeout=120)
    checks = {c["name"]: c for c in json.loads(p.stdout)["checks"]}
    assert p.returncode == 1
    assert checks["ui_font"]["status"] == "fail" and "nofont.ttf" in checks["ui_font"]["detail"]
    assert checks["ui_strings"]["status"] == "ok"


def test_ui_exactly_one_input_provider():
    from kivy.config import Config
    # Kivy's Linux default: mouse AND probesysfs — a tap would arrive twice.
    Config.set("input", "mouse", "mouse")
    Config.set("input", "%(name)s", "probesysfs")
    section = kivyenv.configure_input(Config, "mouse")
    assert section == {"mouse": "mouse,disable_multitouch"}
    section = kivyenv.configure_input(Config, "mtdev", "/dev/input/event3")
    assert section == {"touchscreen": "mtdev,/dev/input/event3"}
    kivyenv.configure_input(Config, "mouse")


def test_ui_run_refuses_to_start_without_a_font(write_config, tmp_path):
    cfg = write_config(f"[ui]\nfont_path = \"{tmp_path}/nofont.ttf\"\n")
    p = subprocess.run([sys.executable, "-m", "kiosk", "run", "--config", str(cfg)],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 1 and "nofont.ttf" in p.stderr and "does not exist" in p.stderr
