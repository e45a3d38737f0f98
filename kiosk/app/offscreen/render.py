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

from kiosk.app.services import DisclosureService, Devices, PrintOutcome, Services, VoiceService
from kiosk.app.services.printing import PAPER_OUT, PRINTED, SENT_UNCONFIRMED


class SampleVoice(VoiceService):
    """A voice service whose model is "ready" and never loads."""

    def start_loading(self) -> None:
        pass

    def asr_state(self) -> str:
        return "ready"


class SampleDevices(Devices):
    """Sample cameras and a code reader that listens and reads nothing; no printer."""

    def camera(self, role: str):
        return SampleCamera(letter=role == "scanner")

    def code_reader(self):
        return SampleCodeReader()

    def id_card_reader(self):
        return SampleIdCardReader()


class SampleDisclosure(DisclosureService):
    """The board of :data:`SAMPLE_STATION_CONFIG`."""

    def board(self):
        return sample_board(self.store.data_dir)


SAMPLE_STATION_CONFIG = {
    "version": "sample",
    "categories": [{"id": "urban", "names": {"zh-CN": "市政设施"}}],
    "representatives": [
        {"id": "r1", "name": "李明华", "title": "市人大代表", "constituency": "第三选区", "on_duty": True,
         "sector": "工人", "qr": "https://centre.example/rep/r1",
         "photo_url": "https://centre.example/api/v1/photos/r1.jpg",
         "schedule": [{"weekday": 3, "start": "14:00", "end": "16:00"}]},
        {"id": "r2", "name": "王秀英", "title": "区人大代表", "constituency": "第五选区",
         "sector": "教育", "qr": "https://centre.example/rep/r2",
         "schedule": [{"weekday": 5, "start": "09:00", "end": "11:30"}]}],
    "announcements": [
        {"id": "a1", "title": "本周五上午王秀英代表接待居民", "body": "地点：本工作站。欢迎大家来反映问题。"},
        {"id": "a2", "title": "12月10日起社区服务中心搬到幸福路18号",
         "starts": "2026-11-25T00:00:00+08:00", "ends": "2026-12-31T00:00:00+08:00"}],
    "statistics": {"months": [
        {"month": "2026-11", "received": 120, "replied": 113, "resolved": 104, "resolution_rate": 0.92,
         "satisfaction_rate": 0.93},
        {"month": "2026-10", "received": 96, "replied": 96, "resolved": 90, "resolution_rate": 0.94,
         "satisfaction_rate": 0.95}]},
    "published_matters": [
        {"id": "m1", "category": "市政设施", "summary": "小区东门路灯不亮", "outcome": "已更换两盏路灯",
         "handled_on": "2026-11-18"},
        {"id": "m2", "category": "环境卫生", "summary": "垃圾清运不及时", "outcome": "清运改为每天两次",
         "handled_on": "2026-11-25"}],
}


def sample_portrait():
    """A synthetic portrait (BGR): a head and shoulders on a pale background."""
    import cv2
    img = np.full((240, 192, 3), 225, np.uint8)
    cv2.circle(img, (96, 90), 48, (120, 150, 190), -1)
    cv2.ellipse(img, (96, 240), (90, 70), 0, 180, 360, (90, 60, 40), -1)
    return img


def sample_board(data_dir):
    """The board of a sample station config, on a Wednesday afternoon with a trusted clock;
    representative r1's photo is put in the photo cache under *data_dir* (a throw-away one)."""
    import json
    from datetime import datetime, timedelta, timezone

    from kiosk.disclosure.board import compute
    from kiosk.sync.photos import cached_photo, store_photo
    from kiosk.core.station_config import parse
    url = SAMPLE_STATION_CONFIG["representatives"][0]["photo_url"]
    if cached_photo(data_dir, url) is None:
        store_photo(data_dir, url, ".jpg", _jpeg(sample_portrait()))
    now = datetime(2026, 12, 2, 15, 0, tzinfo=timezone(timedelta(hours=8)))
    return compute(parse(json.dumps(SAMPLE_STATION_CONFIG, ensure_ascii=False)), now, True, data_dir)


class SampleServices(Services):
    """No devices: sample frames and a sample transcript, nothing is opened or printed."""

    def __init__(self, cfg, store):
        super().__init__(cfg, store, devices=SampleDevices(cfg))
        self.voice = SampleVoice(cfg, self.devices)
        self.disclosure = SampleDisclosure(store)


class SampleCodeReader:
    """A code reader that is listening (the screen shows the scan hint) and reads nothing."""

    def open(self):
        pass

    def read_code(self, timeout: float):
        import time
        time.sleep(timeout)
        return None

    def close(self):
        pass


class SampleIdCardReader(SampleCodeReader):
    """An ID-card reader that opens (the screen offers 刷身份证) and reads no card."""

    def read_card(self, timeout: float):
        return self.read_code(min(timeout, 0.3))

    def describe(self) -> str:
        return "sample ID-card reader"


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


SAMPLES = ("home", "voice", "review", "write", "photo", "letter", "finish", "identity", "identity-card",
           "address", "done", "done-unconfirmed", "done-printer-problem", "idle", "lookup", "lookup-secret", "answer",
           "answer-rated", "answer-state-only", "representatives", "board", "announcements", "attract",
           "unavailable", "finish-media-refused",
           "service-pin", "service-status", "service-selftests", "service-queue", "service-logs",
           "service-export", "service-config", "service-system")

# What the receipt layer reports in each "done" sample.
SAMPLE_PRINTS = {
    "done": PrintOutcome(True, None, PRINTED, 430),
    "done-unconfirmed": PrintOutcome(False, "receipt sent, but the printer cannot confirm it printed",
                                     SENT_UNCONFIRMED, 430),
    "done-printer-problem": PrintOutcome(False, "the printer is out of paper", PAPER_OUT),
}


def sample_answer(lang: str, rated: bool, authorised: bool = True):
    """A kiosk.lookup.answers.Answer the centre has replied to (rated or not yet), as shown with
    the receipt secret, or (*authorised* False) without it: the state only."""
    from kiosk.core import trackcode
    from kiosk.lookup.answers import Answer
    from kiosk.app.i18n import tr
    code, state = trackcode.make("0371", 45), "closed" if rated else "replied"
    if not authorised:
        return Answer(item_id="sample", code=code, state=state)
    reply = tr("sample.reply", lang)
    return Answer(item_id="sample", code=code, state=state, authorised=True,
                  created_at="2026-11-13T01:20:00+00:00", clock_trusted=True, category="urban",
                  reply=reply, replied_at="2026-11-20T02:05:00+00:00",
                  rating="satisfied" if rated else None, secret="482913", loop=sample_loop(reply, rated))


def sample_loop(reply: str, rated: bool):
    """The sample answer's loop: accepted, assigned to a department, escalated, answered;
    rated, a second round after 不满意 that ends satisfied and closed."""
    from kiosk.core.loop import Loop, TimelineEntry, fold_rounds
    steps = [TimelineEntry("accepted", 1, "2026-11-13T02:00:00+00:00"),
             TimelineEntry("assigned", 1, "2026-11-14T01:00:00+00:00", department="城管局"),
             TimelineEntry("escalated", 1, "2026-11-18T01:00:00+00:00", escalated=True),
             TimelineEntry("replied", 1, "2026-11-20T02:05:00+00:00", reply=reply)]
    if rated:
        steps += [TimelineEntry("rated", 1, "2026-11-21T01:00:00+00:00", rating="unsatisfied"),
                  TimelineEntry("reopened", 2, "2026-11-21T01:00:00+00:00"),
                  TimelineEntry("replied", 2, "2026-11-25T03:00:00+00:00", reply=reply),
                  TimelineEntry("rated", 2, "2026-11-26T01:00:00+00:00", rating="satisfied"),
                  TimelineEntry("closed", 2, "2026-11-26T01:00:00+00:00")]
    return Loop(steps, fold_rounds(steps))


def show_sample(h, sample: str, lang: str) -> None:
    """Put the app on *sample* (a screen name, or a variant) with plausible content."""
    from kiosk.app.i18n import tr

    app = h.app
    app.idle.dismiss()
    text = tr("sample.text", lang)
    if sample in ("home", "unavailable", "representatives", "board", "announcements", "attract"):
        app.go(sample)
    elif sample.startswith("service-"):
        from kiosk.app.maintenance.samples import show_service_sample
        show_service_sample(h, sample)
    elif not (show_telling_sample(h, sample, text) or show_finishing_sample(h, sample, lang, text)
              or show_lookup_sample(h, sample, lang)):
        raise ValueError(f"unknown sample screen {sample!r}")
    h.pump(3)


def show_telling_sample(h, sample: str, text: str) -> bool:
    """The screens where the resident tells their matter (voice, review, write, photo,
    letter), filled with *text*; False when *sample* is none of them."""
    from kiosk.app.feeds.camerafeed import frame_to_texture

    app, s = h.app, h.app.session
    if sample == "voice":
        voice = h.screen("voice")
        app.go("voice")
        voice.ids.partial.text = text[: len(text) * 2 // 3]
        voice.ids.meter.level = 0.6
        voice.ids.clock.text = app.t("voice.elapsed", elapsed="0:12", remaining="2:48")
    elif sample == "review":
        s.source, s.text, s.audio, s.audio_seconds = "voice", text, b"RIFF", 14.0
        app.go("review")
    elif sample == "write":
        s.audio = None
        app.edit_text("finish")
        h.pump(1)
        write = h.screen("write")
        write.text = text[:20]
        write.ids.kb.press("w")
        write.ids.kb.press("o")
    elif sample in ("photo", "letter"):
        s.photos = [_jpeg(sample_frame()), _jpeg(sample_frame()[::-1])] if sample == "photo" else []
        app.go(sample)
        h.pump(2)
        h.screen(sample).ids.preview.texture = frame_to_texture(sample_frame(letter=sample == "letter"))
        if sample == "photo":
            h.screen("photo")._refresh()
    else:
        return False
    return True


def show_finishing_sample(h, sample: str, lang: str, text: str) -> bool:
    """The screens that end a submission (finish, identity, done, the idle warning);
    False when *sample* is none of them."""
    app, s = h.app, h.app.session
    if sample == "finish":
        s.photos = []
        s.text = text
        s.category = app.services.submission.categories().items[1].id
        app.go("finish")
    elif sample == "finish-media-refused":
        s.text = text
        app.go("finish")
        h.screen("finish").notice(app.t("finish.error_media_refused"))
        h.screen("finish").offer_text_only = True
    elif sample == "address":
        s.address("r2", "王秀英")
        app.open_address("finish")
    elif sample in ("identity", "identity-card"):
        app.go("identity")
        idn = h.screen("identity")
        h.wait(lambda: idn.card_state != "hidden", timeout=5, what="the sample ID-card reader")
        name = "张明" if lang != "en" else "Zhang Ming"
        if sample == "identity-card":  # the sample card's number: only its last 4 are shown
            from drivers.idcard_fake import SAMPLE_CARD
            from kiosk.app.services import CardIdentity
            idn.fill_from_card(CardIdentity(name=name, id_number=SAMPLE_CARD.id_number,
                                            masked_id=SAMPLE_CARD.masked_id()))
        else:
            idn.name_text = name
            idn.field = "phone"
        idn.phone_text = "1380013"
    elif sample in SAMPLE_PRINTS:
        app.go("done")
        h.screen("done").show_result("0371-000045-4", SAMPLE_PRINTS[sample], "482913")
    elif sample == "idle":
        app.go("finish")
        app.idle.show(17)
    else:
        return False
    return True


def show_lookup_sample(h, sample: str, lang: str) -> bool:
    """The screens of looking up an answer (lookup, its secret step, the answer itself);
    False when *sample* is none of them."""
    app = h.app
    if sample == "lookup":
        app.go("lookup")
        h.screen("lookup").code_text = "0371-0000"
    elif sample == "lookup-secret":
        app.go("lookup")
        lookup = h.screen("lookup")
        lookup.code_text, lookup.secret_text, lookup.step = "0371-000045-4", "4829", "secret"
    elif sample in ("answer", "answer-rated", "answer-state-only"):
        h.screen("answer").show(sample_answer(lang, rated=sample == "answer-rated",
                                              authorised=sample != "answer-state-only"))
        app.go("answer")
    else:
        return False
    return True


@dataclasses.dataclass(frozen=True)
class Rendered:
    """What :func:`render_all` wrote, and every accessibility rule a rendered screen broke
    (``"[<lang>-<screen>] <problem>"``, kiosk/app/offscreen/a11y.py)."""

    files: list[Path]
    problems: list[str]


def sample_root(h, sample: str):
    """The widget tree a sample shows: the idle warning's view, else the current screen."""
    return h.app.idle.view if sample == "idle" else h.app.root.current_screen


def each_sample(h, lang: str):
    """Show every sample of :data:`SAMPLES` in *lang* in turn, yielding ``(sample, root)``
    while it is on screen (*root*: :func:`sample_root`); the idle warning is dismissed
    after the last."""
    h.app.set_language(lang)
    for sample in SAMPLES:
        show_sample(h, sample, lang)
        yield sample, sample_root(h, sample)
    h.app.idle.dismiss()


def render_all(cfg, out_dir: Path, langs=("zh-CN", "zh-TW", "en")) -> Rendered:
    """Render every screen (plus the idle warning) per language to PNG files and audit each
    one as rendered."""
    from kiosk.core.store import Store
    from kiosk.app.offscreen import a11y
    from kiosk.app.offscreen.harness import Harness

    out_dir = Path(out_dir)
    written: list[Path] = []
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="kiosk-screens-") as tmp:
        storage = dataclasses.replace(cfg.storage, data_dir=str(Path(tmp) / "data"),
                                      key_file=str(Path(tmp) / "keys" / "pii.key"))
        cfg = dataclasses.replace(cfg, storage=storage)
        store = Store.open(cfg)
        try:
            h = Harness(cfg, store, SampleServices(cfg, store))
            app = h.start()
            try:
                for lang in langs:
                    app.reset_session()
                    for sample, root in each_sample(h, lang):
                        written.append(h.screenshot(out_dir / f"{lang}-{sample}.png"))
                        problems += [f"[{lang}-{sample}] {p}" for p in a11y.audit(root)]
            finally:
                h.stop()
        finally:
            store.close()
    return Rendered(written, problems)
