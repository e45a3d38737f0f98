"""Doctor checks for the photo camera and the document camera (scanner).

Each is opened, asked for one frame and closed again, in a worker thread with a time
limit (a wedged USB device can block ``open()`` for a long time). A missing camera is a
failed check naming the device; the app turns only that feature off.
"""

from __future__ import annotations

import threading

from kiosk.config import ConfigError
from kiosk.doctor import FAIL, OK, SKIP, WARN, Check

TIMEOUT_S = 10.0
MIN_SCANNER_PIXELS = 1280 * 960  # below this, handwriting on an A4 page is hard to read
BLACK_LEVEL = 8                  # mean grey level under which a frame counts as black


def checks(ctx) -> list[Check]:
    try:
        cfg = ctx.config
    except ConfigError:
        return [Check("camera", SKIP, "config invalid"), Check("scanner", SKIP, "config invalid")]
    return [probe("camera", cfg.camera), probe("scanner", cfg.scanner)]


def _describe(s) -> str:
    if s.kind == "fake":
        return f"fake camera ({s.fake_source})"
    return f"{s.kind} camera {s.device}"


def probe(name: str, s, timeout: float = TIMEOUT_S) -> Check:
    """Open the camera of settings *s*, read one frame, close it; never raises."""
    if not s.enabled:
        return Check(name, SKIP, f"disabled in config ([{name}] enabled = false)")
    what = _describe(s)
    result: dict = {}

    def work():
        from drivers.camera import CameraUnavailable
        try:
            cam = s.build()
            cam.open()
            try:
                frame = cam.read_frame()
                result["resolution"] = cam.resolution
                result["mean"] = float(frame.mean())
                if name == "scanner":
                    from kiosk.media.letter import find_page
                    result["page"] = find_page(frame, min_area=s.min_page_area) is not None
            finally:
                cam.close()
        except CameraUnavailable as e:
            result["error"] = str(e)
        except Exception as e:  # a doctor reports, it does not crash
            result["error"] = f"{type(e).__name__}: {e}"

    t = threading.Thread(target=work, name=f"doctor-{name}", daemon=True)
    t.start()
    t.join(timeout)
    feature = "photos" if name == "camera" else "paper letters"
    if t.is_alive():
        return Check(name, FAIL, f"{what}: no answer within {timeout:.0f} s; {feature} are off")
    if "error" in result:
        return Check(name, FAIL, f"{what}: {result['error']}; {feature} are off")
    w, h = result["resolution"]
    detail = f"{what}: {w}×{h}, mean level {result['mean']:.0f}"
    if name == "scanner":
        detail += "; a page is on the plate" if result["page"] else "; no page on the plate"
    problems = []
    if s.kind == "fake":
        problems.append(f"no hardware is used (set [{name}] kind for a real camera)")
    if result["mean"] < BLACK_LEVEL:
        problems.append("frames are black (lens covered, no light, or a dead sensor?)")
    if (w, h) != (s.width, s.height):
        problems.append(f"asked for {s.width}×{s.height}")
    if name == "scanner" and w * h < MIN_SCANNER_PIXELS:
        problems.append("resolution too low to read handwriting (use at least 1280×960)")
    if problems:
        return Check(name, WARN, detail + "; " + "; ".join(problems))
    return Check(name, OK, detail)
