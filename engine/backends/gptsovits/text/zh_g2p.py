"""Chinese grapheme-to-phoneme for the GPT-SoVITS v2 phone set.

Pipeline per normalised sentence (hanzi + v2 punctuation, see :mod:`.zh_normalize`):
jieba part-of-speech segmentation → pre-merge for sandhi → pinyin per word (pypinyin's phrase
dictionary resolves most polyphones from word context; an optional G2PW-style predictor can
override) → tone sandhi → erhua → each syllable becomes an (initial, final+tone) phone pair via the
upstream opencpop-strict table; punctuation stays a single phone. ``word2ph`` counts phones per
character (1 or 2), so BERT character features can be repeated per phone.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Callable

from . import tone_sandhi
from .tables import PINYIN_TO_PHONES
from .zh_normalize import PUNCTUATION

_MUST_ERHUA = {"小院儿", "胡同儿", "范儿", "老汉儿", "撒欢儿", "寻老礼儿", "妥妥儿", "媳妇儿"}
_NOT_ERHUA = {
    "虐儿", "为儿", "护儿", "瞒儿", "救儿", "替儿", "有儿", "一儿", "我儿", "俺儿", "妻儿", "拐儿", "聋儿",
    "乞儿", "患儿", "幼儿", "孤儿", "婴儿", "婴幼儿", "连体儿", "脑瘫儿", "流浪儿", "体弱儿", "混血儿",
    "蜜雪儿", "舫儿", "祖儿", "美儿", "应采儿", "可儿", "侄儿", "孙儿", "侄孙儿", "女儿", "男儿", "红孩儿",
    "花儿", "虫儿", "马儿", "鸟儿", "猪儿", "猫儿", "狗儿", "少儿",
}
# syllables without an initial are written with y/w in the table
_ZERO_INITIAL = {"ing": "ying", "i": "yi", "in": "yin", "u": "wu"}
_ZERO_FIRST = {"v": "yu", "e": "e", "i": "y", "u": "w"}
_CONTRACT = {"uei": "ui", "iou": "iu", "uen": "un"}

# A pinyin predictor: sentence → one pinyin per character ("hang2"), or punctuation as is.
PinyinPredictor = Callable[[str], list[str]]

_jieba_lock = threading.Lock()
_jieba_ready = False


def _posseg(text: str) -> list[tuple[str, str]]:
    global _jieba_ready
    import jieba
    import jieba.posseg as psg

    with _jieba_lock:
        if not _jieba_ready:
            jieba.setLogLevel(logging.WARNING)
            _jieba_ready = True
        return [(p.word, p.flag) for p in psg.lcut(text)]


def _initials_finals(word: str) -> tuple[list[str], list[str]]:
    from pypinyin import Style, lazy_pinyin

    ini = lazy_pinyin(word, neutral_tone_with_five=True, style=Style.INITIALS)
    fin = lazy_pinyin(word, neutral_tone_with_five=True, style=Style.FINALS_TONE3)
    return ini, fin


def _from_predicted(pinyins: list[str]) -> tuple[list[str], list[str]]:
    from pypinyin.contrib.tone_convert import to_finals_tone3, to_initials

    ini, fin = [], []
    for p in pinyins:
        if p[:1].isalpha():
            ini.append(to_initials(p))
            fin.append(to_finals_tone3(p, neutral_tone_with_five=True))
        else:
            ini.append(p)
            fin.append(p)
    return ini, fin


def _erhua(initials: list[str], finals: list[str], word: str, pos: str) -> tuple[list[str], list[str]]:
    finals = list(finals)
    if finals and word and word[-1] == "儿" and finals[-1] == "er1" and len(finals) == len(word):
        finals[-1] = "er2"
    if word not in _MUST_ERHUA and (word in _NOT_ERHUA or pos in {"a", "j", "nr"}):
        return initials, finals
    if len(finals) != len(word):
        return initials, finals
    out: list[str] = []
    for i, f in enumerate(finals):
        if i == len(finals) - 1 and word[i] == "儿" and f in {"er2", "er5"} and word[-2:] not in _NOT_ERHUA and out:
            f = "er" + out[-1][-1]
        out.append(f)
    return initials, out


def syllable_phones(initial: str, final: str) -> list[str]:
    """One pinyin syllable (initial, final with tone digit) → two v2 phones, e.g. ('zh', 'ong1') → ['zh', 'ong1']."""
    body, tone = final[:-1], final[-1]
    if tone not in "12345":
        raise ValueError(f"final without a tone: {final!r}")
    pinyin = initial + body
    if initial:
        if body in _CONTRACT:
            pinyin = initial + _CONTRACT[body]
    elif pinyin in _ZERO_INITIAL:
        pinyin = _ZERO_INITIAL[pinyin]
    elif pinyin and pinyin[0] in _ZERO_FIRST:
        pinyin = _ZERO_FIRST[pinyin[0]] + pinyin[1:]
    if pinyin not in PINYIN_TO_PHONES:
        raise KeyError(pinyin)
    c, v = PINYIN_TO_PHONES[pinyin]
    return [c, v + tone]


def g2p(text: str, predictor: PinyinPredictor | None = None) -> tuple[list[str], list[int]]:
    """Normalised Chinese text → (phones, word2ph) with ``len(word2ph) == len(text)``."""
    sentences = [s for s in re.split(r"(?<=[{0}])\s*".format(re.escape("".join(PUNCTUATION))), text) if s.strip()]
    phones: list[str] = []
    word2ph: list[int] = []
    for sentence in sentences:
        sentence = re.sub("[a-zA-Z]+", "", sentence)
        predicted = predictor(sentence) if predictor is not None and sentence else None
        seg = tone_sandhi.pre_merge(_posseg(sentence))
        initials: list[str] = []
        finals: list[str] = []
        offset = 0
        for word, pos in seg:
            start, offset = offset, offset + len(word)
            if pos == "eng":
                continue
            if predicted is not None:
                readings = predicted[start:offset]
                correct = getattr(predictor, "correct", None)
                if correct is not None:
                    readings = correct(word, readings)
                ini, fin = _from_predicted(readings)
            else:
                ini, fin = _initials_finals(word)
            fin = tone_sandhi.modified_tone(word, pos, fin)
            ini, fin = _erhua(ini, fin, word, pos)
            initials += ini
            finals += fin
        for c, v in zip(initials, finals):
            if c == v:  # punctuation passes through pypinyin unchanged
                phones.append(c)
                word2ph.append(1)
                continue
            try:
                pair = syllable_phones(c, v)
            except (KeyError, ValueError):
                # a character pypinyin cannot read: keep the alignment with an UNK phone
                phones.append("UNK")
                word2ph.append(1)
                continue
            phones += pair
            word2ph.append(2)
    return phones, word2ph
