"""Whole sentences on the pinyin keyboard: the dev set's protocol and issue 23's goal.

The set and its protocol are shared test data (``../shared/testdata/ime/``, read in
place, never copied here): 40 complaint sentences, typed in full; the figures are
top-3 (the whole sentence among the first 3 candidates), picks per sentence (always
the longest shown candidate of 9 that continues it) and unfinishable sentences
(kiosk/ime/measure.py). docs/media.md records the figures and why.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.ime.measure import Report, measure, read_set, type_sentence
from kiosk.ime.pinyin import Candidate, PinyinEngine

DEV = Path(__file__).resolve().parents[3] / "shared" / "testdata" / "ime" / "dev.tsv"

# Issue 23's goal for the dev set (and for the held-out set kept outside the repository).
GOAL_TOP3, GOAL_UNFINISHABLE, GOAL_PICKS = 36, 0, 1.3
# What the engine measures now (docs/media.md, 2026-12-06): the floor a change may not
# go below. Raise these with the figures; the goal test above them says what is left.
NOW_TOP3, NOW_UNFINISHABLE, NOW_PICKS = 32, 2, 1.35


@pytest.fixture(scope="module")
def report() -> Report:
    if not DEV.is_file():
        pytest.skip(f"../shared is absent ({DEV} not found): the pinyin dev set is shared test data")
    return measure(PinyinEngine(), read_set(DEV))


def describe(report: Report) -> str:
    missed = [o.sentence for o in report.outcomes if not o.top3]
    return f"{report.summary()}; not in the top 3: {', '.join(missed)}"


@pytest.mark.xfail(strict=True, reason="issue 23's goal is not reached yet: 32/40 top-3, 2 unfinishable, "
                                       "1.34 picks (docs/media.md says what is missing); strict, so this "
                                       "fails once the goal is met and the marker must go")
def test_dev_set_meets_the_goal(report):
    assert report.top3 >= GOAL_TOP3, describe(report)
    assert len(report.unfinishable) <= GOAL_UNFINISHABLE, describe(report)
    assert report.picks_per_sentence <= GOAL_PICKS, describe(report)


def test_dev_set_keeps_todays_figures(report):
    assert report.top3 >= NOW_TOP3, describe(report)
    assert len(report.unfinishable) <= NOW_UNFINISHABLE, describe(report)
    assert report.picks_per_sentence <= NOW_PICKS, describe(report)


class Scripted:
    """An engine whose bar is given per typed string (to test the protocol itself)."""

    def __init__(self, bars: dict[str, list[Candidate]]):
        self.bars = bars

    def candidates(self, letters: str, limit: int = 9) -> list[Candidate]:
        return self.bars.get(letters, [])[:limit]


def test_protocol_picks_the_longest_fitting_candidate():
    engine = Scripted({
        "ludenghuaile": [Candidate("路等坏了", 12), Candidate("路灯", 6), Candidate("路", 2)],
        "huaile": [Candidate("怀了", 6), Candidate("坏了", 6)],
    })
    o = type_sentence(engine, "ludenghuaile", "路灯坏了")
    assert (o.top3, o.finished, o.picks) == (False, True, ["路灯", "坏了"])
    assert type_sentence(engine, "ludenghuaile", "路灯怀孕").finished is False
    done = measure(Scripted({"wo": [Candidate("我", 2)]}), [("wo", "我")])
    assert (done.top3, done.picks_per_sentence, done.chars_per_pick, done.unfinishable) == (1, 1.0, 1.0, [])


def test_protocol_counts_only_the_first_nine():
    bar = [Candidate(f"字{i}", 2) for i in range(9)] + [Candidate("我", 2)]
    o = type_sentence(Scripted({"wo": bar}), "wo", "我")
    assert not o.finished and not o.top3


def test_set_lines_are_checked(tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("# comment\nwo\t我\nni ni\n", "utf-8")
    with pytest.raises(ValueError, match="line 3"):
        read_set(bad)
