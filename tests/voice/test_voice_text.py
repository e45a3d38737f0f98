"""Chinese post-processing of Vosk output: spaces go between Chinese words, stay between Latin."""

import pytest

from kiosk.voice.text import is_cjk, join, tidy


@pytest.mark.parametrize("raw, expected", [
    ("我 想 反映 路灯 坏了", "我想反映路灯坏了"),
    ("  我们  小区 \t 的 路灯 ", "我们小区的路灯"),
    ("hello world", "hello world"),
    ("wi fi 密码", "wi fi密码"),
    ("用 iphone 拍 的", "用iphone拍的"),
    ("三 号 楼 2 单元", "三号楼2单元"),
    ("路灯 ， 坏了 。", "路灯，坏了。"),           # full-width punctuation is glued too
    ("안녕하세요 감사합니다", "안녕하세요 감사합니다"),  # Korean keeps its spaces
    ("[unk] 路灯 [unk] 坏了", "路灯坏了"),            # grammar catch-all dropped
    ("", ""),
    ("   ", ""),
])
def test_tidy(raw, expected):
    assert tidy(raw) == expected


def test_join_segments():
    assert join(["我 想 反映", "路灯 坏了"]) == "我想反映路灯坏了"
    assert join(["hello", "world"]) == "hello world"
    assert join(["안녕하세요", "", "감사합니다"]) == "안녕하세요 감사합니다"
    assert join([]) == ""


def test_is_cjk():
    assert is_cjk("路") and is_cjk("，") and is_cjk("。")
    assert not is_cjk("a") and not is_cjk("안") and not is_cjk("1")
