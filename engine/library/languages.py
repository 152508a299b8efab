"""Language codes of clips.

Stored codes are lower case: the five GPT-SoVITS writes (``zh``, ``en``, ``ja``, ``ko``,
``yue``) and otherwise ISO 639-1 (``cs``, ``fi``, ``it``, ``ru``...; three-letter ISO
639-2/3 codes are kept when they have no two-letter form). GPT-SoVITS variants are
folded in: upper case (``ZH``), ``all_zh``/``all_ja``... (Chinese-only text mode, still
Chinese), region tags (``en-US``, ``zh_CN``) and common slips (``jp``, ``cn``, ``kr``).
``auto`` (let GPT-SoVITS detect) means "unknown" and is stored as no language.

Only languages Timbrel can speak are accepted (:data:`SUPPORTED_LANGUAGES`): the five of
GPT-SoVITS and the languages the preview voice (eSpeak NG) has; ``xx`` or ``qq`` are refused
with the list, instead of being stored as if they meant something.
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
# languages the eSpeak NG preview voice speaks (ISO 639-1 where there is one, else ISO 639-2/3)
PREVIEW_LANGUAGES = frozenset("""
af am an ar as az ba be bg bn bpy bs ca chr cmn cs cv cy da de el en eo es et eu fa fi fo fr ga gd gn grc gu hak haw
he hi hr ht hu hy hyw ia id io is it ja jbo ka kaa kk kl kn ko kok ku ky la lb lfn lt ltg lv mi mk ml mr ms mt mto my
nb nci ne nl nog om or pa pap piqd pl pt py qdb qu quc qya ro ru sd shn si sjn sk sl smj sq sr sv sw ta te th ti tk
tn tr tt ug uk ur uz vi yue no zh
""".split()) - {"cmn"}
SUPPORTED_LANGUAGES = frozenset(GPT_SOVITS_LANGUAGES) | PREVIEW_LANGUAGES

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
        code_ = _ALIASES.get(base, base)
        if code_ in SUPPORTED_LANGUAGES:
            return code_
        raise InvalidInput(
            f"'{code}' is not a language Timbrel supports.",
            hint="Use en, zh, ja, ko or yue (GPT-SoVITS), or another language the preview voice speaks "
                 "(de, fr, es, it, ru, cs, fi...).",
        )
    raise InvalidInput(
        f"'{code}' is not a language code.",
        hint="Use a code such as en, zh, ja, ko, yue (as GPT-SoVITS writes them) or another ISO 639-1 code (de, fr, cs...).",
    )
