"""English text normalisation: numbers, money, ordinals, abbreviations, symbols → words.

Our own rules (upstream GPT-SoVITS uses ``inflect`` + its ``en_normalization/expend.py``):
``$3.50`` → "three dollars fifty cents", ``1st`` → "first", ``1990`` → "nineteen ninety",
``3.14`` → "three point one four", ``50%`` → "fifty percent", ``Dr.`` → "doctor", ``&`` → "and",
``e.g.`` → "for example". Quotes and CJK punctuation are mapped to ASCII; repeated punctuation collapses.
"""

from __future__ import annotations

import re
import unicodedata

_ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
         "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_SCALES = ["", "thousand", "million", "billion", "trillion", "quadrillion"]
_ORD_IRREGULAR = {"one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
                  "nine": "ninth", "twelve": "twelfth"}

_ABBREVIATIONS = {
    "mr": "mister", "mrs": "missus", "ms": "miss", "dr": "doctor", "st": "saint", "co": "company",
    "jr": "junior", "sr": "senior", "vs": "versus", "etc": "et cetera", "prof": "professor", "gen": "general",
    "lt": "lieutenant", "col": "colonel", "capt": "captain", "sgt": "sergeant", "mt": "mount", "ft": "fort",
    "approx": "approximately", "dept": "department", "est": "established",
}
_LATIN = {"e.g.": "for example", "i.e.": "that is", "a.m.": "A M", "p.m.": "P M"}
_SYMBOLS = {"&": " and ", "@": " at ", "+": " plus ", "=": " equals ", "#": " number ", "°": " degrees "}
_PUNCT_MAP = {"；": ",", ";": ",", ":": ",", "：": ",", "，": ",", "。": ".", "！": "!", "？": "?",
              "“": "", "”": "", '"': "", "’": "'", "‘": "'", "、": ",", "—": "-", "–": "-",
              "(": ",", ")": ",", "[": ",", "]": ",", "~": "…", "...": "…"}
PUNCTUATION = ("!", "?", "…", ",", ".", "-")


def cardinal(n: int) -> str:
    if n < 0:
        return "minus " + cardinal(-n)
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    if n < 1000:
        rest = n % 100
        return _ONES[n // 100] + " hundred" + ("" if rest == 0 else " " + cardinal(rest))
    parts = []
    i = 0
    while n:
        n, group = divmod(n, 1000)
        if group:
            if i >= len(_SCALES):
                return " ".join(_ONES[int(c)] for c in str(n * 1000 + group))
            parts.append(cardinal(group) + (" " + _SCALES[i] if _SCALES[i] else ""))
        i += 1
    return " ".join(reversed(parts))


def ordinal(n: int) -> str:
    words = cardinal(n).split(" ")
    last = words[-1]
    if last in _ORD_IRREGULAR:
        last = _ORD_IRREGULAR[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last += "th"
    return " ".join(words[:-1] + [last])


def year(n: int) -> str:
    if 2000 <= n < 2010:
        return cardinal(n)
    hi, lo = divmod(n, 100)
    if lo == 0:
        return cardinal(hi) + " hundred"
    return cardinal(hi) + (" oh " + _ONES[lo] if lo < 10 else " " + cardinal(lo))


def decimal(s: str) -> str:
    whole, _, frac = s.partition(".")
    text = cardinal(int(whole.replace(",", "") or "0"))
    if frac:
        text += " point " + " ".join(_ONES[int(c)] for c in frac)
    return text


def _money(m: re.Match) -> str:
    sym, amount = m.group(1), m.group(2).replace(",", "")
    unit, sub = {"$": ("dollar", "cent"), "£": ("pound", "penny"), "€": ("euro", "cent"), "¥": ("yen", "")}[sym]
    whole, _, frac = amount.partition(".")
    w = int(whole or "0")
    out = f"{cardinal(w)} {unit}{'' if w == 1 or unit == 'yen' else 's'}"
    if frac and sub and int(frac[:2].ljust(2, "0")):
        c = int(frac[:2].ljust(2, "0"))
        out += f" {cardinal(c)} {'pence' if sub == 'penny' and c != 1 else sub + ('' if c == 1 or sub == 'penny' else 's')}"
    return out


def _number(m: re.Match) -> str:
    s = m.group(0)
    if "." in s:
        return decimal(s)
    plain = s.replace(",", "")
    n = int(plain)
    if len(plain) == 4 and "," not in s and 1100 <= n <= 2099:
        return year(n)
    return cardinal(n)


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    for k, v in _LATIN.items():
        text = re.sub(re.escape(k), f" {v} ", text, flags=re.I)
    text = re.sub(r"\bno\.\s*(?=\d)", "number ", text, flags=re.I)
    for k, v in sorted(_PUNCT_MAP.items(), key=lambda kv: -len(kv[0])):
        text = text.replace(k, v)
    text = re.sub(r"([$£€¥])\s?(\d[\d,]*(?:\.\d+)?)", _money, text)
    text = re.sub(r"(\d+(?:\.\d+)?)\s?%", lambda m: decimal(m.group(1)) + " percent", text)
    text = re.sub(r"\b(\d+)(st|nd|rd|th)\b", lambda m: ordinal(int(m.group(1))), text, flags=re.I)
    text = re.sub(r"(?<![\w.])-(\d)", r"minus \1", text)
    text = re.sub(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?", _number, text)
    text = re.sub(r"\b(" + "|".join(_ABBREVIATIONS) + r")\.", lambda m: _ABBREVIATIONS[m.group(1).lower()], text, flags=re.I)
    for k, v in _SYMBOLS.items():
        text = text.replace(k, v)
    p = re.escape("".join(PUNCTUATION))
    text = re.sub(f"([{p}\\s])([{p}])+", r"\1", text)
    return re.sub(r"\s+", " ", text).strip()
