"""The complaint domain's words, with pinyin: what residents write to their representatives.

A general lexicon ranks homophones by general-text frequency, so "fanying" becomes 反应
(reaction) before 反映 (to report), and common function words outweigh a rarer noun
(也是 before 夜市). Words listed here outrank their homophones and get at least the
score of a common word (:func:`score_words`); words the lexicon lacks (坏了) are added.
The list is generic by topic (the categories below, after the 12345-hotline kinds of
complaint), never a fix for one test sentence: the dev set's figures must hold on a
held-out set (docs/media.md). The pinyin is written out, not looked up, because many
of these characters have several readings (了 le/liao, 行 xing/hang, 重 zhong/chong);
tests/media/test_media_ime.py checks every entry against pypinyin's readings.

Format: one entry per line, the word, then its toneless syllables (ü as v); ``#``
starts a category comment.
"""

from __future__ import annotations

import math

WORDS_TEXT = """
# 反映诉求
反映 fan ying
投诉 tou su
建议 jian yi
意见 yi jian
举报 ju bao
诉求 su qiu
求助 qiu zhu
咨询 zi xun
回复 hui fu
答复 da fu
处理 chu li
解决 jie jue
落实 luo shi
整改 zheng gai
督办 du ban
监管 jian guan
执法 zhi fa
相关部门 xiang guan bu men
有关部门 you guan bu men
尽快 jin kuai
及时 ji shi
不及时 bu ji shi
长期 chang qi
多次 duo ci
一直 yi zhi
无人管 wu ren guan
没人管 mei ren guan
没人 mei ren
希望 xi wang
要求 yao qiu
麻烦 ma fan
谢谢 xie xie
代表 dai biao
人大代表 ren da dai biao
政协委员 zheng xie wei yuan
民意 min yi
热线 re xian
# 市政道路
路灯 lu deng
路面 lu mian
马路 ma lu
道路 dao lu
街道 jie dao
人行道 ren xing dao
盲道 mang dao
斑马线 ban ma xian
红绿灯 hong lv deng
信号灯 xin hao deng
路口 lu kou
十字路口 shi zi lu kou
井盖 jing gai
下水道 xia shui dao
排水 pai shui
排水沟 pai shui gou
堵塞 du se
积水 ji shui
护栏 hu lan
隔离栏 ge li lan
围栏 wei lan
围挡 wei dang
台阶 tai jie
坡道 po dao
无障碍 wu zhang ai
无障碍通道 wu zhang ai tong dao
路牌 lu pai
指示牌 zhi shi pai
减速带 jian su dai
坑洼 keng wa
坑坑洼洼 keng keng wa wa
破损 po sun
塌陷 ta xian
裂缝 lie feng
损坏 sun huai
坏了 huai le
修复 xiu fu
维修 wei xiu
修理 xiu li
翻新 fan xin
改造 gai zao
硬化 ying hua
拓宽 tuo kuan
施工 shi gong
工地 gong di
占道 zhan dao
挖路 wa lu
# 环境卫生
垃圾 la ji
垃圾桶 la ji tong
垃圾站 la ji zhan
垃圾房 la ji fang
垃圾分类 la ji fen lei
垃圾清运 la ji qing yun
清运 qing yun
清理 qing li
清扫 qing sao
保洁 bao jie
环卫 huan wei
乱扔 luan reng
乱倒 luan dao
乱堆 luan dui
堆放 dui fang
杂物 za wu
建筑垃圾 jian zhu la ji
装修垃圾 zhuang xiu la ji
臭味 chou wei
异味 yi wei
发臭 fa chou
恶臭 e chou
污水 wu shui
排污 pai wu
污染 wu ran
偷排 tou pai
油烟 you yan
扬尘 yang chen
粉尘 fen chen
焚烧 fen shao
噪音 zao yin
噪声 zao sheng
扰民 rao min
蚊虫 wen chong
老鼠 lao shu
蟑螂 zhang lang
流浪狗 liu lang gou
流浪猫 liu lang mao
遛狗 liu gou
牵绳 qian sheng
狗屎 gou shi
宠物 chong wu
广场舞 guang chang wu
音响 yin xiang
绿化 lv hua
绿化带 lv hua dai
草坪 cao ping
树木 shu mu
修剪 xiu jian
树枝 shu zhi
砍伐 kan fa
公厕 gong ce
公共厕所 gong gong ce suo
河道 he dao
河边 he bian
水质 shui zhi
黑臭 hei chou
# 交通出行
公交 gong jiao
公交车 gong jiao che
公交站 gong jiao zhan
公交站台 gong jiao zhan tai
站台 zhan tai
公交线路 gong jiao xian lu
线路 xian lu
班次 ban ci
末班车 mo ban che
首班车 shou ban che
地铁 di tie
地铁站 di tie zhan
出租车 chu zu che
网约车 wang yue che
停车 ting che
停车位 ting che wei
停车场 ting che chang
停车难 ting che nan
乱停 luan ting
乱停车 luan ting che
乱停乱放 luan ting luan fang
违停 wei ting
共享单车 gong xiang dan che
电动车 dian dong che
电瓶车 dian ping che
充电 chong dian
充电桩 chong dian zhuang
飞线充电 fei xian chong dian
拥堵 yong du
堵车 du che
交通 jiao tong
过马路 guo ma lu
渣土车 zha tu che
货车 huo che
大货车 da huo che
鸣笛 ming di
超速 chao su
限速 xian su
接送 jie song
学生 xue sheng
上学 shang xue
放学 fang xue
# 物业住房
物业 wu ye
物业费 wu ye fei
物业公司 wu ye gong si
物业管理 wu ye guan li
业主 ye zhu
业委会 ye wei hui
小区 xiao qu
老旧小区 lao jiu xiao qu
社区 she qu
居委会 ju wei hui
村委会 cun wei hui
村民 cun min
居民 ju min
居民楼 ju min lou
楼道 lou dao
楼道灯 lou dao deng
单元门 dan yuan men
门禁 men jin
电梯 dian ti
加装电梯 jia zhuang dian ti
故障 gu zhang
停运 ting yun
监控 jian kong
摄像头 she xiang tou
消防 xiao fang
消防通道 xiao fang tong dao
消防栓 xiao fang shuan
灭火器 mie huo qi
违建 wei jian
违章 wei zhang
违章建筑 wei zhang jian zhu
私搭乱建 si da luan jian
漏水 lou shui
渗水 shen shui
外墙 wai qiang
墙皮 qiang pi
脱落 tuo luo
屋顶 wu ding
防水 fang shui
供暖 gong nuan
暖气 nuan qi
暖气片 nuan qi pian
不热 bu re
停水 ting shui
停电 ting dian
断电 duan dian
水压 shui ya
自来水 zi lai shui
燃气 ran qi
天然气 tian ran qi
水管 shui guan
管道 guan dao
老化 lao hua
更换 geng huan
装修 zhuang xiu
租户 zu hu
群租房 qun zu fang
房东 fang dong
车库 che ku
地下车库 di xia che ku
快递 kuai di
外卖 wai mai
# 民生服务
低保 di bao
医保 yi bao
社保 she bao
养老 yang lao
养老金 yang lao jin
养老院 yang lao yuan
养老服务 yang lao fu wu
老年人 lao nian ren
老人 lao ren
空巢老人 kong chao lao ren
残疾人 can ji ren
困难户 kun nan hu
补贴 bu tie
补助 bu zhu
救助 jiu zhu
看病 kan bing
挂号 gua hao
排队 pai dui
医院 yi yuan
社区医院 she qu yi yuan
卫生院 wei sheng yuan
卫生服务中心 wei sheng fu wu zhong xin
药店 yao dian
学校 xue xiao
幼儿园 you er yuan
托儿所 tuo er suo
学位 xue wei
食堂 shi tang
老年食堂 lao nian shi tang
菜市场 cai shi chang
农贸市场 nong mao shi chang
超市 chao shi
商场 shang chang
价格 jia ge
收费 shou fei
乱收费 luan shou fei
收费标准 shou fei biao zhun
食品 shi pin
食品安全 shi pin an quan
过期 guo qi
摊贩 tan fan
小摊 xiao tan
流动摊贩 liu dong tan fan
早市 zao shi
城管 cheng guan
拆迁 chai qian
补偿 bu chang
安置 an zhi
拖欠 tuo qian
工资 gong zi
农民工 nong min gong
就业 jiu ye
健身 jian shen
健身器材 jian shen qi cai
公园 gong yuan
广场 guang chang
文化 wen hua
活动室 huo dong shi
手续 shou xu
申请 shen qing
办理 ban li
审批 shen pi
证明 zheng ming
窗口 chuang kou
网上办理 wang shang ban li
# 安全
安全 an quan
隐患 yin huan
安全隐患 an quan yin huan
危险 wei xian
高空抛物 gao kong pao wu
坠物 zhui wu
广告牌 guang gao pai
电线 dian xian
电线杆 dian xian gan
电线老化 dian xian lao hua
火灾 huo zai
漏电 lou dian
结冰 jie bing
路滑 lu hua
防护栏 fang hu lan
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


BOOST = math.log(1.5)   # a domain word scores this much above its best homophone
FLOOR = -10.0           # … and at least this: ln(2,700 / 60 M), a common word in jieba's counts


def score_words(words, lexicon):
    """A :class:`kiosk.ime.lexicon.WordTable` of *words* (``(word, syllables)``), each
    scored max(its own lexicon score, best homophone + :data:`BOOST`, :data:`FLOOR` +
    the character bigram inside it), so a domain word wins its homophones and is not
    outweighed by a split into frequent characters. Words of more than 7 syllables are
    left out (the lexicon's key holds 7); a syllable that does not exist raises
    ValueError naming the word."""
    from kiosk.ime.build import INNER_WEIGHT, inner
    from kiosk.ime.lexicon import MAX_SYLLABLES, WordTable, encode
    from kiosk.ime.syllables import SYLLABLE_IDS, canonical

    entries = []
    for word, syllables in words:
        if not 0 < len(syllables) <= MAX_SYLLABLES:
            continue
        unknown = [s for s in syllables if canonical(s) not in SYLLABLE_IDS]
        if unknown:
            raise ValueError(f"word {word!r}: {', '.join(unknown)} is not a Mandarin syllable")
        key = encode(SYLLABLE_IDS[canonical(s)] for s in syllables)
        found = lexicon.words.lookup(key, len(syllables) - 1)
        scores = {lexicon.words.word(i): lexicon.words.scores[i] for i in reversed(found)}
        best = max(scores.values(), default=-math.inf)
        score = max(scores.get(word, -math.inf), best + BOOST, FLOOR + INNER_WEIGHT * inner(word, lexicon.bigram))
        entries.append((key, score, word))
    return WordTable.from_entries(entries)

