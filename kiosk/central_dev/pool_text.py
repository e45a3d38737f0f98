"""The recurring problems of the data pool (民意数据池): keywords from residents' text,
cut into words with jieba, stop words removed, counted across stations; and items that
share their most recurrent keyword grouped as one problem (docs/centre.md, "Data pool").

Pure Python on rows already read (kiosk/central_dev/pool.py reads them): one item counts
once per keyword however often it repeats the word, so a long text weighs no more than a
short one.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass

#: Words that say nothing about the problem: function words, politeness, and the words
#: every message to a representative uses (问题, 希望, 反映 …). Single characters are
#: dropped anyway (see :func:`keywords_of`).
STOP_WORDS = frozenset("""
的 了 是 在 我 有 和 就 不 人 都 一 一个 上 也 很 到 说 要 去 你 会 着 没有 看 好 自己 这 那
我们 你们 他们 她们 它们 大家 咱们 这个 那个 这些 那些 这里 那里 这样 那样 这么 那么 怎么 怎样
什么 为什么 因为 所以 但是 可是 而且 并且 或者 还是 如果 虽然 然后 已经 一直 现在 目前 时候
非常 特别 比较 真的 实在 确实 总是 经常 每天 天天 一些 一下 有点 有些 还有 以及 关于 对于
希望 建议 反映 请求 要求 能否 能不能 可以 可能 应该 需要 必须 是否 是不是 麻烦 谢谢 感谢 您好
你好 领导 同志 代表 问题 情况 事情 解决 处理 尽快 及时 马上 相关 部门 有关 方面 工作 进行
的话 之后 以后 以前 之前 今天 昨天 明天 一样 很多 太多 不是 不能 没法 没人 出现 发现 存在
the a an and or of to in on at is are was be it this that for with not no please
""".split())

#: Words of residents' matters jieba's general dictionary cuts wrongly ("路灯不亮" ->
#: 路 / 灯不亮); added to our own tokenizer with a high frequency so they stay whole.
DOMAIN_WORDS = ("路灯", "井盖", "垃圾桶", "垃圾", "停车位", "停车", "噪音", "扰民", "漏水", "积水",
                "物业", "公交", "电梯", "违建", "占道", "充电桩", "路面", "绿化", "下水道", "化粪池",
                "消防通道", "外卖", "广场舞", "养老", "医保", "社保", "低保", "学区", "供暖", "燃气")
DOMAIN_FREQ = 50_000

#: A keyword is at least two characters and has a letter or a CJK character in it.
_WORDLIKE = re.compile(r"[\w\u4e00-\u9fff]*[A-Za-z\u4e00-\u9fff][\w\u4e00-\u9fff]*")

_tokenizer = None
_lock = threading.Lock()


def tokenizer():
    """The pool's own jieba tokenizer (built once, about a second; shared by threads)."""
    global _tokenizer
    with _lock:
        if _tokenizer is None:
            import jieba
            # jieba narrates its dictionary loading at DEBUG/INFO on stderr.
            jieba.setLogLevel(logging.WARNING)
            tok = jieba.Tokenizer()
            for word in DOMAIN_WORDS:
                tok.add_word(word, DOMAIN_FREQ)
            _tokenizer = tok
    return _tokenizer


def keywords_of(text: str) -> list[str]:
    """The distinct keywords of *text*, in the order they first appear."""
    seen: dict[str, None] = {}
    for word in tokenizer().lcut(text or ""):
        word = word.strip().lower()
        if len(word) >= 2 and word not in STOP_WORDS and _WORDLIKE.fullmatch(word):
            seen.setdefault(word, None)
    return list(seen)


@dataclass(frozen=True)
class TextItem:
    """One item's text as the pool reads it."""

    code: str
    station: str
    text: str


@dataclass(frozen=True)
class Keyword:
    """A keyword and in how many items and stations it occurs."""

    keyword: str
    count: int
    stations: int


@dataclass(frozen=True)
class Group:
    """Items whose most recurrent keyword is the same: one recurring problem."""

    keyword: str
    keywords: tuple[str, ...]  # the words most of the group's items share, the group's own first
    items: int
    stations: int
    codes: tuple[str, ...]  # a few of its items' tracking codes


def count_keywords(items: list[TextItem], top: int = 50) -> tuple[list[Keyword], dict[str, list[str]]]:
    """The *top* keywords by items (then by stations), and each item's keywords by code."""
    counts: Counter[str] = Counter()
    stations: dict[str, set[str]] = defaultdict(set)
    per_item: dict[str, list[str]] = {}
    for it in items:
        words = keywords_of(it.text)
        per_item[it.code] = words
        counts.update(words)
        for w in words:
            stations[w].add(it.station)
    ranked = sorted(counts, key=lambda w: (-counts[w], -len(stations[w]), w))
    return [Keyword(w, counts[w], len(stations[w])) for w in ranked[:top]], per_item


def group_items(items: list[TextItem], per_item: dict[str, list[str]], *, top: int = 30,
                sample: int = 3) -> list[Group]:
    """Group items by their most recurrent keyword (the one most items share; ties by
    the word). Only keywords in two items or more make a group."""
    counts = Counter(w for words in per_item.values() for w in words)
    members: dict[str, list[TextItem]] = defaultdict(list)
    for it in items:
        recurring = [w for w in per_item.get(it.code, ()) if counts[w] >= 2]
        if recurring:
            members[min(recurring, key=lambda w: (-counts[w], w))].append(it)
    groups = []
    for word, its in members.items():
        if len(its) < 2:
            continue
        shared = Counter(w for it in its for w in per_item[it.code] if w != word)
        common = [w for w, n in sorted(shared.items(), key=lambda kv: (-kv[1], kv[0])) if n >= 2][:3]
        groups.append(Group(word, (word, *common), len(its), len({it.station for it in its}),
                            tuple(it.code for it in its[:sample])))
    groups.sort(key=lambda g: (-g.items, -g.stations, g.keyword))
    return groups[:top]
