"""Language codes of clips.

Stored codes are lower case: the five GPT-SoVITS writes (``zh``, ``en``, ``ja``, ``ko``,
``yue``) and otherwise ISO 639-1 (``cs``, ``fi``, ``it``, ``ru``...; three-letter ISO
639-2/3 codes are kept when they have no two-letter form). GPT-SoVITS variants are
folded in: upper case (``ZH``), ``all_zh``/``all_ja``... (Chinese-only text mode, still
Chinese), region tags (``en-US``, ``zh_CN``) and common slips (``jp``, ``cn``, ``kr``).
``auto`` (let GPT-SoVITS detect) means "unknown" and is stored as no language.
"""

from __future__ import annotations

import re

from ..errors import InvalidInput

GPT_SOVITS_LANGUAGES = ("zh", "en", "ja", "ko", "yue")

_ALIASES = {
    "jp": "ja", "jpn": "ja", "japanese": "ja",
    "cn": "zh", "cmn": "zh", "zho": "zh", "chi": "zh", "chinese": "zh", "mandarin": "zh",
    "kr": "ko", "kor": "ko", "korean": "ko",
    "eng": "en", "english": "en",
    "cantonese": "yue",
    "ces": "cs", "cze": "cs", "fin": "fi", "ita": "it", "rus": "ru", "deu": "de", "ger": "de",
    "fra": "fr", "fre": "fr", "spa": "es", "cat": "ca", "hin": "hi", "por": "pt",
}
_UNKNOWN = {"auto", "auto_yue", "unknown", "und", "none", "-"}
_CODE = re.compile(r"[a-z]{2,3}")


def normalize_language(code: str | None) -> str | None:
    """Map a language label to its stored code; ``None``/empty/``auto`` → ``None``.

    Raises :class:`InvalidInput` for something that is not a language code.
    """
    if code is None:
        return None
    key = code.strip().lower().replace("-", "_")
    if not key or key in _UNKNOWN:
        return None
    if key.startswith("all_"):
        key = key[4:]
    if key in _ALIASES:
        return _ALIASES[key]
    base = key.split("_", 1)[0]
    if _CODE.fullmatch(base):
        return _ALIASES.get(base, base)
    raise InvalidInput(
        f"'{code}' is not a language code.",
        hint="Use a code such as en, zh, ja, ko, yue (as GPT-SoVITS writes them) or another ISO 639-1 code (de, fr, cs...).",
    )
