"""How well an engine types whole sentences: the project's pinyin measuring protocol.

The protocol is the one in ``../shared/testdata/ime/README.md`` (the dev set's README;
docs/media.md quotes the figures): for each ``letters<TAB>sentence`` line, type all
the letters, then

1. top-3: is the whole sentence among the first 3 candidates?
2. picks: repeatedly pick the longest shown candidate (of the 9 on the bar) that
   continues the sentence; count picks per sentence, characters per pick, and the
   sentences that cannot be finished (no shown candidate continues them).

Run on any set of the same format: ``python -m kiosk.ime.measure FILE.tsv [--fuzzy]``
(the held-out set kept outside the repository is measured the same way).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path

BAR = 9    # candidates shown on the bar (README: "of the 9 on the bar")
TOP = 3    # the whole sentence must be among the first 3


@dataclass
class Outcome:
    """One sentence: whether it was in the top 3, the picks made, what was left."""

    letters: str
    sentence: str
    top3: bool
    picks: list[str] = field(default_factory=list)
    finished: bool = True


@dataclass
class Report:
    """The figures over a set of sentences (see the module docstring)."""

    outcomes: list[Outcome]

    @property
    def top3(self) -> int:
        """Sentences whose whole text was among the first 3 candidates."""
        return sum(o.top3 for o in self.outcomes)

    @property
    def unfinishable(self) -> list[Outcome]:
        """Sentences that no sequence of longest shown picks could finish."""
        return [o for o in self.outcomes if not o.finished]

    @property
    def picks_per_sentence(self) -> float:
        """Mean picks per sentence, over the finished sentences."""
        done = [o for o in self.outcomes if o.finished]
        return sum(len(o.picks) for o in done) / max(1, len(done))

    @property
    def chars_per_pick(self) -> float:
        """Characters entered per pick, over the finished sentences."""
        done = [o for o in self.outcomes if o.finished]
        return sum(len(o.sentence) for o in done) / max(1, sum(len(o.picks) for o in done))

    def summary(self) -> str:
        """One line: top-3, unfinishable, picks per sentence, characters per pick."""
        n = len(self.outcomes)
        return (f"top-3 {self.top3}/{n}, unfinishable {len(self.unfinishable)}, "
                f"{self.picks_per_sentence:.2f} picks/sentence, {self.chars_per_pick:.2f} chars/pick")


def read_set(path: Path) -> list[tuple[str, str]]:
    """``letters<TAB>sentence`` lines → pairs (blank lines and ``#`` comments skipped)."""
    pairs = []
    for n, line in enumerate(Path(path).read_text("utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        letters, sep, sentence = line.partition("\t")
        if not sep or not letters or not sentence:
            raise ValueError(f"{path} line {n}: expected letters<TAB>sentence, got {line!r}")
        pairs.append((letters.strip(), sentence.strip()))
    return pairs


def type_sentence(engine, letters: str, sentence: str) -> Outcome:
    """Type *letters* into *engine* and pick per the protocol until *sentence* is done."""
    shown = engine.candidates(letters, limit=BAR)
    outcome = Outcome(letters, sentence, top3=sentence in [c.text for c in shown[:TOP]])
    done, left = "", letters
    while left:
        fits = [c for c in shown if sentence.startswith(done + c.text)]
        if not fits:
            outcome.finished = False
            break
        pick = max(fits, key=lambda c: len(c.text))   # first of the longest: bar order
        outcome.picks.append(pick.text)
        done, left = done + pick.text, left[pick.consumed:]
        shown = engine.candidates(left, limit=BAR) if left else []
    if done != sentence:
        outcome.finished = False
    return outcome


def measure(engine, pairs: list[tuple[str, str]]) -> Report:
    """The protocol over every ``(letters, sentence)`` pair."""
    return Report([type_sentence(engine, letters, sentence) for letters, sentence in pairs])


def main(argv: list[str] | None = None) -> int:
    """Print the figures for a set, then the sentences that missed the top 3."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("tsv", type=Path, help="letters<TAB>sentence lines")
    ap.add_argument("--fuzzy", action="store_true", help="the engine with fuzzy pinyin on")
    args = ap.parse_args(argv)
    from kiosk.ime.pinyin import PinyinEngine

    engine = PinyinEngine(fuzzy=args.fuzzy)
    report = measure(engine, read_set(args.tsv))
    print(report.summary())
    for o in report.outcomes:
        if not o.top3 or not o.finished:
            top = [c.text for c in engine.candidates(o.letters, limit=TOP)]
            state = "picks " + "|".join(o.picks) + ("" if o.finished else "  UNFINISHABLE")
            print(f"  {o.sentence}: top {top}; {state}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
