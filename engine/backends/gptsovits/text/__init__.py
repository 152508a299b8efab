"""GPT-SoVITS v2 text frontend: text → phone symbols / ids (+ per-phone BERT features).

    from engine.backends.gptsovits.text import text_to_phones
    seq = text_to_phones("我用GPT-SoVITS说hello。", "auto")
    seq.phones, seq.ids            # v2 symbols and their ids (same ids as upstream: real weights work)

Languages: ``zh`` (normalisation, jieba, pypinyin, tone sandhi, erhua), ``en`` (CMU dictionary + fallbacks),
``ja`` (OpenJTalk via pyopenjtalk-plus, optional), ``auto`` (upstream's LangSegmenter rules, :mod:`.langsplit`).
A sentence in one language may contain runs of others (English words in Chinese text...); each run goes through
its own G2P, as upstream's mixed modes do. Sentence splitting for streaming: :func:`split_sentences`.
Modules: ``tables`` (symbol table, pinyin table, sandhi lists), ``zh_normalize``/``zh_numbers``/``zh_g2p``/
``tone_sandhi``, ``en_normalize``/``en_g2p``, ``ja_g2p``, ``segment``, ``bert``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.errors import InvalidInput

from .segment import AUTO, LANGUAGES, split_languages, split_sentences
from .tables import SYMBOL_TO_ID, SYMBOLS_V2

__all__ = [
    "Segment", "PhoneSequence", "text_to_phones", "phones_to_ids", "bert_features", "split_sentences",
    "SYMBOLS_V2", "SYMBOL_TO_ID", "LANGUAGES", "AUTO",
]

_ALIASES = {"zh": "zh", "cn": "zh", "zh-cn": "zh", "mandarin": "zh", "chinese": "zh", "en": "en",
            "english": "en", "ja": "ja", "jp": "ja", "japanese": "ja", "auto": AUTO, None: AUTO, "": AUTO}


@dataclass
class Segment:
    """One single-language run after G2P. ``word2ph`` (phones per character) only for Chinese."""

    language: str
    text: str
    phones: list[str]
    word2ph: list[int] | None = None


@dataclass
class PhoneSequence:
    segments: list[Segment] = field(default_factory=list)

    @property
    def phones(self) -> list[str]:
        return [p for s in self.segments for p in s.phones]

    @property
    def ids(self) -> list[int]:
        return phones_to_ids(self.phones)

    @property
    def text(self) -> str:
        return "".join(s.text if s.language != "en" else s.text + " " for s in self.segments).strip()

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "phones": self.phones,
            "ids": self.ids,
            "segments": [
                {"language": s.language, "text": s.text, "phones": s.phones, "word2ph": s.word2ph} for s in self.segments
            ],
        }


def normalize_language(language: str | None) -> str:
    key = language.lower() if isinstance(language, str) else language
    if key not in _ALIASES:
        raise InvalidInput(
            f"The text frontend does not know the language {language!r}.",
            hint="Use zh, en, ja or auto (Korean and Cantonese are not supported yet).",
        )
    return _ALIASES[key]


def phones_to_ids(phones: list[str]) -> list[int]:
    unk = SYMBOL_TO_ID["UNK"]
    return [SYMBOL_TO_ID.get(p, unk) for p in phones]


_SPECIAL_PAUSES = (("￥", "SP2"), ("^", "SP3"))


def _segment(text: str, language: str, zh_predictor=None) -> Segment | None:
    if language == "zh":
        from . import zh_g2p, zh_normalize

        # upstream's special pause symbols: "￥" (else "^") is read as a comma, and then every comma of the
        # run becomes that pause phone (SP2 / SP3)
        special = next(((ch, sym) for ch, sym in _SPECIAL_PAUSES if ch in text), None)
        if special is not None:
            text = text.replace(special[0], ",")
        norm = zh_normalize.normalize(text)
        if not norm:
            return None
        phones, word2ph = zh_g2p.g2p(norm, zh_predictor)
        if special is not None:
            phones = [special[1] if p == "," else p for p in phones]
        return Segment("zh", norm, phones, word2ph)
    if language == "en":
        from . import en_g2p, en_normalize

        norm = en_normalize.normalize(text)
        phones = en_g2p.g2p(norm)
        if len(phones) < 4:  # upstream pads short English runs, empty ones too ("℃，" → ",")
            phones = [","] + phones
        return Segment("en", norm, phones)
    if language == "ja":
        from . import ja_g2p

        norm = ja_g2p.normalize(text)
        phones = ja_g2p.g2p(norm)
        return Segment("ja", norm, phones) if phones else None
    raise InvalidInput(f"unsupported language {language!r}")


def _runs(text: str, lang: str) -> list[tuple[str, str]]:
    """Language runs as upstream cuts them: ``en`` text is read whole as English; ``zh``/``ja`` text is cut
    with LangSegmenter's rules (:mod:`.langsplit`: English runs English, the rest in ``lang``); ``auto`` text
    with the same rules, each run in the language they give it."""
    import re

    text = re.sub(r" {2,}", " ", text)
    if lang == "en":
        return [("en", text)] if text.strip() else []
    from .langsplit import lang_segments, split_for_language

    if lang in ("zh", "ja"):
        return split_for_language(text, lang)
    runs: list[tuple[str, str]] = []
    for run_lang, run_text in lang_segments(text):  # auto: each run in the language LangSegmenter gave it
        run_lang = run_lang if run_lang in LANGUAGES else "zh"  # Korean etc. are not supported: read as zh
        if runs and runs[-1][0] == run_lang:
            runs[-1] = (run_lang, runs[-1][1] + run_text)
        else:
            runs.append((run_lang, run_text))
    return runs


def text_to_phones(text: str, language: str | None = AUTO, *, zh_predictor=None, _final: bool = False) -> PhoneSequence:
    """Text (one sentence or a few) → phones. ``language`` is the main language (zh/en/ja/auto); runs in other
    scripts are read in their own language. Very short results get a leading pause like upstream."""
    lang = normalize_language(language)
    seq = PhoneSequence()
    for run_lang, run_text in _runs(text, lang):
        seg = _segment(run_text, run_lang, zh_predictor)
        if seg is not None:
            seq.segments.append(seg)
    if not _final and len(seq.phones) < 6:
        return text_to_phones("." + text, language, zh_predictor=zh_predictor, _final=True)
    return seq


def bert_features(seq: PhoneSequence, featurizer=None, dim: int | None = None):
    """``(dim, n_phones)`` float32: BERT for Chinese segments when a featurizer is given, zeros elsewhere."""
    import torch

    from .bert import BERT_DIM, zeros

    width = dim or (featurizer.dim if featurizer is not None else BERT_DIM)
    parts = []
    for s in seq.segments:
        if s.language == "zh" and featurizer is not None and s.word2ph:
            parts.append(featurizer.features(s.text, s.word2ph))
        else:
            parts.append(zeros(len(s.phones), width))
    if not parts:
        return torch.zeros(width, 0)
    return torch.cat(parts, dim=1)
