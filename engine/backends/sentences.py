"""The sentence splitter of the backends that choose their own cuts (``preview``, ``tone``).

A sentence ends after ``. ! ? ; …`` followed by white space (so ``3.14``, ``e.g.x`` and ``Mr.Smith`` stay whole),
right after a CJK ``。！？；`` (CJK text has no spaces; a run such as ``？！`` or a closing quote stays with its
sentence), and at a line break. Pieces with no letter or digit (``...``, ``——``) are dropped: there is nothing
in them to say. ``max_chars`` cuts a longer sentence at its last comma or space before the limit (a hard cut when
it has neither), so a streaming backend never waits for one huge chunk.

GPT-SoVITS does not use this: its text is cut by upstream's own methods (``cut0``–``cut5`` in
:mod:`engine.backends.gptsovits.text.preprocess`), which must keep upstream's exact rules because the parity
fixtures compare our phones and audio with upstream's for the same text and cut method.
"""

from __future__ import annotations

import re

_CJK_END = "。！？；"
_QUOTES = "」』”’）)"
_CLOSERS = re.escape(_CJK_END + "!?.…" + _QUOTES)
_END = re.compile(rf"(?<=[.!?;…])\s+"                                       # Latin: a mark, then a space
                  rf"|(?:(?<=[{_CJK_END}])|(?<=[{_CJK_END}][{_QUOTES}]))(?![{_CLOSERS}])\s*"  # CJK: the mark (+ quote)
                  rf"|\s*\n\s*")
_SOFT_BREAKS = ",，、;； "


def _has_words(piece: str) -> bool:
    return any(c.isalnum() for c in piece)


def _cut_long(sentence: str, max_chars: int) -> list[str]:
    out = []
    while len(sentence) > max_chars:
        cut = max(sentence.rfind(ch, 0, max_chars) for ch in _SOFT_BREAKS)
        cut = cut if cut > 0 else max_chars - 1
        out.append(sentence[: cut + 1].strip())
        sentence = sentence[cut + 1:].strip()
    if sentence:
        out.append(sentence)
    return out


def split_sentences(text: str, max_chars: int | None = None) -> list[str]:
    """``text`` as sentences (stripped, in order, none without a letter or digit); see the module docstring."""
    out: list[str] = []
    for piece in _END.split((text or "").strip()):
        piece = piece.strip()
        if not _has_words(piece):
            continue
        out.extend(_cut_long(piece, max_chars) if max_chars else [piece])
    return [p for p in out if p]


__all__ = ["split_sentences"]
