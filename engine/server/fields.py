"""api_v2 and OpenAI request fields: lenient parsing (clients send "true", "1.0", "-1" as strings) into one
``SpeakParams``, with upstream's defaults, checks and error messages.

Which api_v2 fields become what:

* ``text``, ``text_lang`` → the text and its language (``auto`` / ``auto_yue``: the voice's language;
  ``all_zh`` etc.: ``zh``).
* ``ref_audio_path``, ``aux_ref_audio_paths``, ``prompt_text``, ``prompt_lang`` → the references
  (``engine.server.references``).
* ``seed`` (``-1`` = random), ``speed_factor`` → the request's seed and speed.
* ``top_k, top_p, temperature, repetition_penalty, text_split_method, fragment_interval, batch_size,
  split_bucket, parallel_infer, sample_steps, super_sampling`` → ``SynthesisRequest.options`` under the same
  names, only when the client sent them; an empty ``prompt_text`` with an outside reference → ``ref_free``.
* ``batch_threshold``, ``overlap_length``, ``min_chunk_length``, ``return_fragment``: nothing in Timbrel uses
  them; they are accepted and, when sent, named in the ``X-Timbrel-Ignored-Fields`` response header.
* ``media_type`` (wav / raw / ogg / aac, plus flac / mp3 / opus), ``streaming_mode`` (false/true/0-3).
* Extensions: ``voice`` (a library voice), ``emotion``, ``base``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

TEXT_LANGS = {"auto", "auto_yue", "en", "zh", "ja", "yue", "ko", "all_zh", "all_ja", "all_yue", "all_ko"}
SPLIT_METHODS = {"cut0", "cut1", "cut2", "cut3", "cut4", "cut5"}
TTS_MEDIA = {"wav", "raw", "ogg", "aac", "flac", "mp3", "opus"}
OPENAI_FORMATS = {"mp3", "opus", "aac", "flac", "wav", "pcm"}

# api_v2 field → (type, upstream default)
API_V2_FIELDS: dict[str, tuple[str, Any]] = {
    "text": ("str", None), "text_lang": ("str", None), "ref_audio_path": ("str", None),
    "aux_ref_audio_paths": ("list", None), "prompt_text": ("str", ""), "prompt_lang": ("str", None),
    "top_k": ("int", 15), "top_p": ("float", 1.0), "temperature": ("float", 1.0), "text_split_method": ("str", "cut5"),
    "batch_size": ("int", 1), "batch_threshold": ("float", 0.75), "split_bucket": ("bool", True),
    "speed_factor": ("float", 1.0), "fragment_interval": ("float", 0.3), "seed": ("int", -1),
    "media_type": ("str", "wav"), "streaming_mode": ("mode", False), "parallel_infer": ("bool", True),
    "repetition_penalty": ("float", 1.35), "sample_steps": ("int", 32), "super_sampling": ("bool", False),
    "overlap_length": ("int", 2), "min_chunk_length": ("int", 16), "return_fragment": ("bool", False),
    # Timbrel's extensions
    "voice": ("str", None), "emotion": ("str", None), "base": ("str", None),
}
OPTION_FIELDS = ("top_k", "top_p", "temperature", "repetition_penalty", "text_split_method", "fragment_interval",
                 "batch_size", "split_bucket", "parallel_infer", "sample_steps", "super_sampling")
UNUSED_FIELDS = ("batch_threshold", "overlap_length", "min_chunk_length", "return_fragment")
# option name → the api_v2 field a client sent (for the ignored-fields header)
OPTION_TO_FIELD = {**{o: o for o in OPTION_FIELDS}, "aux_refs": "aux_ref_audio_paths", "ref_free": "prompt_text",
                   "speed_factor": "speed_factor"}


class FieldError(ValueError):
    """A field with the wrong type or value: answered 400 with api_v2's JSON shape."""


def _bool(name: str, v: Any) -> bool:
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)) and v in (0, 1):
        return bool(v)
    s = str(v).strip().lower()
    if s in ("true", "1", "yes", "on"):
        return True
    if s in ("false", "0", "no", "off", ""):
        return False
    raise FieldError(f"{name}: {v!r} is not true or false")


def _int(name: str, v: Any) -> int:
    if isinstance(v, bool):
        return int(v)
    f = _float(name, v)
    if abs(f) > 2**62:
        raise FieldError(f"{name}: {v!r} is out of range")
    if f != int(f):
        raise FieldError(f"{name}: {v!r} is not a whole number")
    return int(f)


def _float(name: str, v: Any) -> float:
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise FieldError(f"{name}: {v!r} is not a number") from None
    if f != f or f in (float("inf"), float("-inf")):
        raise FieldError(f"{name}: {v!r} is not a finite number")
    return f


def _mode(v: Any) -> int:
    """api_v2's streaming_mode: false/0 off; true/1 fragments; 2, 3 token streaming. → 0..3"""
    if isinstance(v, bool):
        return 1 if v else 0
    s = str(v).strip().lower()
    if s in ("true", "false"):
        return 1 if s == "true" else 0
    try:
        n = int(float(s))
    except ValueError:
        n = -1
    if n not in (0, 1, 2, 3):
        raise FieldError("the value of streaming_mode must be 0, 1, 2, 3(int) or true/false(bool)")
    return n


def _list(name: str, v: Any) -> list[str]:
    if v is None:
        return []
    if isinstance(v, str):  # GET: repeated keys, or one comma/newline separated value
        parts = [p.strip() for p in v.replace("\n", ",").replace(";", ",").split(",")]
        return [p for p in parts if p]
    if isinstance(v, (list, tuple)):
        return [str(p) for p in v if p not in (None, "")]
    raise FieldError(f"{name}: {v!r} is not a list of paths")


def coerce(raw: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
    """Fields with upstream defaults filled in, and the set of fields the client actually sent (non-null)."""
    out: dict[str, Any] = {}
    sent: set[str] = set()
    for name, (kind, default) in API_V2_FIELDS.items():
        v = raw.get(name)
        if v is None or (kind != "str" and isinstance(v, str) and v.strip() == "" and kind != "list"):
            out[name] = default
            continue
        sent.add(name)
        if kind == "str":
            out[name] = str(v)
        elif kind == "int":
            out[name] = _int(name, v)
        elif kind == "float":
            out[name] = _float(name, v)
        elif kind == "bool":
            out[name] = _bool(name, v)
        elif kind == "mode":
            out[name] = _mode(v)
        elif kind == "list":
            out[name] = _list(name, v)
    if out["streaming_mode"] is False:
        out["streaming_mode"] = 0
    return out, sent


def language_of(text_lang: str | None) -> str | None:
    if not text_lang:
        return None
    t = text_lang.strip().lower()
    if t.startswith("auto"):
        return None
    return t[4:] if t.startswith("all_") else t


@dataclass
class SpeakParams:
    """One synthesis request as the server runs it (whatever shape it arrived in)."""

    text: str
    language: str | None = None
    voice: str | None = None
    ref_audio_path: str | None = None
    aux_ref_audio_paths: list[str] = field(default_factory=list)
    prompt_text: str = ""
    prompt_lang: str | None = None
    emotion: str | None = None
    base: str | None = None
    seed: int | None = None
    speed: float = 1.0
    options: dict[str, Any] = field(default_factory=dict)
    fmt: str = "wav"
    streaming: bool = False
    ignored: list[str] = field(default_factory=list)     # fields sent that nothing uses


def tts_params(raw: dict[str, Any], *, max_text_chars: int) -> SpeakParams:
    """api_v2 ``/tts`` fields → ``SpeakParams``; raises ``FieldError`` with upstream's messages."""
    f, sent = coerce(raw)
    text = f["text"]
    if text in (None, ""):
        raise FieldError("text is required")
    if len(text) > max_text_chars:
        raise FieldError(f"text is {len(text)} characters long; this server takes at most {max_text_chars}")
    tl = f["text_lang"]
    if tl in (None, ""):
        raise FieldError("text_lang is required")
    if tl.lower() not in TEXT_LANGS:
        raise FieldError(f"text_lang: {tl} is not supported")
    pl = f["prompt_lang"]
    if pl not in (None, "") and pl.lower() not in TEXT_LANGS:
        raise FieldError(f"prompt_lang: {pl} is not supported")
    media = (f["media_type"] or "wav").lower()
    if media not in TTS_MEDIA:
        raise FieldError(f"media_type: {media} is not supported")
    if f["text_split_method"] not in SPLIT_METHODS:
        raise FieldError(f"text_split_method:{f['text_split_method']} is not supported")
    speed = float(f["speed_factor"])
    if not (0.25 <= speed <= 4.0):
        raise FieldError(f"speed_factor: {speed} is out of range (0.25 to 4)")
    options = {k: f[k] for k in OPTION_FIELDS if k in sent}
    seed = f["seed"]
    return SpeakParams(
        text=text, language=language_of(tl), voice=f["voice"], ref_audio_path=f["ref_audio_path"],
        aux_ref_audio_paths=list(f["aux_ref_audio_paths"] or []), prompt_text=f["prompt_text"] or "",
        prompt_lang=language_of(pl) if pl else None, emotion=f["emotion"], base=f["base"],
        seed=None if seed is None or seed < 0 else int(seed), speed=speed, options=options, fmt=media,
        streaming=f["streaming_mode"] != 0, ignored=[k for k in UNUSED_FIELDS if k in sent])


def openai_params(raw: dict[str, Any], *, max_text_chars: int) -> tuple[SpeakParams, str | None]:
    """OpenAI ``/v1/audio/speech`` body → (``SpeakParams``, model). ``voice`` is a library voice name."""
    if not isinstance(raw, dict):
        raise FieldError("the body must be a JSON object")
    text = raw.get("input")
    if not isinstance(text, str) or not text.strip():
        raise FieldError("input is required")
    if len(text) > max_text_chars:
        raise FieldError(f"input is {len(text)} characters long; this server takes at most {max_text_chars}")
    voice = raw.get("voice")
    if isinstance(voice, dict):          # {"id": "..."} custom-voice objects
        voice = voice.get("id") or voice.get("name")
    if not isinstance(voice, str) or not voice:
        raise FieldError("voice is required (a voice name from GET /voices)")
    fmt = str(raw.get("response_format") or "mp3").lower()
    if fmt not in OPENAI_FORMATS:
        raise FieldError(f"response_format: {fmt} is not supported (use one of {', '.join(sorted(OPENAI_FORMATS))})")
    speed = _float("speed", raw.get("speed", 1.0))
    if not (0.25 <= speed <= 4.0):
        raise FieldError(f"speed: {speed} is out of range (0.25 to 4)")
    stream_format = raw.get("stream_format")
    if stream_format not in (None, "audio"):
        raise FieldError(f"stream_format: {stream_format} is not supported (only 'audio')")
    ignored = [k for k in ("instructions",) if raw.get(k)]
    seed = raw.get("seed")
    params = SpeakParams(text=text, voice=voice, language=raw.get("language") or None, emotion=raw.get("emotion") or None,
                         seed=None if seed in (None, "") or _int("seed", seed) < 0 else _int("seed", seed),
                         speed=speed, fmt=fmt, streaming=True, ignored=ignored)
    model = raw.get("model")
    return params, (str(model) if model not in (None, "") else None)


__all__ = ["SpeakParams", "FieldError", "tts_params", "openai_params", "coerce", "API_V2_FIELDS", "TEXT_LANGS",
           "OPTION_TO_FIELD", "UNUSED_FIELDS"]
