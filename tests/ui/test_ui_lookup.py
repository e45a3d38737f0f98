"""Coming back with the receipt: type (or scan) the number and the receipt secret, read
the answer, rate it; without the secret only the state."""

from __future__ import annotations

import logging
import re

from kiosk.core import trackcode
from kiosk.core.submission import submit
from kiosk.app.services import PrintOutcome
from kiosk.app.services.printing import PAPER_OUT, PRINTED

REPLY = "路灯已于11月20日修复，感谢您的反映。"


def _replied_item(store, cfg):
    """A replied real-name item and its receipt secret."""
    sub = submit(store, cfg, text="东门路灯坏了", category="urban", anonymous=False,
                 name="王秀英", phone="13812345678")
    store.record_status(sub.item.id, "replied", REPLY, "2026-11-20T02:00:00+00:00")
    return sub.item, sub.secret


def _type_code(h, code: str):
    lookup = h.screen("lookup")
    for ch in code:
        h.tap(h.find(lookup.ids.pad, lambda w: getattr(w, "value", None) == ch))
    h.tap(lookup.ids.confirm)


def _type_code_and_secret(h, code: str, secret: str):
    lookup = h.screen("lookup")
    _type_code(h, code)
    h.wait(lambda: lookup.step == "secret", what="the secret step")
    assert lookup.ids.hint.text == h.app.t("lookup.hint_secret") and lookup.ids.state_only.opacity == 1
    _type_code(h, secret)


def test_ui_type_the_receipt_number_read_the_answer_and_rate_it(harness, store, cfg):
    item, secret = _replied_item(store, cfg)
    h = harness
    h.tap(h.screen("home").ids.lookup)
    assert h.app.root.current == "lookup"
    _type_code_and_secret(h, str(item.code), secret)
    assert h.screen("lookup").ids.secret_field.text == f"{secret[:3]} {secret[3:]}|"
    h.wait(lambda: h.app.root.current == "answer", what="the answer screen")
    answer = h.screen("answer")
    assert answer.ids.code.text == str(item.code)
    assert REPLY in answer.ids.reply.text and answer.ids.state.text == h.app.t("state.replied")
    shown = " ".join(str(getattr(w, "text", "")) for w in answer.walk())
    assert "东门路灯坏了" not in shown and "王秀英" not in shown and "1381234" not in shown
    h.tap(answer.ids.basically_satisfied)
    h.wait(lambda: answer.answer.rating is not None, what="the rating to be saved")
    assert store.rating_of(item.id) == "basically_satisfied"
    assert answer.ids.notice.text == h.app.t("answer.thanks")
    assert answer.ids.ratings.disabled and answer.ids.ratings.opacity == 0
    h.tap(answer.ids.finish)
    assert h.app.root.current == "home" and answer.answer is None


def test_ui_lookup_typo_unknown_other_station_and_not_answered(harness, store, cfg, caplog):
    h = harness
    caplog.set_level(logging.INFO, logger="kiosk.app.feeds.mainthread")
    pending_sub = submit(store, cfg, text="噪音")
    pending = pending_sub.item
    h.tap(h.screen("home").ids.lookup)
    lookup = h.screen("lookup")
    digits = pending.code.compact
    typo = digits[:-2] + str((int(digits[-2]) + 1) % 10) + digits[-1]
    cases = [(typo, "lookup.check_digit", {}),
             (str(trackcode.make(store.station, 777)), "lookup.not_found", {}),
             (str(trackcode.make("0999", 5)), "lookup.other_station", {"station": "0999"}),
             ("12", "lookup.bad_code", {})]
    for code, key, fmt in cases:
        lookup.code_text = ""
        _type_code(h, code)
        h.wait(lambda: not lookup.checking, what="the lookup")
        assert lookup.ids.notice.text == h.app.t(key, **fmt), code
        assert h.app.root.current == "lookup"
    # A resident's typo is an answer on screen, not a fault of the kiosk: the journal gets
    # one info line per lookup, no error and no traceback for the maintainer to chase.
    worker_lines = [r for r in caplog.records if r.name == "kiosk.app.feeds.mainthread"]
    assert [r.levelno for r in worker_lines] == [logging.INFO] * len(cases)
    assert not any(r.exc_info for r in worker_lines)
    lookup.code_text = ""
    _type_code_and_secret(h, str(pending.code), pending_sub.secret)
    h.wait(lambda: h.app.root.current == "answer", what="the answer screen")
    answer = h.screen("answer")
    assert answer.ids.reply.text == h.app.t("answer.no_reply_yet")
    assert answer.ids.rating_state.text == h.app.t("answer.rate_later")
    assert answer.ids.ratings.disabled


def test_ui_idle_wipes_the_answer_screen(harness, store, cfg):
    item, secret = _replied_item(store, cfg)
    h = harness
    h.tap(h.screen("home").ids.lookup)
    _type_code_and_secret(h, str(item.code), secret)
    h.wait(lambda: h.app.root.current == "answer", what="the answer screen")
    h.app.reset_session()                   # what the idle countdown ends with
    texts = [str(getattr(w, "text", "")) for s in h.app.root.screens for w in s.walk()]
    assert not any(REPLY in t or str(item.code) in t for t in texts)
    assert h.screen("lookup").code_text == "" and h.screen("lookup").secret_text == ""
    assert h.screen("lookup").step == "code"


def test_ui_scan_the_receipt_qr_code_opens_the_answer(harness, services, store, cfg):
    """The code reader listens while the lookup screen is shown: scanning the receipt's
    QR payload (here the compact code and the secret, as printed without a lookup URL)
    opens the answer; a QR code that is not a receipt says so; an unplugged reader
    leaves typing."""
    item, secret = _replied_item(store, cfg)
    h = harness
    h.tap(h.screen("home").ids.lookup)
    lookup = h.screen("lookup")
    assert lookup.scanning and lookup.ids.hint.text == h.app.t("lookup.hint_scan")
    reader = services.code_readers[-1]
    reader.scan("https://weixin.qq.com/r/not-a-receipt")
    h.wait(lambda: lookup.ids.notice.text == h.app.t("lookup.scan_unreadable"), what="the unreadable notice")
    reader.scan(f"{item.code.compact}#k={secret}")
    h.wait(lambda: h.app.root.current == "answer", what="the answer screen after a scan")
    assert REPLY in h.screen("answer").ids.reply.text
    assert lookup.feed is None, "the reader stops listening when the screen is left"

    h.tap(h.screen("answer").ids.finish)
    h.tap(h.screen("home").ids.lookup)
    services.code_readers[-1].unplug()
    h.wait(lambda: not lookup.scanning, what="the reader to be reported gone")
    assert lookup.ids.hint.text == h.app.t("lookup.hint_type")
    assert '"error"' in store.get_meta("device.code_reader")


def test_ui_a_neighbours_code_without_the_secret_shows_the_state_only(harness, store, cfg):
    mine = submit(store, cfg, text="我的").item
    theirs, _ = _replied_item(store, cfg)
    assert theirs.code.seq == mine.code.seq + 1
    h = harness
    h.tap(h.screen("home").ids.lookup)
    lookup = h.screen("lookup")
    _type_code(h, str(theirs.code))
    h.wait(lambda: lookup.step == "secret", what="the secret step")
    h.tap(lookup.ids.state_only)
    h.wait(lambda: h.app.root.current == "answer", what="the state-only answer")
    answer = h.screen("answer")
    assert answer.ids.state.text == h.app.t("state.replied")
    assert answer.ids.reply.text == h.app.t("answer.state_only")
    shown = " ".join(str(getattr(w, "text", "")) for w in answer.walk())
    assert REPLY not in shown and "2026-11-20" not in shown
    assert answer.ids.ratings.disabled and answer.ids.ratings.opacity == 0
    answer.rate("basically_satisfied")          # what a (disabled) rating button would call
    h.pump(3)
    assert store.rating_of(theirs.id) is None


def test_ui_wrong_secrets_are_refused_then_limited(harness, store, cfg):
    item, secret = _replied_item(store, cfg)
    h = harness
    h.tap(h.screen("home").ids.lookup)
    lookup = h.screen("lookup")
    _type_code(h, str(item.code))
    h.wait(lambda: lookup.step == "secret", what="the secret step")
    wrong = f"{(int(secret) + 1) % 10**6:06d}"
    limiter = h.app.services.lookup.limiter()
    for attempt in range(limiter.max_failures):
        _type_code(h, wrong)
        h.wait(lambda: not lookup.checking, what="the lookup")
        assert lookup.secret_text == "" and h.app.root.current == "lookup"
        if attempt < limiter.max_failures - 1:
            assert lookup.ids.notice.text == h.app.t("lookup.wrong_secret")
    assert lookup.ids.notice.text == h.app.t("lookup.too_many", seconds=int(limiter.window))
    _type_code(h, secret)                  # the right one, during the lockout
    h.wait(lambda: not lookup.checking, what="the lookup")
    assert h.app.root.current == "lookup"
    pattern = re.escape(h.app.t("lookup.too_many", seconds="SECONDS")).replace("SECONDS", r"\d+")
    assert re.fullmatch(pattern, lookup.ids.notice.text)
    h.tap(lookup.ids.back)                      # back to the code, not out of the screen
    assert lookup.step == "code" and h.app.root.current == "lookup"


def test_ui_scanning_an_old_receipt_asks_for_the_secret(harness, services, store, cfg):
    item, secret = _replied_item(store, cfg)
    h = harness
    h.tap(h.screen("home").ids.lookup)
    lookup = h.screen("lookup")
    services.code_readers[-1].scan(item.code.compact)        # the code only
    h.wait(lambda: lookup.step == "secret", what="the secret step after a code-only scan")
    assert h.app.root.current == "lookup" and lookup.code_text == str(item.code)


def test_ui_done_screen_shows_the_secret_with_the_code(harness):
    h = harness
    h.app.go("done")
    done = h.screen("done")
    done.show_result("0371-000045-4", PrintOutcome(True, None, PRINTED, 430), "482913")
    assert done.ids.secret.text == h.app.t("done.secret", secret="482 913")
    # no receipt in hand: the secret alone, large (the notice below says what it is for)
    done.show_result("0371-000045-4", PrintOutcome(False, "the printer is out of paper", PAPER_OUT), "482913")
    assert done.ids.secret.text == h.app.t("done.secret_big", secret="482 913")
    done.reset()
    assert done.ids.secret.text == ""


def test_ui_the_answer_shows_the_loop_rates_each_round_once_and_says_where_it_stands(harness, store, cfg):
    """The timeline (the current step highlighted, the department, overdue), the round of
    不满意再办, a rating per round, none once closed; the guidance says the stage."""
    from kiosk.core.records import CentreUpdate
    sub = submit(store, cfg, text="东门路灯坏了", category="urban")
    item, secret = sub.item, sub.secret
    for u in (CentreUpdate("accepted", "accepted", "2026-11-18T01:00:00+00:00"),
              CentreUpdate("assigned", "assigned", "2026-11-18T02:00:00+00:00", department="城管局"),
              CentreUpdate("replied", "replied", "2026-11-20T02:00:00+00:00", reply=REPLY)):
        store.record_update(item.id, u)
    h = harness
    h.tap(h.screen("home").ids.lookup)
    _type_code_and_secret(h, str(item.code), secret)
    h.wait(lambda: h.app.root.current == "answer", what="the answer screen")
    answer = h.screen("answer")
    lines = answer.ids.timeline.text.splitlines()
    assert lines[0] == h.app.t("answer.timeline") and "城管局" in answer.ids.timeline.text
    assert h.app.t("stage.replied") in lines[-1] and lines[-2].startswith("[b][color=")  # current: highlighted
    assert answer.spoken_prompts() == ["answer", "stage_now", "stage_replied"]
    h.tap(answer.ids.unsatisfied)
    h.wait(lambda: answer.answer.rating is not None, what="the rating to be saved")
    assert [(r.round, r.rating) for r in store.ratings_of(item.id)] == [(1, "unsatisfied")]

    # The centre opens round 2 (its echo of the rating, then the reopen) and, overdue, escalates.
    for u in (CentreUpdate("replied", "rated", "2026-11-21T01:00:00+00:00", rating="unsatisfied"),
              CentreUpdate("accepted", "reopened", "2026-11-21T01:00:00+00:00", round=2),
              CentreUpdate("accepted", "escalated", "2026-11-29T01:00:00+00:00", round=2, escalated=True)):
        store.record_update(item.id, u)
    h.tap(answer.ids.finish)
    h.tap(h.screen("home").ids.lookup)
    _type_code_and_secret(h, str(item.code), secret)
    h.wait(lambda: h.app.root.current == "answer" and h.screen("answer").answer is not None, what="the answer")
    assert h.app.t("answer.round", round=2) in answer.ids.state.text
    assert answer.ids.reply.text == h.app.t("answer.no_reply_yet") and not answer.answer.can_rate
    assert h.app.t("answer.overdue") in answer.ids.timeline.text
    assert answer.spoken_prompts() == ["answer", "stage_now", "stage_escalated", "answer_reopened", "answer_overdue"]
    store.record_update(item.id, CentreUpdate("replied", "replied", "2026-11-30T01:00:00+00:00", round=2,
                                              reply="已更换灯具"))
    store.record_update(item.id, CentreUpdate("closed", "closed", "2026-12-01T01:00:00+00:00", round=2,
                                              note="诉求已依法答复"))
    h.tap(answer.ids.finish)
    h.tap(h.screen("home").ids.lookup)
    _type_code_and_secret(h, str(item.code), secret)
    h.wait(lambda: h.app.root.current == "answer" and h.screen("answer").answer is not None, what="the answer")
    assert "已更换灯具" in answer.ids.reply.text and not answer.answer.can_rate
    assert answer.ids.rating_state.text == h.app.t("answer.closed_cannot_rate")
    assert answer.ids.ratings.disabled and "诉求已依法答复" in answer.ids.timeline.text
    assert [(r.round, r.rating) for r in store.ratings_of(item.id)] == [(1, "unsatisfied")]
