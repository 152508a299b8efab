"""English text normalisation as GPT-SoVITS v2 does it (its ``en_normalization`` rules, re-stated here):
ordinals "1. " → "1st, ", arithmetic "3 + 4" → "3 plus 4", clock times "10:30" → "ten thirty a.m.", units,
money "$12.99" → "twelve dollars and ninety-nine cents", decimals, fractions, "21st" → "twenty-first", integers
(years in pairs: "nineteen ninety-nine"), "%" → "percent", accents stripped, everything but letters and
``' . , ? ! -`` removed, "e.g."/"i.e." spelled out, capitals inside a word split ("NASA" → "N A S A",
"GitHub" → "Git Hub"), repeated punctuation collapsed. Abbreviations such as "Dr." are left to the dictionary,
as upstream does.
"""

from __future__ import annotations

import re
import unicodedata

from .en_numbers import ordinal_suffix, ordinal_word
from .en_numbers import words as _words

PUNCTUATION = ("!", "?", "…", ",", ".", "-")


# ------------------------------------------------------------------------------ upstream-compatible normaliser
# The rules of GPT-SoVITS v2's English normaliser (``text/en_normalization``), re-stated from its behaviour and
# with number words exactly as the ``inflect`` package it uses writes them (:mod:`.en_numbers`), so "$5.50" is
# "five dollars and fifty cents", "1999" "nineteen ninety-nine", "7,500" "seven thousand, five hundred", "10:30"
# "ten thirty a.m.".
_UNITS = {"m": ("meter", "meters"), "km": ("kilometer", "kilometers"), "km/h": ("kilometer per hour", "kilometers per hour"),
          "ft": ("feet", "feet"), "L": ("liter", "liters"), "tbsp": ("tablespoon", "tablespoons"),
          "tsp": ("teaspoon", "teaspoons"), "h": ("hour", "hours"), "min": ("minute", "minutes"),
          "s": ("second", "seconds"), "°C": ("degree celsius", "degrees celsius"), "°F": ("degree fahrenheit", "degrees fahrenheit")}
# upstream's table also lists "[;:：，；]" and '["’]', but it matches them as literal strings (escaped), so in
# effect only these three apply
_UP_PUNCT = [(re.compile("。"), "."), (re.compile("！"), "!"), (re.compile("？"), "?")]


def _amount(m: re.Match, unit: tuple[str, str], sub: tuple[str, str], zero: str) -> str:
    text = m.group(1)
    parts = text.split(".")
    if len(parts) > 2:
        return text + " " + unit[1]
    whole = int(parts[0]) if parts[0] else 0
    frac = int(parts[1].ljust(2, "0")) if len(parts) > 1 and parts[1] else 0
    big = f"{whole} {unit[0] if whole == 1 else unit[1]}"
    small = f"{frac} {sub[0] if frac == 1 else sub[1]}"
    if whole and frac:
        return f"{big} and {small}"
    return big if whole else small if frac else zero


def _clock(m: re.Match) -> str:
    h, mi = int(m.group(1)), int(m.group(2))
    period = "a.m." if h < 12 else "p.m."
    h = h - 12 if h > 12 else h
    return f"{_words(h)} o'clock {period}" if mi == 0 else f"{_words(h)} {_words(mi)} {period}"


def _unit(m: re.Match) -> str:
    sign = m.group(3)
    n = int(m.group(1).replace(sign, "").replace(".", ""))
    plural = 0 if (m.group(2) is None and n == 1) else 1
    return m.group(1).replace(sign, " " + _UNITS[sign][plural])


def _fraction(m: re.Match) -> str:
    num, den = map(int, m.group(0).split("/"))
    head = _words(num)
    if den == 1:
        return head
    if den == 2:
        return f"{head} {'half' if num == 1 else 'halves'}"
    return f"{head} {ordinal_word(_words(den))}{'s' if num > 1 else ''}"


def _integer(m: re.Match) -> str:
    n = int(m.group(0))
    if 1000 < n < 3000:
        if n == 2000:
            return "two thousand"
        if 2000 < n < 2010:
            return "two thousand " + _words(n % 100)
        if n % 100 == 0:
            return _words(n // 100) + " hundred"
        return _words(n, andword="", zero="oh", group=2).replace(", ", " ")
    return _words(n, andword="")


_ASMD_TERM = r"((-?)((\d+)(\.\d+)?[⁰¹²³⁴⁵⁶⁷⁸⁹ˣʸⁿ]*)|(\.\d+[⁰¹²³⁴⁵⁶⁷⁸⁹ˣʸⁿ]*)|([A-Za-z][⁰¹²³⁴⁵⁶⁷⁸⁹ˣʸⁿ]*))"
_ASMD = re.compile(_ASMD_TERM + r"\s+([\+\-\×÷=])\s+" + _ASMD_TERM)
_ASMD_WORDS = {"+": " plus ", "-": " minus ", "×": " times ", "÷": " divided by ", "=": " Equals "}


def normalize(text: str) -> str:
    """English text → the normalised text GPT-SoVITS v2 feeds its English G2P."""
    for pattern, repl in _UP_PUNCT:
        text = pattern.sub(repl, text)
    text = re.sub(r"\b([0-9]+)\. ", lambda m: ordinal_suffix(m.group(1)) + ", ", text)
    while _ASMD.search(text):
        text = _ASMD.sub(lambda m: m.group(1) + _ASMD_WORDS[m.group(8)] + m.group(9), text)
    text = re.sub(r"(?:^|\s+)(-)(\d+)", lambda m: ("negative " if m.group(1) else "") + m.group(2), text)
    text = re.sub(r"([0-9][0-9,]+[0-9])", lambda m: m.group(1).replace(",", ""), text)
    text = re.sub(r"\b([01]?[0-9]|2[0-3]):([0-5][0-9])\b", _clock, text)
    text = re.sub(r"\b([0-9]+(\.[0-9]+)?(m|km|km/h|ft|L|tbsp|tsp|h|min|s|°C|°F))\b", _unit, text)
    pounds = (("pound", "pounds"), ("penny", "pence"), "zero pounds")
    dollars = (("dollar", "dollars"), ("cent", "cents"), "zero dollars")
    text = re.sub(r"£([0-9.,]*[0-9]+)", lambda m: _amount(m, *pounds), text)
    text = re.sub(r"([0-9.,]*[0-9]+)£", lambda m: _amount(m, *pounds), text)
    text = re.sub(r"\$([0-9.,]*[0-9]+)", lambda m: _amount(m, *dollars), text)
    text = re.sub(r"([(0-9.,]*[0-9]+)\$", lambda m: _amount(m, *dollars), text)
    text = re.sub(r"([0-9]+\.\s*[0-9]+)", lambda m: m.group(1).split(".")[0] + " point "
                  + " ".join(m.group(1).split(".")[1]), text)
    text = re.sub(r"([0-9]+/[0-9]+)", _fraction, text)
    text = re.sub(r"[0-9]+(st|nd|rd|th)", lambda m: _words(m.group(0)), text)
    text = re.sub(r"[0-9]+", _integer, text)
    text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    text = text.replace("%", " percent")
    text = re.sub(r"[^ A-Za-z'.,?!\-]", "", text)
    text = re.sub(r"(?i)i\.e\.", "that is", text)
    text = re.sub(r"(?i)e\.g\.", "for example", text)
    text = re.sub(r"(?<!^)(?<![\s])([A-Z])", r" \1", text)  # runs of capitals are read letter by letter
    p = re.escape("".join(PUNCTUATION))
    return re.sub(f"([{p}\\s])([{p}])+", r"\1", text)
