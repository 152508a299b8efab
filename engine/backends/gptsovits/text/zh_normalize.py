"""Chinese text normalisation: numbers, dates, times, units and punctuation → readable hanzi.

The result contains only CJK ideographs and the v2 punctuation phones (``, . ! ? … -``), like upstream
GPT-SoVITS's ``chinese2.text_normalize`` (whose rules come from PaddleSpeech's ``zh_normalization``).
The rules here are our own and cover the common cases:

* dates ``2024年3月5日``, ``2024-03-05``, ``2024/3/5`` (years read digit by digit), times ``14:30(:05)``
  (``:30`` → 半), scores/ratios ``3:2`` → 三比二;
* percentages ``50%``, fractions ``3/4``, ranges ``3-5`` / ``3~5`` (→ 到), temperatures ``-3.5℃``;
* units after numbers (``km kg cm mm m g ml l kb mb gb tb s min h hz db``);
* phone numbers (11-digit, 1 read 幺), other long digit runs (> 9 digits) read one by one;
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
    "...": "…", "$": ".", "/": ",", "—": "-", "~": "…", "～": "…", ":": ",", ";": ",",
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
_RATIO = re.compile(r"(?<![\d:])(\d+):(\d)(?![\d:])")  # a score or ratio like 3:2 (times have 2-digit minutes)
_PHONE = re.compile(r"(?<!\d)(1[3-9]\d{9})(?!\d)")
_TEMP = re.compile(r"(-?\d+(?:\.\d+)?)\s*(?:℃|°C)")
_PERCENT = re.compile(r"(-?\d+(?:\.\d+)?)\s*[%％]")
_FRACTION = re.compile(r"(?<![\d/])(\d+)/(\d+)(?![\d/])")
_RANGE = re.compile(r"(\d+(?:\.\d+)?)\s*[-~～—]\s*(\d+(?:\.\d+)?)")
_UNIT = re.compile(r"(\d+(?:\.\d+)?)\s*(" + "|".join(sorted(_UNITS, key=len, reverse=True)) + r")(?![a-z])", re.I)
_LONG_DIGITS = re.compile(r"\d{10,}")
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
    text = _RATIO.sub(lambda m: f"{cardinal(int(m.group(1)))}比{cardinal(int(m.group(2)))}", text)
    text = _PERCENT.sub(lambda m: "百分之" + decimal(m.group(1)), text)
    text = _FRACTION.sub(lambda m: f"{cardinal(int(m.group(2)))}分之{cardinal(int(m.group(1)))}", text)
    text = _RANGE.sub(lambda m: f"{decimal(m.group(1))}到{decimal(m.group(2))}", text)
    text = _UNIT.sub(lambda m: decimal(m.group(1)) + _UNITS[m.group(2).lower()], text)
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
