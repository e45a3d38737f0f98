"""The two worker feeds (camera preview, code reader) on the real Kivy clock: what they
read reaches the UI thread, a device that fails is reported once and closed, and nothing
is delivered after stop() or once the work token is stale."""

from __future__ import annotations

import threading

from drivers.camera import FakeCamera
from drivers.codereader import make_code_reader
from kiosk.app.feeds.camerafeed import FrameFeed
from kiosk.app.feeds.codefeed import CodeFeed


def test_ui_frame_feed_reports_an_unplugged_camera_once_and_closes_it(harness):
    cam = FakeCamera(width=320, height=240, fail_after=5)
    cam.open()
    frames, errors, threads = [], [], set()

    def on_frame(f):
        threads.add(threading.current_thread())
        frames.append(f.shape)

    feed = FrameFeed(cam, on_frame, errors.append, fps=100).start()
    assert feed.join(10), "the feed thread ends after the unplug"
    harness.wait(lambda: errors, what="the unplug report")
    harness.pump(5)
    assert len(errors) == 1 and "simulated unplug" in errors[0]
    assert frames and frames[0] == (240, 320, 3)
    assert threads == {threading.main_thread()}, "frames are shown on the UI thread only"
    assert not cam._open, "the feed closed the camera"


class ReadLog:
    """The fake reader, remembering every code its thread read (delivered or not)."""

    def __init__(self, reader):
        self.reader = reader
        self.read = []

    def open(self):
        self.reader.open()

    def close(self):
        self.reader.close()

    def scan(self, text):
        self.reader.scan(text)

    def read_code(self, timeout):
        code = self.reader.read_code(timeout)
        if code:
            self.read.append(code)
        return code


def test_ui_stopped_or_stale_feeds_deliver_nothing(harness):
    cam = FakeCamera(width=320, height=240)
    cam.open()
    frames = []
    feed = FrameFeed(cam, frames.append, lambda d: None, fps=50).start()
    harness.wait(lambda: frames, what="a first frame")
    feed.stop()
    assert feed.join(10) and not cam._open
    n = len(frames)
    harness.pump(5)
    assert len(frames) == n, "a frame already on its way was shown after stop()"

    token = harness.app.session.token()
    reader = ReadLog(make_code_reader("fake"))
    codes = []
    feed = CodeFeed(reader, codes.append, lambda d: None, poll_s=0.05, token=token).start()
    reader.scan("037100004571")
    harness.wait(lambda: codes, what="the scan")
    token.cancel()                               # e.g. the session was wiped
    reader.scan("037100004582")
    harness.wait(lambda: len(reader.read) == 2, what="the reader thread to read the second scan")
    harness.pump(5)
    feed.stop()
    assert feed.join(10)
    assert codes == ["037100004571"]
