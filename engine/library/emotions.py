"""The emotion vocabulary: the 9 emotion2vec+ classes.

Labels are stored in English lower case. ``normalize_emotion`` accepts common
synonyms and the Chinese labels emotion2vec+ prints (生气/angry, ...), so folder
and file names like ``happy/``, ``开心`` or ``clip_angry_01.wav`` map to a label.
"""

from __future__ import annotations

import re

from ..errors import InvalidInput

EMOTIONS: tuple[str, ...] = (
    "angry", "disgusted", "fearful", "happy", "neutral", "other", "sad", "surprised", "unknown",
)

_SYNONYMS: dict[str, str] = {
    "anger": "angry", "mad": "angry", "生气": "angry", "愤怒": "angry",
    "disgust": "disgusted", "厌恶": "disgusted",
    "fear": "fearful", "afraid": "fearful", "scared": "fearful", "恐惧": "fearful", "害怕": "fearful",
    "happiness": "happy", "joy": "happy", "joyful": "happy", "excited": "happy", "开心": "happy", "高兴": "happy",
    "calm": "neutral", "normal": "neutral", "平静": "neutral", "中立": "neutral", "中性": "neutral",
    "sadness": "sad", "unhappy": "sad", "难过": "sad", "伤心": "sad", "悲伤": "sad",
    "surprise": "surprised", "吃惊": "surprised", "惊讶": "surprised",
    "其他": "other", "<unk>": "unknown", "unk": "unknown",
}

EMOTION_SOURCES = ("user", "import", "suggested")


def normalize_emotion(label: str | None) -> str | None:
    """Map a label or synonym to one of :data:`EMOTIONS`; ``None``/empty stays ``None``.

    Raises :class:`InvalidInput` for a label that means nothing.
    """
    if label is None:
        return None
    key = label.strip().lower()
    if not key:
        return None
    if "/" in key:  # emotion2vec prints "生气/angry"
        key = key.split("/")[-1].strip()
    if key in EMOTIONS:
        return key
    if key in _SYNONYMS:
        return _SYNONYMS[key]
    raise InvalidInput(
        f"'{label}' is not an emotion Timbrel knows.",
        hint="Use one of: " + ", ".join(EMOTIONS) + ".",
    )


_TOKEN = re.compile(r"[A-Za-z]+|[\u4e00-\u9fff]+")


def emotion_from_name(name: str) -> str | None:
    """Guess an emotion from a file or folder name (``happy_03.wav`` → happy); ``None`` when nothing matches."""
    for token in _TOKEN.findall(name):
        try:
            found = normalize_emotion(token)
        except InvalidInput:
            continue
        if found is not None:
            return found
    return None
