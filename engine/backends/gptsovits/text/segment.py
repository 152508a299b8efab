"""Splitting input text: into sentences (for streaming) and into single-language runs by script.

(``text_to_phones`` cuts language runs with upstream's rules, :mod:`.langsplit`; :func:`split_languages` is the
model-free split by script.) Language split by script: kana → ``ja``; Han → ``zh`` (or ``ja`` when the sentence
has kana, or when the caller's language is ``ja``); Latin letters → ``en``; digits, spaces and punctuation join the run they
sit in (or the next one at the start). Sentence split cuts after sentence-final punctuation (。！？.!?…;；
and newlines), then merges pieces shorter than ``min_chars`` into their neighbour and cuts pieces longer
than ``max_chars`` at commas — like upstream's ``cut5`` + ``merge_short_text_in_array``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LANGUAGES = ("zh", "en", "ja")
AUTO = "auto"

_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9d]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3005]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
_SENTENCE_END = re.compile(r"(?<=[。！？!?…；;\n])|(?<=\.)(?=\s|$)")
_COMMA = re.compile(r"(?<=[，,、：:])")


@dataclass(frozen=True)
class Run:
    text: str
    language: str


def _script(ch: str, han_as: str) -> str | None:
    if _KANA.match(ch):
        return "ja"
    if _HAN.match(ch):
        return han_as
    if _LATIN.match(ch):
        return "en"
    return None


def split_languages(text: str, language: str = AUTO) -> list[Run]:
    """Split ``text`` into runs of one language. ``language`` zh/ja/en gives Han characters that reading
    (and decides where neutral characters go when nothing else does); ``auto`` guesses per sentence."""
    han_as = "ja" if language == "ja" or (language == AUTO and _KANA.search(text)) else "zh"
    runs: list[list[str]] = []  # [language, text]
    pending = ""
    for ch in text:
        lang = _script(ch, han_as)
        if lang is None:
            if runs:
                runs[-1][1] += ch
            else:
                pending += ch
            continue
        if runs and runs[-1][0] == lang:
            runs[-1][1] += ch
        else:
            # neutral characters between two runs stay with the previous one, except spaces/digits that
            # lead into the new run
            if runs:
                prev = runs[-1][1]
                m = re.search(r"[\s\d]+$", prev)
                carry = ""
                if m and lang == "en" and runs[-1][0] != "en":
                    carry, runs[-1][1] = m.group(0).lstrip(), prev[: m.start()]
                runs.append([lang, carry + ch])
            else:
                runs.append([lang, pending + ch])
                pending = ""
    if pending:
        fallback = language if language in LANGUAGES else "zh" if _HAN.search(pending) else "en"
        runs.append([fallback, pending])
    out = [Run(t, lang) for lang, t in runs if t.strip()]
    if language in LANGUAGES and all(r.language == language or r.language not in LANGUAGES for r in out):
        return [Run(text, language)] if text.strip() else []
    return out


def _merge_short(pieces: list[str], min_chars: int) -> list[str]:
    out: list[str] = []
    for p in pieces:
        if out and len(out[-1].strip()) < min_chars:
            out[-1] += p
        else:
            out.append(p)
    if len(out) > 1 and len(out[-1].strip()) < min_chars:
        last = out.pop()
        out[-1] += last
    return out


def split_sentences(text: str, *, min_chars: int = 5, max_chars: int = 80) -> list[str]:
    """Cut long input into sentences for streaming synthesis (never loses a character except edge spaces)."""
    text = text.strip()
    if not text:
        return []
    pieces = [p for p in _SENTENCE_END.split(text) if p]
    cut: list[str] = []
    for p in pieces:
        if len(p) <= max_chars:
            cut.append(p)
            continue
        chunk = ""
        for part in _COMMA.split(p):
            if chunk and len(chunk) + len(part) > max_chars:
                cut.append(chunk)
                chunk = ""
            while len(part) > max_chars:  # no comma at all: hard cut
                cut.append(part[:max_chars])
                part = part[max_chars:]
            chunk += part
        if chunk:
            cut.append(chunk)
    merged = _merge_short(cut, min_chars)
    return [m.strip() for m in merged if m.strip()]
