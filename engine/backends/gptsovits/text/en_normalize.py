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


# ------------------------------------------------------------------------------ upstream-compatible normaliser
# The rules of GPT-SoVITS v2's English normaliser (``text/en_normalization``), re-stated from its behaviour and
# run with the maintained ``inflect`` package it uses for number words, so "$5.50" is "five dollars and fifty
# cents", "1999" "nineteen ninety-nine", "7,500" "seven thousand, five hundred", "10:30" "ten thirty a.m.".
_UNITS = {"m": ("meter", "meters"), "km": ("kilometer", "kilometers"), "km/h": ("kilometer per hour", "kilometers per hour"),
          "ft": ("feet", "feet"), "L": ("liter", "liters"), "tbsp": ("tablespoon", "tablespoons"),
          "tsp": ("teaspoon", "teaspoons"), "h": ("hour", "hours"), "min": ("minute", "minutes"),
          "s": ("second", "seconds"), "°C": ("degree celsius", "degrees celsius"), "°F": ("degree fahrenheit", "degrees fahrenheit")}
# upstream's table also lists "[;:：，；]" and '["’]', but it matches them as literal strings (escaped), so in
# effect only these three apply
_UP_PUNCT = [(re.compile("。"), "."), (re.compile("！"), "!"), (re.compile("？"), "?")]
_inflect_engine = None


def _inflect():
    global _inflect_engine
    if _inflect_engine is None:
        import inflect

        _inflect_engine = inflect.engine()
    return _inflect_engine


def _words(n, **kw) -> str:
    return _inflect().number_to_words(n, **kw)


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
    return f"{head} {_inflect().ordinal(_words(den))}{'s' if num > 1 else ''}"


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


def normalize_upstream(text: str) -> str:
    """English text → the normalised text GPT-SoVITS v2 feeds its English G2P."""
    for pattern, repl in _UP_PUNCT:
        text = pattern.sub(repl, text)
    text = unicodedata.normalize("NFKC", text) if not text.isascii() else text
    text = re.sub(r"\b([0-9]+)\. ", lambda m: _inflect().ordinal(m.group(1)) + ", ", text)
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


def normalize(text: str) -> str:
    return normalize_upstream(text)


def normalize_own(text: str) -> str:
    """Timbrel's earlier normaliser (kept for reference; not used by the frontend)."""
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
