"""Endpointing: trailing silence after speech, nobody speaking, the length limit."""

import pytest

from kiosk.voice.endpoint import Endpointer, dbfs_to_level, level_to_dbfs

LOUD, QUIET = 0.1, 0.001  # -20 dBFS and -60 dBFS against a -40 dBFS threshold
RATE = 16000
CHUNK = 1600  # 0.1 s


def feed(ep, pattern):
    """Feed (level, chunks) runs; return (chunks fed, reason)."""
    n = 0
    for level, count in pattern:
        for _ in range(count):
            n += 1
            r = ep.update(CHUNK, level)
            if r:
                return n, r
    return n, None


def make(**kw):
    args = dict(trailing_silence_seconds=1.0, no_speech_seconds=5.0, max_seconds=60.0, threshold_dbfs=-40.0)
    args.update(kw)
    return Endpointer(RATE, **args)


def test_thresholds():
    assert dbfs_to_level(-40) == pytest.approx(0.01)
    assert level_to_dbfs(0.1) == pytest.approx(-20)
    assert level_to_dbfs(0) == float("-inf")


def test_trailing_silence_ends_exactly_after_the_set_time():
    ep = make()
    n, reason = feed(ep, [(QUIET, 5), (LOUD, 10), (QUIET, 100)])
    assert reason == "silence"
    assert n == 5 + 10 + 10  # 1.0 s of quiet = 10 chunks of 0.1 s
    assert ep.speech_started


def test_a_pause_shorter_than_the_limit_does_not_end():
    ep = make()
    n, reason = feed(ep, [(LOUD, 5), (QUIET, 9), (LOUD, 5), (QUIET, 9)])
    assert reason is None and n == 28


def test_single_knock_does_not_arm_the_silence_timer():
    ep = make(no_speech_seconds=0)
    n, reason = feed(ep, [(LOUD, 1), (QUIET, 50)])
    assert reason is None and not ep.speech_started


def test_no_speech_timeout():
    ep = make(no_speech_seconds=2.0)
    n, reason = feed(ep, [(QUIET, 100)])
    assert (n, reason) == (20, "silence")


def test_max_length_wins_and_is_exact():
    ep = make(max_seconds=3.0)
    n, reason = feed(ep, [(LOUD, 100)])
    assert (n, reason) == (30, "max_length")
    assert ep.remaining_frames == 0


def test_zero_disables_silence_rules():
    ep = make(trailing_silence_seconds=0, no_speech_seconds=0, max_seconds=10.0)
    n, reason = feed(ep, [(LOUD, 5), (QUIET, 200)])
    assert (n, reason) == (100, "max_length")


def test_remaining_frames_counts_down():
    ep = make(max_seconds=1.0)
    ep.update(4000, QUIET)
    assert ep.remaining_frames == 12000
