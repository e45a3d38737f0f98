"""Property-based tests of what a code reader can send: the serial line framing
(drivers/codereader.py, over its in-memory port) and the payload parsing and lookup
(kiosk.lookup.answers). Any bytes: a payload is read as a code (and secret) or refused with
CodeError; a lookup answers, or refuses with a named error; never a traceback, and
nothing stored changes (no rating, no item touched, no reply shown without the secret).
"""

from __future__ import annotations

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from drivers.codereader import FakeCodeReader
from kiosk.lookup import answers as lookup
from kiosk.core import trackcode
from kiosk.config.receipt import ReceiptSettings
from kiosk.core.submission import submit
from kiosk.core.trackcode import CodeError

FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
URLS = ["", "https://my.example.gov.cn/q?code={code}", "https://x.example.cn/v2/{code}/view", "http://10.0.0.7/{code}"]
REPLY = "已修复。"

codes = st.builds(trackcode.make, st.from_regex(r"[0-9]{4}", fullmatch=True), st.integers(1, 10**7))
secrets_ = st.from_regex(r"[0-9]{6}", fullmatch=True)


@given(code=codes, secret=st.one_of(st.none(), secrets_), url=st.sampled_from(URLS))
@settings(max_examples=100, deadline=None)
def test_fuzz_every_printed_qr_payload_reads_back_to_its_code_and_secret(code, secret, url):
    payload = ReceiptSettings(lookup_url=url).qr_payload(code.compact, secret)
    assert lookup.scan_from_payload(payload, url) == lookup.Scan(code, secret)
    assert lookup.code_from_scan(payload, url) == code


@given(payload=st.one_of(st.text(max_size=120),
                         st.tuples(st.text(max_size=20), st.sampled_from(["#k=", "://", "-", "#"]),
                                   st.text(max_size=20)).map("".join)),
       url=st.sampled_from(URLS))
@settings(max_examples=200, deadline=None)
def test_fuzz_any_payload_is_a_scan_or_a_code_error(payload, url):
    try:
        scan = lookup.scan_from_payload(payload, url)
    except CodeError as e:
        assert str(e)
        return
    assert isinstance(scan.code, trackcode.TrackingCode)
    assert scan.secret is None or (len(scan.secret) == 6 and scan.secret.isdigit())


def _split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    return [data[a:b] for a, b in zip([0] + points, points + [len(data)])]


@given(noise=st.lists(st.binary(max_size=700), max_size=4), code=codes, secret=secrets_,
       url=st.sampled_from(URLS), suffix=st.sampled_from([b"\r", b"\n", b"\r\n"]),
       cuts=st.lists(st.integers(0, 2000), max_size=8))
@FUZZ
def test_fuzz_a_receipt_among_line_noise_arrives_whole(noise, code, secret, url, suffix, cuts):
    """Noise lines (garbage, over-long lines, bad UTF-8) before a real scan, the bytes cut
    anywhere: every line reads as a scan or a CodeError, and the receipt comes out intact."""
    reader = FakeCodeReader(max_line=512)
    reader.open()
    try:
        payload = ReceiptSettings(lookup_url=url).qr_payload(code.compact, secret).encode()
        stream = b"".join(n + b"\n" for n in noise) + payload + suffix
        for piece in _split(stream, cuts):
            reader.feed(piece)
        scans = []
        while (line := reader.read_code(0)) is not None:
            try:
                scans.append(lookup.scan_from_payload(line, url))
            except CodeError:
                event("a noise line refused")
        assert scans and scans[-1] == lookup.Scan(code, secret)
    finally:
        reader.close()


@given(data=st.data())
@FUZZ
def test_fuzz_lookups_from_scans_never_leak_a_reply_or_change_the_store(store, cfg, data):
    if store.count() == 0:
        for text in ("一号", "二号", "三号"):
            sub = submit(store, cfg, text=text)
            store.record_status(sub.item.id, "replied", REPLY, "2026-11-20T10:00:00Z")
            store.set_meta(f"fuzz.secret.{sub.item.code.compact}", sub.secret)  # the test's notebook
    items = store.list_items()
    secrets_by_code = {i.code: store.get_meta(f"fuzz.secret.{i.code.compact}") for i in items}
    near = st.builds(trackcode.make, st.just(store.station), st.integers(1, 6))
    known = st.sampled_from(sorted(secrets_by_code.values()))
    payload = data.draw(st.one_of(
        st.tuples(near, st.one_of(st.none(), secrets_, known, known)).map(
            lambda t: ReceiptSettings().qr_payload(t[0].compact, t[1])),
        st.text(max_size=40)), "payload")
    before = ([(i.id, i.state, i.centre_reply) for i in items], [store.rating_of(i.id) for i in items])
    limiter = lookup.FailureLimiter(store, max_failures=10**6)   # the limit has its own tests
    try:
        scan = lookup.scan_from_payload(payload)
        answer = lookup.look_up(store, scan.code, scan.secret, limiter=limiter)
    except (CodeError, lookup.NotFound, lookup.WrongSecret) as e:
        event(type(e).__name__)
    else:
        right = scan.secret is not None and scan.secret == secrets_by_code.get(answer.code)
        event("reply shown" if answer.authorised else "state only")
        assert answer.authorised == right
        assert (answer.reply == REPLY) if right else answer.reply is None
    after = ([(i.id, i.state, i.centre_reply) for i in store.list_items()],
             [store.rating_of(i.id) for i in items])
    assert after == before
