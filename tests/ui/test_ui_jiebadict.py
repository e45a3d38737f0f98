"""The line breaker's dictionary read from its cache file (kiosk/app/jiebadict.py) cuts
text into exactly jieba's words, and the app never loads jieba's whole dictionary."""

from __future__ import annotations

import json

import jieba

from kiosk.app import i18n, jiebadict, linebreak

RESIDENT_TEXT = ("我家楼下的路灯坏了三个月，晚上老人出门很不方便，希望尽快修好。"
                 "另外小区门口的垃圾桶经常满出来，夏天味道很大。联系电话13800138000，"
                 "张先生 2026年12月1日 WiFi密码 iPhone15 3.5公里")


def _catalog_texts() -> list[str]:
    table = linebreak.t2s_table()
    texts = [s for lang in ("zh-CN", "zh-TW") for s in i18n.catalog(lang).values()]
    return texts + [s.translate(table) for s in texts] + [RESIDENT_TEXT]


def test_cached_dictionary_cuts_every_catalog_text_as_jieba_does():
    tk = jiebadict.tokenizer()
    assert isinstance(tk.FREQ, jiebadict.GroupedFreq), "the cache was not used: nothing compared"
    texts = _catalog_texts()
    ours = [tk.lcut(s) for s in texts]
    assert not jieba.dt.initialized, "the app loaded jieba's whole dictionary"
    stock = jieba.Tokenizer()
    stock.initialize()
    assert tk.total == stock.total
    differ = [(s, a, b) for s, a, b in zip(texts, ours, (stock.lcut(s) for s in texts)) if a != b]
    assert not differ, differ[:5]


def test_a_stale_or_broken_file_is_not_used(tmp_path):
    path = tmp_path / "jieba.bin"
    assert jiebadict.open_freq(path) is None                 # missing
    jiebadict.build(path)
    freq, total = jiebadict.open_freq(path)
    full, full_total = jieba.Tokenizer.gen_pfdict(jieba.Tokenizer().get_dict_file())
    assert total == full_total
    for word in ("路灯", "路", "中华人民共和", "中华人民共和国"):   # words, and a prefix (0)
        assert word in freq and freq[word] == freq.get(word) == full[word], word
    assert "路灯坏" not in freq and freq.get("路灯坏") is None
    good = path.read_bytes()
    magic, header, payload = good.split(b"\n", 2)
    other = json.dumps({**json.loads(header), "fingerprint": "another build"}).encode()
    for name, bad in (("another version's file", b"\n".join([magic, other, payload])),
                      ("truncated", good[:-10]),
                      ("corrupt", good[:-10] + bytes(b ^ 1 for b in good[-10:]))):
        path.write_bytes(bad)
        assert jiebadict.open_freq(path) is None, name
    path.write_bytes(good)
    assert jiebadict.open_freq(path) is not None


def test_an_unwritable_cache_dir_falls_back_to_jieba_loading_its_own(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert jiebadict.load(blocker / "linebreak" / "jieba.bin") is None
