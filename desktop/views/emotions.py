"""The emotion vocabulary as the views show it: translated names, the coverage set and its colours."""

from __future__ import annotations

from engine.api import EMOTIONS

COVERAGE_EMOTIONS = tuple(e for e in EMOTIONS if e not in ("other", "unknown"))
EMOTION_COLORS = {"angry": "#d62728", "disgusted": "#8c564b", "fearful": "#9467bd", "happy": "#f2b600",
                  "neutral": "#7f7f7f", "sad": "#1f77b4", "surprised": "#17becf"}


def emotion_label(emotion: str) -> str:
    """An emotion's name in the user's language (the engine's English name when it is not a known one)."""
    from PySide6.QtCore import QCoreApplication

    names = {
        "angry": QCoreApplication.translate("Emotion", "angry"),
        "disgusted": QCoreApplication.translate("Emotion", "disgusted"),
        "fearful": QCoreApplication.translate("Emotion", "fearful"),
        "happy": QCoreApplication.translate("Emotion", "happy"),
        "neutral": QCoreApplication.translate("Emotion", "neutral"),
        "other": QCoreApplication.translate("Emotion", "other"),
        "sad": QCoreApplication.translate("Emotion", "sad"),
        "surprised": QCoreApplication.translate("Emotion", "surprised"),
        "unknown": QCoreApplication.translate("Emotion", "unknown"),
    }
    return names.get(emotion, emotion)
