"""Looking up an item by its receipt and rating the answer: the UI-free core."""

from __future__ import annotations

import pytest

from kiosk.lookup import answers as lookup

from kiosk.core import trackcode
from kiosk.core.submission import submit
from kiosk.core.trackcode import CodeError

REPLY = "路灯已于11月20日修复，感谢您的反映。"


def _replied(store, cfg, state="replied"):
    """A replied item and its receipt secret."""
    sub = submit(store, cfg, text="路灯坏了", category="urban")
    store.record_status(sub.item.id, "accepted", None, "2026-11-18T09:00:00Z")
    store.record_status(sub.item.id, state, REPLY, "2026-11-20T10:00:00Z")
    return sub.item, sub.secret


def test_look_up_shows_state_and_reply_but_never_the_text(store, cfg):
    item, secret = _replied(store, cfg)
    a = lookup.look_up(store, str(item.code), secret)
    assert (a.code, a.state, a.reply, a.replied_at) == (item.code, "replied", REPLY, "2026-11-20T10:00:00Z")
    assert a.authorised and a.category == "urban" and a.rating is None and a.can_rate
    assert not hasattr(a, "text") and not hasattr(a, "name")
    assert secret not in repr(a) and secret not in repr(item)


def test_an_item_not_answered_yet_cannot_be_rated(store, cfg):
    sub = submit(store, cfg, text="噪音扰民")
    item, secret = sub.item, sub.secret
    a = lookup.look_up(store, item.code.compact, secret)
    assert a.state == "stored" and a.reply is None and not a.can_rate
    with pytest.raises(lookup.RatingRefused) as e:
        lookup.rate(store, a, "satisfied")
    assert e.value.reason == "not_replied"
    assert store.rating_of(item.id) is None


def test_rating_is_recorded_once_and_queued_for_the_centre(store, cfg):
    item, secret = _replied(store, cfg)
    a = lookup.rate(store, lookup.look_up(store, str(item.code), secret), "basically_satisfied")
    assert a.rating == "basically_satisfied" and not a.can_rate
    with pytest.raises(lookup.RatingRefused) as e:
        lookup.rate(store, a, "unsatisfied")          # a second tap, or a second visit
    assert e.value.reason == "already_rated"
    rows = list(store.db.execute("SELECT rating, delivery FROM ratings WHERE item_id = ?", [item.id]))
    assert rows == [("basically_satisfied", "pending")]
    with pytest.raises(ValueError):
        lookup.rate(store, a, "great")


def test_each_round_is_rated_once_and_a_closed_matter_not_at_all(store, cfg):
    from kiosk.core.records import CentreUpdate
    item, secret = _replied(store, cfg)
    a = lookup.rate(store, lookup.look_up(store, str(item.code), secret), "unsatisfied", reason=" 还是坏的 ")
    assert (a.round, a.rating, a.can_rate) == (1, "unsatisfied", False)
    assert [(r.round, r.reason) for r in store.ratings_of(item.id)] == [(1, "还是坏的")]
    store.record_update(item.id, CentreUpdate(status="accepted", stage="reopened", round=2, note="还是坏的",
                                              at="2026-11-21T09:00:00Z"))
    a = lookup.look_up(store, str(item.code), secret)
    assert (a.round, a.reply, a.rating, a.can_rate) == (2, None, None, False)  # no reply in round 2 yet
    assert a.loop.rounds[0].reply == REPLY and a.loop.rounds[1].reason == "还是坏的"
    store.record_update(item.id, CentreUpdate(status="replied", stage="replied", round=2, reply="已更换",
                                              at="2026-11-22T09:00:00Z"))
    a = lookup.rate(store, lookup.look_up(store, str(item.code), secret), "satisfied", reason="ignored")
    assert (a.round, a.rating) == (2, "satisfied")
    assert [(r.round, r.rating, r.reason) for r in store.ratings_of(item.id)] == [
        (1, "unsatisfied", "还是坏的"), (2, "satisfied", None)]
    store.record_update(item.id, CentreUpdate(status="closed", stage="closed", round=2, note="居民满意",
                                              at="2026-11-23T09:00:00Z"))
    closed, csecret = _replied(store, cfg, state="closed")  # closed by staff with its reply
    with pytest.raises(lookup.RatingRefused) as e:
        lookup.rate(store, lookup.look_up(store, str(closed.code), csecret), "satisfied")
    assert e.value.reason == "closed" and store.ratings_of(closed.id) == []


def test_typo_says_check_digit_and_unknown_says_not_found(store, cfg):
    item = submit(store, cfg, text="x").item
    digits = item.code.compact
    typo = digits[:-2] + str((int(digits[-2]) + 1) % 10) + digits[-1]
    with pytest.raises(CodeError, match="check digit wrong") as e:
        lookup.look_up(store, typo)
    assert e.value.check_digit_wrong
    with pytest.raises(CodeError) as e:
        lookup.look_up(store, "12")
    assert not e.value.check_digit_wrong
    with pytest.raises(lookup.NotFound) as e:
        lookup.look_up(store, str(trackcode.make(store.station, 999)))
    assert e.value.other_station is None
    with pytest.raises(lookup.NotFound) as e:
        lookup.look_up(store, str(trackcode.make("0999", 3)))
    assert e.value.other_station == "0999" and "0999" in str(e.value)


@pytest.mark.parametrize("payload", [
    "{c}", "{d}", " {d}\r\n", "https://my.example.gov.cn/q?code={c}",
    "https://my.example.gov.cn/q/{c}/view", "https://old.example.cn/lookup/{d}",
])
def test_code_from_scan_reads_bare_codes_and_lookup_urls(payload):
    code = trackcode.make("0371", 45)
    text = payload.format(c=code.compact, d=str(code))
    url = "https://my.example.gov.cn/q?code={code}" if "my.example" in payload and "?" in payload else ""
    assert lookup.code_from_scan(text, url) == code


def test_code_from_scan_rejects_what_is_not_a_receipt():
    with pytest.raises(CodeError):
        lookup.code_from_scan("https://weixin.qq.com/r/abcdef")
    with pytest.raises(CodeError):
        lookup.code_from_scan("hello")


def test_status_command_shows_the_residents_rating(store, cfg, write_config, capsys):
    import json

    from kiosk.cli.main import main as kiosk_main
    item, secret = _replied(store, cfg)
    path = str(write_config())
    assert kiosk_main(["--config", path, "--json", "status", str(item.code)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["rating"] is None and shown["receipt_secret"] == "issued"
    assert shown["centre_reply"] == REPLY       # staff see the reply without the secret
    lookup.rate(store, lookup.look_up(store, str(item.code), secret), "unsatisfied")
    assert kiosk_main(["--config", path, "status", str(item.code)]) == 0
    out = capsys.readouterr().out
    assert "rating:      unsatisfied" in out and "receipt:     has a receipt secret" in out
