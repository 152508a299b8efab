"""Mandarin tone sandhi on jieba words, behaving like upstream GPT-SoVITS's ``tone_sandhi.ToneSandhi``.

Finals are pypinyin ``FINALS_TONE3`` strings with tone 5 for neutral (``"ao3"``, ``"e5"``). Rules:

* 不: bu2 before a 4th tone; neutral in the middle of V不V (看不懂).
* 一: yi2 before a 4th tone, yi4 before other tones, yi5 between reduplicated verbs (看一看), yi1 in
  ordinals (第一) and inside plain digit strings.
* neutral tone: reduplicated nouns/verbs/adjectives (奶奶, 试试), modal particles, 的地得, aspect
  particles 了着过, suffixes 们子, locatives 上下里, directionals (上来), measure word 个, and the
  upstream word list of conventional neutral-tone words.
* third-tone sandhi: 3-3 → 2-3 inside words of 2–4 syllables, using a sub-word split for 3-syllable words.

Segmentation is pre-merged (``pre_merge``) so that 不/一/儿, reduplications and runs of third tones form one
word, as upstream does, before the rules run.
"""

from __future__ import annotations

from .tables import MUST_NEUTRAL_TONE_WORDS, MUST_NOT_NEUTRAL_TONE_WORDS

_PUNC = "：，；。？！“”‘’':,;.?!"


def _set(finals: list[str], i: int, tone: str) -> None:
    finals[i] = finals[i][:-1] + tone


def _finals(word: str) -> list[str]:
    from pypinyin import Style, lazy_pinyin

    return lazy_pinyin(word, neutral_tone_with_five=True, style=Style.FINALS_TONE3)


def _all_three(finals: list[str]) -> bool:
    return all(f[-1] == "3" for f in finals)


def split_word(word: str) -> list[str]:
    """Split a word in two at its shortest search-mode sub-word (e.g. 蒙古包 → 蒙古 / 包)."""
    import jieba

    parts = sorted(jieba.cut_for_search(word), key=len)
    first = parts[0]
    if word.find(first) == 0:
        return [first, word[len(first):]]
    return [word[: -len(first)], first]


def _neutral(word: str, pos: str, finals: list[str]) -> list[str]:
    for j in range(1, len(word)):
        if word[j] == word[j - 1] and pos[:1] in {"n", "v", "a"} and word not in MUST_NOT_NEUTRAL_TONE_WORDS:
            _set(finals, j, "5")
    at = _neutral_position(word, pos)
    if at is not None:
        _set(finals, at, "5")
    parts = split_word(word)
    groups = [finals[: len(parts[0])], finals[len(parts[0]):]]
    for i, part in enumerate(parts):
        if groups[i] and (part in MUST_NEUTRAL_TONE_WORDS or part[-2:] in MUST_NEUTRAL_TONE_WORDS):
            _set(groups[i], -1, "5")
    return groups[0] + groups[1]


def _neutral_position(word: str, pos: str) -> int | None:
    """The syllable the first matching word-level rule makes neutral (upstream's order), or None."""
    at = _particle_position(word, pos)
    if at is not None:
        return at
    if len(word) > 1 and word[-1] in "上下里" and pos in {"s", "l", "f"}:
        return -1
    if len(word) > 1 and word[-1] in "来去" and word[-2] in "上下进出回过起开":
        return -1
    ge = word.find("个")
    if (ge >= 1 and (word[ge - 1].isnumeric() or word[ge - 1] in "几有两半多各整每做是")) or word == "个":
        return ge
    if word in MUST_NEUTRAL_TONE_WORDS or word[-2:] in MUST_NEUTRAL_TONE_WORDS:
        return -1
    return None


def _particle_position(word: str, pos: str) -> int | None:
    """Modal particles, 的地得, aspect particles 了着过 and the suffixes 们子 end in a neutral tone."""
    if word and word[-1] in "吧呢哈啊呐噻嘛吖嗨呐哦哒额滴哩哟喽啰耶喔诶":
        return -1
    if word and word[-1] in "的地得":
        return -1
    if len(word) == 1 and word in "了着过" and pos in {"ul", "uz", "ug"}:
        return -1
    if len(word) > 1 and word[-1] in "们子" and pos in {"r", "n"} and word not in MUST_NOT_NEUTRAL_TONE_WORDS:
        return -1
    return None


def _bu(word: str, finals: list[str]) -> list[str]:
    if len(word) == 3 and word[1] == "不":
        _set(finals, 1, "5")
    else:
        for i, ch in enumerate(word):
            if ch == "不" and i + 1 < len(word) and finals[i + 1][-1] == "4":
                _set(finals, i, "2")
    return finals


def _yi(word: str, finals: list[str]) -> list[str]:
    if "一" in word and all(c.isnumeric() for c in word if c != "一"):
        return finals
    if len(word) == 3 and word[1] == "一" and word[0] == word[-1]:
        _set(finals, 1, "5")
    elif word.startswith("第一"):
        _set(finals, 1, "1")
    else:
        for i, ch in enumerate(word):
            if ch == "一" and i + 1 < len(word):
                if finals[i + 1][-1] == "4":
                    _set(finals, i, "2")
                elif word[i + 1] not in _PUNC:
                    _set(finals, i, "4")
    return finals


def _three(word: str, finals: list[str]) -> list[str]:
    if len(word) == 2 and _all_three(finals):
        _set(finals, 0, "2")
    elif len(word) == 3:
        parts = split_word(word)
        if _all_three(finals):
            if len(parts[0]) == 2:  # 蒙古/包
                _set(finals, 0, "2")
                _set(finals, 1, "2")
            elif len(parts[0]) == 1:  # 纸/老虎
                _set(finals, 1, "2")
        else:
            groups = [finals[: len(parts[0])], finals[len(parts[0]):]]
            if len(groups) == 2:
                for i, sub in enumerate(groups):
                    if _all_three(sub) and len(sub) == 2:  # 所有/人
                        _set(sub, 0, "2")
                    elif i == 1 and sub and not _all_three(sub) and sub[0][-1] == "3" and groups[0] and groups[0][-1][-1] == "3":
                        _set(groups[0], -1, "2")  # 好/喜欢
                finals = groups[0] + groups[1]
    elif len(word) == 4:
        out: list[str] = []
        for sub in (finals[:2], finals[2:]):
            if _all_three(sub):
                _set(sub, 0, "2")
            out += sub
        finals = out
    return finals


def modified_tone(word: str, pos: str, finals: list[str]) -> list[str]:
    """Apply 不, 一, neutral-tone and third-tone rules to one word's finals (a new list is returned)."""
    finals = list(finals)
    finals = _bu(word, finals)
    finals = _yi(word, finals)
    finals = _neutral(word, pos, finals)
    return _three(word, finals)


# ----------------------------------------------------------------------------------- pre-merging
def _merge_bu(seg: list[list[str]]) -> list[list[str]]:
    out: list[list[str]] = []
    last = ""
    for word, pos in seg:
        if last == "不":
            word = last + word
        if word != "不":
            out.append([word, pos])
        last = word
    if last == "不":
        out.append([last, "d"])
    return out


def _merge_yi(seg: list[list[str]]) -> list[list[str]]:
    out: list[list[str]] = []
    i = 0
    while i < len(seg):
        word, pos = seg[i]
        if i >= 1 and word == "一" and i + 1 < len(seg):
            last = out[-1] if out else seg[i - 1]
            nxt = seg[i + 1]
            if last[0] == nxt[0] and last[1] == "v" and nxt[1] == "v":
                out[-1] = [last[0] + "一" + nxt[0], last[1]]
                i += 2
                continue
        out.append([word, pos])
        i += 1
    merged: list[list[str]] = []
    for word, pos in out:
        if merged and merged[-1][0] == "一":
            merged[-1][0] += word
        else:
            merged.append([word, pos])
    return merged


def _merge_reduplication(seg: list[list[str]]) -> list[list[str]]:
    out: list[list[str]] = []
    for word, pos in seg:
        if out and word == out[-1][0]:
            out[-1][0] += word
        else:
            out.append([word, pos])
    return out


def _is_redup(word: str) -> bool:
    return len(word) == 2 and word[0] == word[1]


def _merge_threes(seg: list[list[str]], whole: bool) -> list[list[str]]:
    finals = [_finals(w) for w, _ in seg]
    out: list[list[str]] = []
    merged_last = [False] * len(seg)
    for i, (word, pos) in enumerate(seg):
        if i >= 1 and not merged_last[i - 1] and finals[i - 1] and finals[i]:
            if whole:
                cond = _all_three(finals[i - 1]) and _all_three(finals[i])
            else:
                cond = finals[i - 1][-1][-1] == "3" and finals[i][0][-1] == "3"
            if cond and not _is_redup(seg[i - 1][0]) and len(seg[i - 1][0]) + len(word) <= 3:
                out[-1][0] += word
                merged_last[i] = True
                continue
        out.append([word, pos])
    return out


def _merge_er(seg: list[list[str]]) -> list[list[str]]:
    out: list[list[str]] = []
    for i, (word, pos) in enumerate(seg):
        if i >= 1 and word == "儿" and seg[i - 1][0] != "#":
            out[-1][0] += word
        else:
            out.append([word, pos])
    return out


def pre_merge(seg: list[tuple[str, str]]) -> list[list[str]]:
    """Merge jieba words so that the sandhi rules see whole units (不X, V一V, 一X, XX, 3-3 runs, X儿)."""
    s = [[w, p] for w, p in seg]
    s = _merge_bu(s)
    s = _merge_yi(s)
    s = _merge_reduplication(s)
    s = _merge_threes(s, whole=True)
    s = _merge_threes(s, whole=False)
    return _merge_er(s)
