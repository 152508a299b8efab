"""English number words with the exact output of ``inflect``'s ``number_to_words`` / ``ordinal`` for the calls
GPT-SoVITS' English normaliser makes (cardinals with or without "and", ordinals such as "21st", digit pairs for
years with "oh"). Written here instead of importing ``inflect``: its import instruments every function with
typeguard and costs seconds, paid on the first English sentence with a digit. ``tests/synthesis`` compares this
module with ``inflect`` itself over a wide range of numbers.

    words(7500) == "seven thousand, five hundred"; words(101) == "one hundred and one"
    words(555, andword="") == "five hundred fifty-five"; words("21st") == "twenty-first"
    words(1999, group=2, zero="oh") == "nineteen, ninety-nine"; ordinal_suffix("2") == "2nd"
"""

from __future__ import annotations

import re

_UNIT = ["", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_TEEN = ["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_TEN = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
# index 0 is a bare space: a group without a scale word still ends in whitespace, which the "and" rule reads
_SCALE = [" ", " thousand", " million", " billion", " trillion", " quadrillion", " quintillion", " sextillion",
          " septillion", " octillion", " nonillion", " decillion"]
_SUFFIX = {0: "th", 1: "st", 2: "nd", 3: "rd", 11: "th", 12: "th", 13: "th"}
_ORDINAL_ENDINGS = {"ty": "tieth", "one": "first", "two": "second", "three": "third", "five": "fifth",
                    "eight": "eighth", "nine": "ninth", "twelve": "twelfth"}
_ORDINAL_END = re.compile("(" + "|".join(_ORDINAL_ENDINGS) + r")\Z")


def ordinal_suffix(number: str | int) -> str:
    """``"21"`` → ``"21st"`` (digits kept, suffix added)."""
    n = abs(int(number))
    return f"{number}{_SUFFIX.get(n % 100, _SUFFIX.get(n % 10, 'th'))}"


def ordinal_word(word: str) -> str:
    """``"twenty-one"`` → ``"twenty-first"``, ``"three"`` → ``"third"``, ``"seven"`` → ``"seventh"``."""
    new = _ORDINAL_END.sub(lambda m: _ORDINAL_ENDINGS[m.group(1)], word)
    return new + "th" * (new == word)


def _tens(t: int, u: int, scale: int = 0) -> str:
    if t == 1:
        return _TEEN[u] + _SCALE[scale]
    return _TEN[t] + ("-" if t and u else "") + _UNIT[u] + _SCALE[scale]


def _hundreds(h: int, t: int, u: int, scale: int, andword: str) -> str:
    if h:
        joiner = f" {andword} " if t or u else ""
        return f"{_UNIT[h]} hundred{joiner}{_tens(t, u)}{_SCALE[scale]}, "
    if t or u:
        return f"{_tens(t, u)}{_SCALE[scale]}, "
    return ""


def _plain(digits: str, andword: str, zero: str) -> str:
    if int(digits) == 0:
        return zero
    if int(digits) == 1:
        return "one"
    digits = digits.lstrip("0")
    parts, scale = [], 0
    while len(digits) >= 3:
        h, t, u = (int(c) for c in digits[-3:])
        parts.append(_hundreds(h, t, u, scale, andword))
        digits, scale = digits[:-3], scale + 1
    if len(digits) == 2:
        parts.append(_tens(int(digits[0]), int(digits[1]), scale) + ", ")
    elif len(digits) == 1:
        parts.append(_UNIT[int(digits)] + _SCALE[scale] + ", ")
    return "".join(reversed(parts))


def _pairs(digits: str, zero: str) -> str:
    head = (len(digits) - 1) % 2 + 1
    groups = [digits[:head]] + [digits[i:i + 2] for i in range(head, len(digits), 2)]
    out = []
    for g in groups:
        if len(g) == 1:
            out.append(f"{_UNIT[int(g)]}, " if int(g) else f" {zero}, ")
        else:
            t, u = int(g[0]), int(g[1])
            out.append(f"{_tens(t, u)}, " if t else f" {zero} {_UNIT[u]}, " if u else f" {zero} {zero}, ")
    return "".join(out)


def words(number: int | str, *, andword: str = "and", zero: str = "zero", group: int = 0) -> str:
    """A non-negative integer (or digits with an ordinal suffix, "21st") in words, as ``inflect`` writes it
    (``group`` 0 or 2)."""
    text = str(number)
    if text in _SUFFIX.values():
        text = zero
    ordinal = text[-2:] in _SUFFIX.values()
    if ordinal:
        text = text[:-2]
    digits = re.sub(r"\D", "", text) or "0"
    if group == 2:
        chunk = _pairs(digits, zero)
    elif group == 0:
        chunk = _plain(digits, andword, zero)
    else:
        raise ValueError("group must be 0 or 2")
    if chunk[-2:] == ", ":
        chunk = chunk[:-2]
    chunk = re.sub(r"\s+,", ",", chunk)
    if group == 0:
        chunk = re.sub(r", (\S+)\s+\Z", f" {andword} \\1", chunk)
        chunk = re.sub(r"\s+,", ",", chunk)
    chunk = re.sub(r"\s+", " ", chunk).strip()
    pieces = chunk.split(", ")
    if ordinal and pieces:
        pieces[-1] = ordinal_word(pieces[-1])
    return ", ".join(pieces)
