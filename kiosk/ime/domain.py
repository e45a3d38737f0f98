"""A small word list for residents' complaints and suggestions, with pinyin.

Pinyin2Hanzi ranks homophones by general-text frequency, so "fanying" becomes 反应
(reaction) before 反映 (to report), and "huaile" 怀了 (pregnant) before 坏了 (broken).
Words that residents write to their representatives are listed here; the engine puts
them ahead of their homophones and adds those the library lacks. The pinyin is written
out (not looked up) because many of these characters have several readings (了 le/liao,
行 xing/hang, 重 zhong/chong); tests/media/test_media_ime.py checks every entry against
the library's character data so a typo cannot slip in.

Format: one entry per line, the word, then its toneless syllables (ü as v).
"""

from __future__ import annotations

WORDS_TEXT = """
反映 fan ying
投诉 tou su
建议 jian yi
意见 yi jian
举报 ju bao
解决 jie jue
处理 chu li
维修 wei xiu
修理 xiu li
坏了 huai le
损坏 sun huai
路灯 lu deng
路面 lu mian
马路 ma lu
道路 dao lu
人行道 ren xing dao
红绿灯 hong lv deng
井盖 jing gai
下水道 xia shui dao
堵塞 du se
积水 ji shui
漏水 lou shui
停水 ting shui
停电 ting dian
供暖 gong nuan
暖气 nuan qi
电梯 dian ti
楼道 lou dao
垃圾 la ji
垃圾桶 la ji tong
垃圾分类 la ji fen lei
乱扔 luan reng
臭味 chou wei
油烟 you yan
污水 wu shui
噪音 zao yin
噪声 zao sheng
扰民 rao min
施工 shi gong
广场舞 guang chang wu
物业 wu ye
物业费 wu ye fei
业主 ye zhu
小区 xiao qu
社区 she qu
居委会 ju wei hui
村委会 cun wei hui
街道 jie dao
停车 ting che
停车位 ting che wei
停车场 ting che chang
乱停 luan ting
乱停车 luan ting che
占道 zhan dao
充电桩 chong dian zhuang
公交 gong jiao
公交车 gong jiao che
绿化 lv hua
违建 wei jian
违章 wei zhang
隐患 yin huan
安全 an quan
消防通道 xiao fang tong dao
拆迁 chai qian
补偿 bu chang
低保 di bao
医保 yi bao
养老 yang lao
养老金 yang lao jin
老年人 lao nian ren
残疾人 can ji ren
看病 kan bing
拖欠 tuo qian
工资 gong zi
农民工 nong min gong
学校 xue xiao
上学 shang xue
幼儿园 you er yuan
人大代表 ren da dai biao
代表 dai biao
希望 xi wang
谢谢 xie xie
麻烦 ma fan
"""


def domain_words(text: str = WORDS_TEXT) -> list[tuple[str, tuple[str, ...]]]:
    """Parse the word list: ``[(word, syllables), …]`` in file order.

    Raises ValueError naming the line when the number of syllables does not match the
    number of characters.
    """
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word, *syllables = line.split()
        if len(syllables) != len(word):
            raise ValueError(f"domain word line {n}: {word!r} has {len(word)} characters "
                             f"but {len(syllables)} syllables")
        out.append((word, tuple(syllables)))
    return out
