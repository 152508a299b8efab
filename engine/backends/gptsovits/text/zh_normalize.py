"""Chinese text normalisation: numbers, dates, times, units and punctuation → readable hanzi.

The result contains only CJK ideographs and the v2 punctuation phones (``, . ! ? … -``), like upstream
GPT-SoVITS's ``chinese2.text_normalize`` (whose rules come from PaddleSpeech's ``zh_normalization``).
The rules here are our own and cover the common cases:

* dates ``2024年3月5日``, ``2024-03-05``, ``2024/3/5`` (years read digit by digit), times ``14:30(:05)``
  (``:30`` → 半); a colon that is not a time is dropped, as upstream (``3:2`` → 三二);
* percentages ``50%``, fractions ``3/4``, ranges ``3-5`` / ``3~5`` (→ 到), temperatures ``-3.5℃``;
* units after numbers (``km kg cm mm m g ml l kb mb gb tb s min h hz db``);
* phone numbers (11-digit, 1 read 幺); other integers of three or more digits that are not followed by a measure
  word read digit by digit with 幺, as upstream ("只要199" → 幺九九); long digit runs (> 9 digits) one by one;
* ordinary integers and decimals (``1024`` → 一千零二十四, ``3.14`` → 三点一四), signs;
* full-width letters/digits folded to ASCII first; punctuation mapped to the v2 set; repeated
  punctuation collapsed (upstream does this to avoid reference leakage).
"""

from __future__ import annotations

import re
import unicodedata

from .zh_numbers import cardinal, decimal, digits

PUNCTUATION = ("!", "?", "…", ",", ".", "-")

_PUNCT_MAP = {
    "：": ",", "；": ",", "，": ",", "。": ".", "！": "!", "？": "?", "\n": ".", "·": ",", "、": ",",
    "...": "…", "$": ".", "/": ",", "—": "-", "~": "…", "～": "…",  # ASCII ":" ";" are not mapped: upstream drops them
}

_UNITS = {
    "km": "千米", "kg": "千克", "cm": "厘米", "mm": "毫米", "m": "米", "g": "克", "mg": "毫克",
    "ml": "毫升", "l": "升", "kb": "千字节", "mb": "兆字节", "gb": "吉字节", "tb": "太字节",
    "s": "秒", "min": "分钟", "h": "小时", "hz": "赫兹", "khz": "千赫兹", "db": "分贝", "kw": "千瓦",
    "w": "瓦", "v": "伏", "t": "吨",
}

_DATE_YMD = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?")
_DATE_Y = re.compile(r"(\d{2,4})年")
_DATE_MD = re.compile(r"(\d{1,2})月(\d{1,2})[日号]")
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")
_PHONE = re.compile(r"(?<!\d)(1[3-9]\d{9})(?!\d)")
_TEMP = re.compile(r"(-?\d+(?:\.\d+)?)\s*(?:℃|°C)")
_PERCENT = re.compile(r"(-?\d+(?:\.\d+)?)\s*[%％]")
_FRACTION = re.compile(r"(?<![\d/])(\d+)/(\d+)(?![\d/])")
_RANGE = re.compile(r"(\d+(?:\.\d+)?)\s*[-~～—]\s*(\d+(?:\.\d+)?)")
_UNIT = re.compile(r"(\d+(?:\.\d+)?)\s*(" + "|".join(sorted(_UNITS, key=len, reverse=True)) + r")(?![a-z])", re.I)
_LONG_DIGITS = re.compile(r"\d{10,}")
# Measure words and units after which a number is a quantity (read as a cardinal). Upstream (PaddleSpeech's
# normaliser) reads any other integer of three or more digits digit by digit, with 一 as 幺 ("只要199" →
# 幺九九, "房间305" → 三零五); this list is ours (the common measure words), not upstream's table.
_MEASURE_WORDS = sorted(set(
    "个 位 名 人 口 只 头 匹 条 尾 张 本 册 页 篇 首 句 字 行 段 章 节 部 集 场 次 回 趟 遍 下 顿 餐 件 套 双 对 副 "
    "把 支 枝 根 棵 株 朵 片 块 颗 粒 滴 杯 碗 盘 瓶 罐 箱 包 袋 盒 桶 壶 台 辆 架 艘 列 座 栋 幢 间 层 楼 户 家 所 "
    "处 道 门 项 种 类 样 份 批 群 组 队 班 届 期 号 元 角 分 毛 钱 圆 美元 欧元 英镑 日元 港元 韩元 卢布 亿 万 千 "
    "百 年 月 日 天 周 星期 小时 钟头 分钟 秒 毫秒 岁 度 倍 成 米 公里 千米 厘米 毫米 里 公斤 千克 克 毫克 斤 两 "
    "吨 升 毫升 亩 公顷 平方 立方 平米 瓦 千瓦 伏 赫兹 码 磅 盎司 英尺 英寸 英里 海里 点 人次 票 分贝 字节 兆 "
    "像素 帧 例 起 宗 笔 单 圈 步 声 眼 拳 脚 刀 枪 发 轮 局 盘 关 级 段 排 卷 桌 床 辆 班次 架次 所 家次 斤".split()),
    key=len, reverse=True)
_DEFAULT_NUMBER = re.compile(r"(?<![\d.])(\d{3,})(?![\d.])(?![多余几+]?(?:" + "|".join(_MEASURE_WORDS) + "))")
_NUMBER = re.compile(r"(?<![\d.])(-?)(\d+(?:\.\d+)?)")


def _fold_width(text: str) -> str:
    out = []
    for ch in text:
        code = ord(ch)
        if 0xFF10 <= code <= 0xFF19 or 0xFF21 <= code <= 0xFF3A or 0xFF41 <= code <= 0xFF5A:
            ch = unicodedata.normalize("NFKC", ch)
        out.append(ch)
    return "".join(out)


def _number_words(text: str) -> str:
    def date_ymd(m: re.Match) -> str:
        return f"{digits(m.group(1))}年{cardinal(int(m.group(2)))}月{cardinal(int(m.group(3)))}日"

    def time(m: re.Match) -> str:
        h, mi, s = int(m.group(1)), int(m.group(2)), m.group(3)
        out = f"{cardinal(h)}点"
        if mi == 30 and (s is None or not int(s)):
            return out + "半"
        if mi:
            out += f"{cardinal(mi)}分" if mi >= 10 else f"零{cardinal(mi)}分"
        if s is not None and int(s):
            out += f"{cardinal(int(s))}秒"
        return out

    text = _DATE_YMD.sub(date_ymd, text)
    text = _DATE_Y.sub(lambda m: digits(m.group(1)) + "年", text)
    text = _DATE_MD.sub(lambda m: f"{cardinal(int(m.group(1)))}月{cardinal(int(m.group(2)))}日", text)
    text = _TIME.sub(time, text)
    text = _PHONE.sub(lambda m: digits(m.group(1)).replace("一", "幺"), text)
    text = _TEMP.sub(lambda m: ("零下" + decimal(m.group(1)[1:]) if m.group(1).startswith("-") else decimal(m.group(1))) + "度", text)
    text = _PERCENT.sub(lambda m: "百分之" + decimal(m.group(1)), text)
    text = _FRACTION.sub(lambda m: f"{cardinal(int(m.group(2)))}分之{cardinal(int(m.group(1)))}", text)
    text = _RANGE.sub(lambda m: f"{decimal(m.group(1))}到{decimal(m.group(2))}", text)
    text = _UNIT.sub(lambda m: decimal(m.group(1)) + _UNITS[m.group(2).lower()], text)
    text = _DEFAULT_NUMBER.sub(lambda m: digits(m.group(1)).replace("一", "幺"), text)
    text = _LONG_DIGITS.sub(lambda m: digits(m.group(0)), text)
    text = _NUMBER.sub(lambda m: decimal(m.group(1) + m.group(2)), text)
    return text


def replace_punctuation(text: str) -> str:
    """Map punctuation to the v2 set and drop everything that is neither a CJK ideograph nor v2 punctuation."""
    text = text.replace("嗯", "恩").replace("呣", "母")
    pattern = re.compile("|".join(re.escape(p) for p in sorted(_PUNCT_MAP, key=len, reverse=True)))
    text = pattern.sub(lambda m: _PUNCT_MAP[m.group(0)], text)
    return re.sub(r"[^\u4e00-\u9fa5" + re.escape("".join(PUNCTUATION)) + r"]+", "", text)


def collapse_punctuation(text: str) -> str:
    p = re.escape("".join(PUNCTUATION))
    return re.sub(f"([{p}])([{p}])+", r"\1", text)


def normalize(text: str) -> str:
    """Chinese text → hanzi + v2 punctuation only (one character per BERT token / word2ph entry)."""
    text = _fold_width(text)
    text = _number_words(text)
    text = replace_punctuation(text)
    return collapse_punctuation(text)
