"""`kiosk screens`: every screen with sample content, in each language, as PNG files.

Runs the real app in an offscreen window with sample services (no microphone, printer
or camera is opened; the store is a throw-away one in a temp dir), fills each screen
with a plausible resident's content, and saves Window screenshots.
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

import numpy as np

from kiosk.ui.services import ScannedPage, Services


class SampleServices(Services):
    """No devices: sample frames and a sample transcript, nothing is opened or printed."""

    def start_voice_model(self):
        pass

    def asr_state(self) -> str:
        return "ready"

    def open_camera(self, role: str):
        return SampleCamera(letter=role == "scanner")


class SampleCamera:
    """Shows the sample frame; nothing is opened."""

    def __init__(self, letter: bool):
        self.letter = letter

    def open(self):
        pass

    def close(self):
        pass

    def read_frame(self):
        import time
        time.sleep(0.05)
        return sample_frame(self.letter)


def sample_frame(letter: bool = False):
    """A synthetic camera frame (BGR)."""
    img = np.full((480, 640, 3), 50, np.uint8)
    if letter:
        img[50:430, 170:470] = 240
        for y in range(90, 400, 28):
            img[y:y + 6, 200:440] = 60
    else:
        img[:240, :, 0] = 200
        img[240:, :, 1] = 110
        img[150:330, 260:300] = 30
        img[130:160, 230:330] = (40, 220, 255)
    return img


def _jpeg(frame) -> bytes:
    import cv2
    return cv2.imencode(".jpg", frame)[1].tobytes()


def render_all(cfg, out_dir: Path, langs=("zh-CN", "zh-TW", "en")) -> list[Path]:
    """Render every screen (plus the idle warning) per language; return the PNG paths."""
    from kiosk.store import Store
    from kiosk.ui.camerafeed import frame_to_texture
    from kiosk.ui.harness import Harness
    from kiosk.ui.i18n import tr

    out_dir = Path(out_dir)
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="kiosk-screens-") as tmp:
        storage = dataclasses.replace(cfg.storage, data_dir=str(Path(tmp) / "data"),
                                      key_file=str(Path(tmp) / "keys" / "pii.key"))
        cfg = dataclasses.replace(cfg, storage=storage)
        store = Store.open(cfg)
        try:
            h = Harness(cfg, store, SampleServices(cfg, store))
            app = h.start()
            for lang in langs:
                app.reset_session()
                app.set_language(lang)
                s = app.session
                text = tr("sample.text", lang)

                def shot(name):
                    written.append(h.screenshot(out_dir / f"{lang}-{name}.png"))

                app.go("home")
                shot("home")
                voice = h.screen("voice")
                app.go("voice")
                voice.ids.partial.text = text[: len(text) * 2 // 3]
                voice.ids.meter.level = 0.6
                voice.ids.clock.text = app.t("voice.elapsed", elapsed="0:12", remaining="2:48")
                shot("voice")
                s.source, s.text, s.audio, s.audio_seconds = "voice", text, b"RIFF", 14.0
                app.go("review")
                shot("review")
                s.audio = None
                app.edit_text("finish")
                h.screen("write").ids.kb.press("w")
                h.screen("write").ids.kb.press("o")
                h.screen("write").text = text[:20]
                shot("write")
                s.photos = [_jpeg(sample_frame()), _jpeg(sample_frame()[::-1])]
                app.go("photo")
                h.pump(2)
                h.screen("photo").ids.preview.texture = frame_to_texture(sample_frame())
                shot("photo")
                app.go("letter")
                h.pump(2)
                h.screen("letter").ids.preview.texture = frame_to_texture(sample_frame(letter=True))
                shot("letter")
                s.photos = []
                s.category = cfg.submission.categories[1].id
                app.go("finish")
                shot("finish")
                app.go("identity")
                idn = h.screen("identity")
                idn.name_text, idn.phone_text = ("张明" if lang != "en" else "Zhang Ming"), "1380013"
                idn.field = "phone"
                shot("identity")
                app.go("done")
                h.screen("done").show_result("0371-000045-7", True)
                shot("done")
                h.screen("done").show_result("0371-000045-7", False)
                shot("done-printer-problem")
                app.go("finish")
                app.idle.show(17)
                shot("idle")
                app.idle.dismiss()
            h.stop()
        finally:
            store.close()
    return written
