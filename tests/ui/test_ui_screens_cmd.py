"""`kiosk screens --out DIR` renders real PNGs; Chinese glyphs are drawn, not boxes."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
from PIL import Image

from kiosk.app.offscreen.render import SAMPLES


def test_ui_screens_command_writes_every_screen(write_config, tmp_path):
    cfg = write_config()
    out = tmp_path / "shots"
    p = subprocess.run([sys.executable, "-m", "kiosk", "screens", "--config", str(cfg), "--out", str(out),
                        "--lang", "zh-CN", "--lang", "en", "--json"],
                       capture_output=True, text=True, timeout=300,
                       env={**__import__("os").environ, "SDL_VIDEODRIVER": "offscreen"})
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-2000:]
    out_json = json.loads(p.stdout)
    assert out_json["ok"] and out_json["problems"] == []   # every rendered screen passes the audit
    files = out_json["files"]
    assert len(files) == 2 * len(SAMPLES)
    names = sorted(x.name for x in out.iterdir())
    assert "zh-CN-home.png" in names and "en-done-printer-problem.png" in names
    assert not any(n.startswith("zh-TW") for n in names)
    for f in files:
        img = Image.open(f)
        assert img.size == (1280, 800) and img.format == "PNG"
    home = np.asarray(Image.open(out / "zh-CN-home.png").convert("RGB"))
    # the yellow tiles and the navy background are both there: not a blank frame
    assert (np.abs(home.astype(int) - (255, 216, 77)).sum(axis=2) < 30).mean() > 0.2
    assert (np.abs(home.astype(int) - (11, 31, 58)).sum(axis=2) < 30).mean() > 0.2
    # nothing was stored in the kiosk's own data dir
    assert not (tmp_path / "data" / "kiosk.db").exists()


def test_ui_chinese_glyphs_are_not_boxes(harness):
    from kivy.core.text import Label as CoreLabel

    def pixels(text):
        lbl = CoreLabel(text=text, font_size=48)
        lbl.refresh()
        return bytes(lbl.texture.pixels)

    # Without CJK glyphs every character is the same "missing glyph" box.
    assert pixels("说") != pixels("话") != pixels("信")
