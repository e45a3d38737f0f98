"""The README opens with the two newcomer commands, and CI runs exactly the second."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def first_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```(?:sh|bash)?\n(.*?)```", text, re.S).group(1)
    return [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]


def test_readme_opens_with_demo_and_test_commands():
    cmds = first_commands()
    assert len(cmds) == 2
    assert cmds[0].startswith("bash .ci/setup") and "kiosk demo" in cmds[0]
    assert cmds[1] == "bash .ci/test"


def test_ci_runs_the_readme_test_command_and_fails_on_no_tests():
    run = (ROOT / ".ci" / "run").read_text()
    assert "\n" + first_commands()[1] + "\n" in run
    assert '"$rc" -eq 5' in run  # pytest's "no tests ran" is a failure


def test_setup_lists_every_apt_package_once():
    setup = (ROOT / ".ci" / "setup").read_text()
    block = re.search(r"APT_PACKAGES=\((.*?)\n\)", setup, re.S).group(1)
    pkgs = [line.split("#")[0].split() for line in block.splitlines()]
    flat = [p for line in pkgs for p in line]
    assert len(flat) == len(set(flat)) and "libportaudio2" in flat
