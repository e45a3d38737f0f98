"""The receipt secret: a neighbour's code shows only the state; the reply and rating need
the secret printed on the receipt; wrong secrets are counted and limited."""

from __future__ import annotations

import re

import pytest

from kiosk.core import itemsecret, trackcode

from kiosk.lookup import answers as lookup
from kiosk.core.submission import submit
from kiosk.core.trackcode import CodeError

REPLY = "已安排物业于本周内清理楼道杂物。"


def _replied(store, cfg, text="楼道堆满杂物"):
    """A replied item and the receipt secret its submission drew."""
    sub = submit(store, cfg, text=text, category="urban")
    store.record_status(sub.item.id, "replied", REPLY, "2026-11-20T10:00:00Z")
    return sub.item, sub.secret


class Clock:
    """A hand-driven monotonic clock for the limiter."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_every_committed_item_gets_a_fresh_six_digit_secret_stored_only_as_a_hash(store, cfg):
    sa, sb = submit(store, cfg, text="一"), submit(store, cfg, text="二")
    a, b = sa.item, sb.item
    assert re.fullmatch(r"\d{6}", sa.secret) and re.fullmatch(r"\d{6}", sb.secret)
    assert a.has_secret and store.get_item(a.id).has_secret
    assert not hasattr(store.get_item(a.id), "secret")   # an Item never carries the plaintext
    (stored,) = store.db.execute("SELECT secret_hash FROM items WHERE id = ?", [a.id]).fetchone()
    assert stored.startswith("hmac1$") and sa.secret not in stored
    assert store.get_secret_hash(a.id) == stored
    key = store.receipt_key
    assert itemsecret.matches(sa.secret, stored, key)
    assert itemsecret.matches(sb.secret, stored, key) == (sa.secret == sb.secret)   # salted: only the number counts
    assert itemsecret.secret_matches(store, a.id, sa.secret) is True


def test_a_neighbours_code_without_the_secret_shows_only_the_state(store, cfg):
    mine = submit(store, cfg, text="我的").item
    theirs, _ = _replied(store, cfg, text="邻居的")
    assert theirs.code.seq == mine.code.seq + 1           # the next code is easy to guess
    a = lookup.look_up(store, str(theirs.code))
    assert a.state == "replied" and not a.authorised
    assert (a.reply, a.replied_at, a.created_at, a.category, a.rating) == (None,) * 5
    assert not a.replied and not a.can_rate and REPLY not in repr(a)


def test_rating_without_the_secret_is_refused_and_nothing_is_stored(store, cfg):
    item, secret = _replied(store, cfg)
    with pytest.raises(lookup.RatingRefused) as e:
        lookup.rate(store, lookup.look_up(store, item.code.compact), "unsatisfied")
    assert e.value.reason == "no_secret"
    forged = lookup.Answer(item_id=item.id, code=item.code, state="replied", authorised=True,
                           reply=REPLY, secret=f"{(int(secret) + 1) % 10**6:06d}")
    with pytest.raises(lookup.WrongSecret):
        lookup.rate(store, forged, "unsatisfied")       # a made-up Answer proves nothing
    assert store.rating_of(item.id) is None
    # the resident with the receipt can still rate
    real = lookup.look_up(store, item.code.compact, secret)
    assert lookup.rate(store, real, "satisfied").rating == "satisfied"


def test_wrong_secrets_are_counted_and_limited_per_minute(store, cfg):
    item, secret = _replied(store, cfg)
    clock = Clock()
    limiter = lookup.FailureLimiter(store, max_failures=3, window=60, clock=clock)
    wrong = f"{(int(secret) + 1) % 10**6:06d}"
    left = []
    for guess in (wrong, "12345", "abcdef"):     # malformed guesses count too
        with pytest.raises(lookup.WrongSecret) as e:
            lookup.look_up(store, item.code, guess, limiter=limiter)
        left.append(e.value.remaining)
    assert left == [2, 1, 0]
    clock.now += 30
    with pytest.raises(lookup.TooManyFailures) as e:
        lookup.look_up(store, item.code, secret, limiter=limiter)   # even the right one
    assert 29 <= e.value.retry_after <= 31
    with pytest.raises(lookup.TooManyFailures):
        lookup.rate(store, lookup.Answer(item.id, item.code, "replied", secret=secret),
                    "satisfied", limiter=limiter)
    assert lookup.look_up(store, item.code, limiter=limiter).state == "replied"  # state: still
    (ev,) = store.events(kind="lookup_limited")
    assert ev["level"] == "warning" and ev["item_id"] == item.id
    # A restart of the app (a crash, systemd brings it back) does not reset the count.
    with pytest.raises(lookup.TooManyFailures):
        lookup.FailureLimiter(store, max_failures=3, window=60, clock=clock).check()
    clock.now += 31
    a = lookup.look_up(store, item.code, secret, limiter=limiter)
    assert a.authorised and a.reply == REPLY
    assert store.rating_of(item.id) is None


def test_a_clock_jumping_back_cannot_shorten_a_lockout(store):
    clock = Clock()
    limiter = lookup.FailureLimiter(store, max_failures=2, window=60, clock=clock)
    limiter.record_failure()
    limiter.record_failure()
    clock.now -= 3600                          # NTP corrects a clock that ran ahead
    with pytest.raises(lookup.TooManyFailures) as e:
        limiter.check()
    assert e.value.retry_after == pytest.approx(60)
    clock.now += 61
    limiter.check()


def test_a_damaged_failure_record_starts_locked_and_says_so(store):
    store.set_meta(lookup.FailureLimiter.META_KEY, "{not json")
    clock = Clock()
    limiter = lookup.FailureLimiter(store, clock=clock)
    with pytest.raises(lookup.TooManyFailures):
        limiter.check()
    assert store.events(kind="lookup_failures_unreadable")[0]["level"] == "error"
    clock.now += lookup.WINDOW_SECONDS + 1
    limiter.check()


def test_an_item_from_before_secrets_shows_its_state_only(tmp_path, cfg):
    """A database written before the receipt-secret migration: its items keep working
    for the state, never the reply (they have no secret to prove the receipt)."""
    import sqlite3

    from sqlite_utils import Database

    from kiosk.core.schema import migrations
    from kiosk.core.store import Store

    data = cfg.storage.data_path
    data.mkdir(parents=True, exist_ok=True)
    old = Database(sqlite3.connect(data / "kiosk.db"))
    migrations.apply(old, stop_before="m002_receipt_secret")
    code = trackcode.make("0371", 1)
    old["items"].insert({"id": "a" * 8, "seq": 1, "station": "0371", "code": code.compact,
                         "created_at": "2026-10-01T08:00:00+00:00", "text": "旧的", "state": "replied",
                         "delivery": "delivered", "centre_reply": REPLY})
    old["counters"].insert({"station": "0371", "next_seq": 2})
    old.conn.commit()
    old.conn.close()
    with Store.open(cfg) as store:
        assert not store.get_item("a" * 8).has_secret
        assert itemsecret.secret_matches(store, "a" * 8, "123456") is None
        a = lookup.look_up(store, code, "123456")
        assert a.state == "replied" and not a.authorised and not a.secret_issued and a.reply is None
        with pytest.raises(lookup.RatingRefused) as e:
            lookup.rate(store, lookup.Answer("a" * 8, code, "replied", secret="123456"), "satisfied")
        assert e.value.reason == "no_secret"
        new = submit(store, cfg, text="新的").item
        assert new.code.seq == 2 and new.has_secret


def test_a_damaged_secret_hash_is_an_error_not_a_wrong_guess(store, cfg):
    item, secret = _replied(store, cfg)
    store.db.execute("UPDATE items SET secret_hash = 'scrypt$x' WHERE id = ?", [item.id])
    limiter = lookup.FailureLimiter(store)
    with pytest.raises(itemsecret.SecretHashError):
        lookup.look_up(store, item.code, secret, limiter=limiter)
    limiter.check()    # not counted


def test_reissuing_the_secret_retires_the_old_one(store, cfg):
    item, secret = _replied(store, cfg)
    new = next(s for s in iter(itemsecret.issue, None) if s != secret)
    store.replace_secret(item.id, itemsecret.hash_secret(new, store.receipt_key))
    assert itemsecret.secret_matches(store, item.id, new)
    assert not itemsecret.secret_matches(store, item.id, secret)
    assert store.events(kind="secret_reissued")


def test_the_store_refuses_to_store_a_plaintext_secret(store, cfg):
    item, secret = _replied(store, cfg)
    with pytest.raises(itemsecret.SecretHashError):
        store.replace_secret(item.id, itemsecret.issue())    # a secret, not its hash
    assert itemsecret.secret_matches(store, item.id, secret)
    assert not store.events(kind="secret_reissued")


@pytest.mark.parametrize("payload", ["{c}#k={s}", " {d}#k={s}\r\n", "https://my.example.gov.cn/q?code={c}#k={s}"])
def test_scan_reads_code_and_secret(payload):
    code = trackcode.make("0371", 45)
    url = "https://my.example.gov.cn/q?code={code}"
    scan = lookup.scan_from_payload(payload.format(c=code.compact, d=str(code), s="004711"), url)
    assert scan == lookup.Scan(code, "004711") and "004711" not in repr(scan)
    assert lookup.scan_from_payload(code.compact).secret is None       # an older receipt


@pytest.mark.parametrize("tail", ["", "12345", "1234567", "12a456", "#k=123456"])
def test_a_scan_with_an_unreadable_secret_is_a_code_error(tail):
    with pytest.raises(CodeError):
        lookup.scan_from_payload(trackcode.make("0371", 45).compact + "#k=" + tail)


def test_the_centre_and_staff_views_never_carry_the_secret_or_its_hash(store, cfg):
    """docs/protocol.md: the centre does not get the secret; neither do the JSON views."""
    import json

    from kiosk.sync.wire import item_meta
    from kiosk.core.views import item_summary
    sub = submit(store, cfg, text="外墙脱落", anonymous=False, name="李四", phone="13912345678")
    item = sub.item
    (stored,) = store.db.execute("SELECT secret_hash FROM items WHERE id = ?", [item.id]).fetchone()
    back = store.get_item(item.id, with_pii=True)
    for view in (item_meta(back, with_pii=True), item_summary(back)):
        text = json.dumps(view, ensure_ascii=False)
        assert "secret" not in text and stored not in text and f'"{sub.secret}"' not in text
