"""Reading numbers aloud in Mandarin: integers, decimals, digit strings.

``cardinal(1024) == "一千零二十四"``; ``digits("2024") == "二零二四"``;
``decimal("3.14") == "三点一四"``. Used by :mod:`.zh_normalize`.
"""

from __future__ import annotations

DIGITS = "零一二三四五六七八九"
_SMALL_UNITS = ["", "十", "百", "千"]
_BIG_UNITS = ["", "万", "亿", "万亿", "亿亿"]


def _four(n: int) -> str:
    """0 < n < 10000 → reading without leading 零."""
    out = []
    zero = False
    for pos in range(3, -1, -1):
        d = (n // 10 ** pos) % 10
        if d == 0:
            if out:
                zero = True
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(DIGITS[d] + _SMALL_UNITS[pos])
    return "".join(out)


def cardinal(n: int) -> str:
    """Integer → Chinese reading (一万零二百, 十二, 负三)."""
    if n < 0:
        return "负" + cardinal(-n)
    if n == 0:
        return "零"
    groups = []
    while n:
        groups.append(n % 10000)
        n //= 10000
    if len(groups) > len(_BIG_UNITS):
        return digits(str(sum(g * 10000 ** i for i, g in enumerate(groups))))
    out = []
    need_zero = False
    for i in range(len(groups) - 1, -1, -1):
        g = groups[i]
        if g == 0:
            need_zero = bool(out)
            continue
        if out and (need_zero or g < 1000):
            out.append("零")
        out.append(_four(g) + _BIG_UNITS[i])
        need_zero = False
    text = "".join(out)
    # 一十二 → 十二 at the very start (10–19, 100000–199999 ...)
    if text.startswith("一十"):
        text = text[1:]
    return text


def digits(s: str) -> str:
    """Read a string of digits one by one (years, codes)."""
    return "".join(DIGITS[int(c)] for c in s if c.isdigit())


def decimal(s: str) -> str:
    """'3.14' → 三点一四; '-0.5' → 负零点五; '12' → 十二."""
    neg = s.startswith("-")
    if neg:
        s = s[1:]
    whole, _, frac = s.partition(".")
    text = cardinal(int(whole or "0"))
    if frac:
        text += "点" + digits(frac)
    return ("负" if neg else "") + text
