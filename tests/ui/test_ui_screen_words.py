"""Every word on a Chinese screen comes from its catalog, and no two buttons look alike
(docs/ui.md "Words from the catalogs").

The service menu showed English self-test sentences ("test page printed"), the speech
model's state in English, "0 h 0 min", raw ISO times and an "OK" key in zh-CN; the
review screen had 再听一遍 (the spoken prompt again) beside 听一遍 (the recording).
"""

from __future__ import annotations

import string

import pytest

from kiosk.app import i18n
from kiosk.app.offscreen import a11y_words
from kiosk.app.offscreen.render import each_sample, show_sample
from kiosk.app.offscreen.widgettree import visible_widgets


@pytest.mark.parametrize("lang", ["zh-CN", "zh-TW"])
def test_ui_chinese_screens_show_no_english_words(sample_harness, lang):
    problems, labels = [], 0
    for sample, root in each_sample(sample_harness, lang):
        labels += sum(1 for w in visible_widgets(root) if getattr(w, "text", "").strip())
        problems += [f"[{lang}-{sample}] {p}" for p in a11y_words.foreign_words(root)]
    assert labels > 300, "too few labels read to judge"
    assert not problems, "words not from the catalog:\n" + "\n".join(problems)


@pytest.mark.parametrize("lang", ["zh-CN", "zh-TW"])
def test_ui_chinese_catalogs_hold_no_english_words(lang):
    """Every string of the Chinese catalogs, shown or not in a sample: the same rule."""
    found = {k: a11y_words.foreign_in_text(v) for k, v in i18n.catalog(lang).items()}
    assert not {k: v for k, v in found.items() if v}


def rating_scale(lang: str) -> frozenset[frozenset[str]]:
    """The answer screen's 满意 / 不满意: the official three-level scale the centre counts
    (kiosk/app/screens/answer.py); its words are not the kiosk's to choose."""
    return frozenset({frozenset({i18n.tr("rating.satisfied", lang), i18n.tr("rating.unsatisfied", lang)})})


@pytest.mark.parametrize("lang", ["zh-CN", "zh-TW", "en"])
def test_ui_no_screen_has_buttons_that_differ_by_one_character(sample_harness, lang):
    problems = []
    for sample, root in each_sample(sample_harness, lang):
        problems += [f"[{lang}-{sample}] {p}" for p in a11y_words.look_alike_buttons(root, exempt=rating_scale(lang))]
    assert not problems, "look-alike buttons:\n" + "\n".join(problems)


def test_ui_the_review_screen_names_prompt_and_recording_apart(sample_harness):
    h = sample_harness
    show_sample(h, "review", "zh-CN")
    review = h.screen("review")
    speaker = h.find(review, lambda w: type(w).__name__ == "SpeakerButton")
    assert (speaker.text, review.ids.replay.text) == ("重听提示", "回放录音")


def test_ui_the_word_checks_catch_planted_faults(harness):
    """Both rules can fail: an English sentence and a look-alike pair planted on a screen."""
    from kivy.uix.boxlayout import BoxLayout

    from kiosk.app.widgets.base import KButton, KLabel
    box = BoxLayout()
    english = KLabel(text="通过 · test page printed")
    verbatim = KLabel(text="2026-12-01 kiosk.sync WARNING centre unreachable", verbatim=True)
    allowed = KLabel(text="U盘 /media/kiosk/USB 0371-000045-4 12月1日 09:30 640×480 93 KB（kiosk service set-pin）")
    a, b = KButton(text="再听一遍"), KButton(text="听一遍")
    keys = [KButton(text="1"), KButton(text="2")]
    for w in (english, verbatim, allowed, a, b, *keys):
        box.add_widget(w)
    names = {id(english): "t.english", id(a): "t.again", id(b): "t.once"}
    words = sorted(str(p) for p in a11y_words.foreign_words(box, names))
    assert words == ["t.english: foreign word: 'page' in '通过 · test page printed'",
                     "t.english: foreign word: 'printed' in '通过 · test page printed'",
                     "t.english: foreign word: 'test' in '通过 · test page printed'"], words
    alike = [str(p) for p in a11y_words.look_alike_buttons(box, names)]
    assert len(alike) == 1 and "look-alike buttons" in alike[0], alike
    assert "t.again" in alike[0] and "t.once" in alike[0] and "differ by one character" in alike[0]
    assert not a11y_words.look_alike_buttons(box, names, exempt=frozenset({frozenset({"再听一遍", "听一遍"})}))
    assert a11y_words.foreign_in_text("原因：{reason}") == [] and a11y_words.foreign_in_text("OK") == ["OK"]


def test_ui_self_test_results_durations_and_times_in_the_staff_language():
    from kiosk.app.wording import date_text, datetime_text, duration_text, model_text, selftest_text, wait_text
    rec = {"passed": False, "detail": "only 1.2 s of 3 s of sound arrived", "reason": "mic_short",
           "params": {"got": "1.2", "want": "3"}}
    assert selftest_text(rec, "zh-CN") == "只收到 1.2 秒声音，应为 3 秒"
    assert selftest_text(rec, "en") == "Only 1.2 s of 3 s of sound arrived"
    # an older record (no reason) or one whose values do not fit: said in words, never English
    assert selftest_text({"detail": "an old record"}, "zh-CN") == "这条记录来自其他版本，请再测一次"
    assert selftest_text({**rec, "params": {"got": "1.2"}}, "zh-TW") == "這條記錄來自其他版本，請再測一次"
    assert duration_text(3 * 3600 + 5 * 60 + 9, "zh-CN") == "3 小时 5 分"
    assert duration_text(2 * 86400 + 3600, "zh-TW") == "2 天 1 小時"
    assert duration_text(0, "en") == "0 h 0 min"
    assert wait_text(185, "zh-CN") == "3 分 5 秒" and wait_text(39.2, "zh-TW") == "40 秒"
    assert datetime_text("2026-12-01T01:30:00+00:00", "Asia/Shanghai", "zh-CN") == "12月1日 09:30"
    assert datetime_text("2026-12-01T01:30:00", "Asia/Shanghai", "en") == "1 Dec 09:30"
    assert datetime_text("2026-11-13T01:20:00+00:00", "Asia/Shanghai", "zh-TW", year=True) == "2026年11月13日 09:20"
    assert date_text("2026-12-02", "zh-CN") == "12月2日" and date_text("2026-12-02", "en") == "2 Dec"
    assert model_text({"state": "missing", "path": "/x/current"}, "zh-CN") == "未安装（/x/current）"
    assert model_text({"state": None, "path": "/x/current"}, "zh-TW") == "正常"
    assert model_text({"state": "exploded", "path": "/x"}, "zh-CN") == "状态不明（/x）"


def test_every_self_test_reason_has_a_sentence_with_its_values_in_every_language():
    """Each reason code names a sentence in all three catalogs, and the sentence asks for
    exactly the values the code carries (kiosk/core/devicehealth.py ``REASON_PARAMS``)."""
    from kiosk.core.devicehealth import SelfTestReason, reason_params
    for reason in SelfTestReason:
        for lang in i18n.LANGUAGES:
            text = i18n.catalog(lang)[f"selftest.{reason.value}"]
            needed = {f for _, f, _, _ in string.Formatter().parse(text) if f}
            assert needed == reason_params(reason), f"{lang} selftest.{reason.value}: needs {needed}"


def test_a_self_test_result_refuses_an_unknown_reason_or_the_wrong_values():
    from kiosk.core.devicehealth import SelfTestReason, SelfTestResult
    r = SelfTestResult("camera", True, "captured 640×480", reason="camera_ok", params={"size": "640×480"})
    assert r.reason is SelfTestReason.CAMERA_OK and r.as_dict()["reason"] == "camera_ok"
    with pytest.raises(ValueError):
        SelfTestResult("camera", True, "captured", reason="camera_fine")
    with pytest.raises(ValueError, match="size"):
        SelfTestResult("camera", True, "captured", reason=SelfTestReason.CAMERA_OK)
    with pytest.raises(TypeError):
        SelfTestResult("camera", True, "captured")         # a result always says why


def test_ui_the_status_page_keeps_the_sync_layers_words_apart(sample_harness):
    """During an outage the Status page's own lines stay Chinese; the sync layer's reason
    is shown as it came, in its verbatim label under them."""
    from kiosk.app.maintenance.samples import show_service_sample
    h = sample_harness
    h.app.set_language("zh-CN")
    show_service_sample(h, "service-status")
    page = h.screen("service-status")
    snap = h.app.service_actions.status()
    snap["centre"].update(outage_since="2026-12-01T01:00:00+00:00",
                          outage_last_error="centre unreachable: connection refused",
                          auth_alert="HTTP 401: token rejected")
    page._show(snap)
    h.pump(2)
    assert "12月1日 09:00" in page.lines and "中心拒绝了本机的凭据" in page.lines
    assert "connection refused" in page.reasons and "HTTP 401" in page.reasons
    assert page.ids.reasons.verbatim and not page.ids.lines.verbatim
    assert a11y_words.foreign_words(page) == []
    page.ids.reasons.verbatim = False             # the check would catch them otherwise
    assert {p.widget for p in a11y_words.foreign_words(page)} == {"service-status.reasons"}


def test_ui_a_voice_error_is_said_in_the_residents_words(harness):
    """The voice screen once showed 录音停止了：capture failed: OSError(…); it now says
    which part failed (kiosk.voice's typed VoiceFault), the detail goes to the log."""
    from kiosk.app.services.voice import VoiceEvent
    h = harness
    h.app.set_language("zh-TW")
    voice = h.screen("voice")
    voice._on_event(VoiceEvent(kind="error", detail="capture failed: OSError(5)", fault="microphone"))
    assert voice.ids.status.text == "麥克風出了問題，錄音停止了。"
    voice._on_event(VoiceEvent(kind="error", detail="speech recognition failed: boom", fault="recognition"))
    assert voice.ids.status.text == h.app.t("voice.error_recognition")
    assert not a11y_words.foreign_in_text(voice.ids.status.text)


def test_ui_the_self_test_page_says_each_result_in_the_staff_language(sample_harness):
    h = sample_harness
    show_sample(h, "service-selftests", "zh-CN")
    page = h.screen("service-selftests")
    assert page.ids.row_printer.result == "通过 · 12月1日 09:30 · 测试页已打印"
    assert page.ids.row_microphone.result.startswith("未通过 · 12月1日 09:31 · 麦克风收到的全是静音")
