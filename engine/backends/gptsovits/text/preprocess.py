"""Target-text preparation as GPT-SoVITS' ``TTS.run`` does it: punctuation squashing, the short-start prefix,
the six ``text_split_method`` rules (``cut0``–``cut5``), merging short pieces, closing punctuation, and the
prompt-text rule. Written from the behaviour of upstream's ``TextPreprocessor`` / ``text_segmentation_method``
(read, not copied); the e2e fixtures check every rule that the recorded sentences reach.

* :func:`pieces` — target text → the pieces that are spoken one after another (``fragment_interval`` apart).
* :func:`prompt_text` — a reference transcript → the text upstream feeds the frontend for the prompt.
"""

from __future__ import annotations

import re

from engine.errors import InvalidInput

#: characters upstream treats as "a piece may end here" (its ``splits`` set)
SPLITS = frozenset("，。？！,.?!~:：—…")
#: punctuation that upstream collapses when repeated (``replace_consecutive_punctuation``)
_SQUASH = "!?…,.-"
#: what counts as "only punctuation" for cut1–cut5 (upstream's segmentation ``punctuation`` set, with space)
_PUNCT_ONLY = frozenset("!?…,.- ")
_CUT5_MARKS = frozenset(",.;?!、，。？！;：…")
SPLIT_METHODS = ("cut0", "cut1", "cut2", "cut3", "cut4", "cut5")
MERGE_MIN_CHARS = 5
MAX_PIECE_CHARS = 510


def squash_punctuation(text: str) -> str:
    """Runs of the punctuation ``! ? … , . -`` keep their first mark."""
    cls = "[" + re.escape(_SQUASH) + "]"
    return re.sub(f"({cls}){cls}+", r"\1", text)


def _only_punct(s: str) -> bool:
    return set(s) <= _PUNCT_ONLY


def _sentences(text: str) -> list[str]:
    """Split after every mark of :data:`SPLITS` (``……`` counts as ``。``, ``——`` as ``，``)."""
    text = text.replace("……", "。").replace("——", "，")
    if text[-1] not in SPLITS:
        text += "。"
    out, start = [], 0
    for i, ch in enumerate(text):
        if ch in SPLITS:
            out.append(text[start:i + 1])
            start = i + 1
    return out


def _cut0(text: str) -> str:
    return "\n" if _only_punct(text) else text


def _cut1(text: str) -> str:  # every four sentences
    text = text.strip("\n")
    sents = _sentences(text)
    groups = ["".join(sents[i:i + 4]) for i in range(0, len(sents), 4)]
    # upstream keeps the text whole when it has at most four sentences
    groups = groups if len(groups) > 1 else [text]
    return "\n".join(g for g in groups if not _only_punct(g))


def _cut2(text: str) -> str:  # about 50 characters per piece
    text = text.strip("\n")
    sents = _sentences(text)
    if len(sents) < 2:
        return text
    out, count, cur = [], 0, ""
    for s in sents:
        count += len(s)
        cur += s
        if count > 50:
            out.append(cur)
            count, cur = 0, ""
    if cur:
        out.append(cur)
    if len(out) > 1 and len(out[-1]) < 50:
        tail = out.pop()
        out[-1] += tail
    return "\n".join(o for o in out if not _only_punct(o))


def _cut3(text: str) -> str:  # at 。
    text = text.strip("\n")
    return "\n".join(p for p in text.strip("。").split("。") if not _only_punct(p))


def _cut4(text: str) -> str:  # at '.' that is not a decimal point
    text = text.strip("\n")
    return "\n".join(p for p in re.split(r"(?<!\d)\.(?!\d)", text.strip(".")) if not _only_punct(p))


def _cut5(text: str) -> str:  # at every punctuation mark (a '.' between digits stays)
    text = text.strip("\n")
    out, cur = [], []
    for i, ch in enumerate(text):
        cur.append(ch)
        if ch in _CUT5_MARKS:
            decimal = ch == "." and 0 < i < len(text) - 1 and text[i - 1].isdigit() and text[i + 1].isdigit()
            if not decimal:
                out.append("".join(cur))
                cur = []
    if cur:
        out.append("".join(cur))
    return "\n".join(o for o in out if not set(o) <= _CUT5_MARKS)


_METHODS = {"cut0": _cut0, "cut1": _cut1, "cut2": _cut2, "cut3": _cut3, "cut4": _cut4, "cut5": _cut5}


def split_method(name: str | None):
    key = (name or "cut0").strip().lower()
    if key not in _METHODS:
        raise InvalidInput(f"Unknown text_split_method {name!r}.", hint="Use one of " + ", ".join(SPLIT_METHODS) + ".")
    return _METHODS[key]


def _merge_short(texts: list[str], threshold: int) -> list[str]:
    if len(texts) < 2:
        return texts
    out: list[str] = []
    cur = ""
    for t in texts:
        cur += t
        if len(cur) >= threshold:
            out.append(cur)
            cur = ""
    if cur:
        if out:
            out[-1] += cur
        else:
            out.append(cur)
    return out


def _split_long(text: str, limit: int = MAX_PIECE_CHARS) -> list[str]:
    parts = re.split("([" + re.escape("".join(sorted(SPLITS))) + "])", text)
    out, cur = [], ""
    for p in parts:
        if len(cur + p) > limit:
            out.append(cur)
            cur = p
        else:
            cur += p
    if cur:
        out.append(cur)
    return out


def _first_clause(text: str) -> str:
    return re.split("[" + re.escape("".join(sorted(SPLITS))) + "]", text)[0].strip()


def pieces(text: str, language: str, method: str | None = "cut0") -> list[str]:
    """Target text → pieces, each ending with punctuation (``。`` added, ``.`` for English)."""
    cut = split_method(method)
    text = squash_punctuation(text).strip("\n")
    if not text:
        return []
    end = "." if language == "en" else "。"
    if text[0] not in SPLITS and len(_first_clause(text)) < 4:
        text = end + text
    text = cut(text)
    while "\n\n" in text:
        text = text.replace("\n\n", "\n")
    parts = text.split("\n")
    if all(p in ("", " ") for p in parts):
        raise InvalidInput("There is no text to say.", hint="Give the sentence to speak.")
    parts = _merge_short([p for p in parts if p not in ("", " ")], MERGE_MIN_CHARS)
    out: list[str] = []
    for p in parts:
        if not p.strip() or not re.sub(r"\W+", "", p):
            continue
        if p[-1] not in SPLITS:
            p += end
        out.extend(_split_long(p) if len(p) > MAX_PIECE_CHARS else [p])
    return out


def prompt_text(text: str, language: str) -> str:
    """A reference transcript as upstream feeds it: newlines stripped, ``。`` (``.`` for English) appended
    unless it already ends with a split mark."""
    text = text.strip("\n")
    if text and text[-1] not in SPLITS:
        text += "." if language == "en" else "。"
    return text
