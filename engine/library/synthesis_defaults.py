"""Per-voice synthesis defaults (table ``voice_synthesis_defaults``, schema 0010).

A voice can keep the options it should be spoken with (``top_k``, ``temperature``... with GPT-SoVITS' names, see
:mod:`engine.synthesis_options`), a seed and a language. ``timbrel say`` and the Speak tab start from them; the
options a request gives itself win (:func:`engine.synthesis_options.merge`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping

from ..synthesis_options import validate
from .catalog import utc_now
from .languages import normalize_language


@dataclass(frozen=True)
class VoiceDefaults:
    voice: str
    options: dict[str, Any] = field(default_factory=dict)
    seed: int | None = None
    language: str | None = None      # a stored language code, or "auto"
    updated_at: str | None = None

    @property
    def empty(self) -> bool:
        return not self.options and self.seed is None and self.language is None

    def to_dict(self) -> dict[str, Any]:
        return {"voice": self.voice, "options": dict(self.options), "seed": self.seed, "language": self.language,
                "updated_at": self.updated_at}


def _language(code: str | None) -> str | None:
    if code is not None and code.strip().casefold() == "auto":
        return "auto"
    return normalize_language(code)


def get(library, voice) -> VoiceDefaults:
    v = voice if hasattr(voice, "clips") else library.voice(voice)
    r = library.catalog.query_one("SELECT * FROM voice_synthesis_defaults WHERE voice_id = ?", (v.id,))
    if r is None:
        return VoiceDefaults(v.name)
    return VoiceDefaults(v.name, validate(json.loads(r["options"] or "{}")), r["seed"], r["language"], r["updated_at"])


def save(library, voice, options: Mapping[str, Any] | None = None, *, seed: int | None = None,
         language: str | None = None) -> VoiceDefaults:
    """Replace the voice's defaults (empty arguments clear them)."""
    v = voice if hasattr(voice, "clips") else library.voice(voice)
    opts = validate(options)
    lang = _language(language)
    with library.catalog.transaction() as conn:
        if not opts and seed is None and lang is None:
            conn.execute("DELETE FROM voice_synthesis_defaults WHERE voice_id = ?", (v.id,))
        else:
            conn.execute(
                "INSERT INTO voice_synthesis_defaults(voice_id, options, seed, language, updated_at) VALUES (?,?,?,?,?)"
                " ON CONFLICT(voice_id) DO UPDATE SET options = excluded.options, seed = excluded.seed,"
                " language = excluded.language, updated_at = excluded.updated_at",
                (v.id, json.dumps(opts, sort_keys=True, ensure_ascii=False), None if seed is None else int(seed), lang,
                 utc_now()))
    return get(library, v)


def clear(library, voice) -> None:
    save(library, voice)
