"""Per-request synthesis options with GPT-SoVITS' own names (``engine.synthesis_options``).

``SynthesisRequest.options`` carries these (see docs/DEVELOPING.md, "Backend interface"); backends ignore what they
cannot honour and say so through ``Backend.unsupported_options``. This module is the one place that knows their
types, ranges and upstream defaults, so the CLI (``timbrel say --top-k 5``), the Speak tab and the saved per-voice
defaults (:mod:`engine.library.synthesis_defaults`) validate them the same way:

* :data:`OPTIONS` — name → :class:`OptionSpec` (kind, range, upstream default, what it does).
* :func:`validate` — check and normalise a mapping (unknown names and out-of-range values are
  :class:`~engine.errors.InvalidInput` with a hint); ``None`` values are dropped (= the backend's default).
* :func:`merge` — saved voice defaults overlaid with the request's own options.
* :func:`describe` — one short line for people ("top_k 5, temperature 0.7").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from .errors import InvalidInput

SPLIT_METHODS = ("cut0", "cut1", "cut2", "cut3", "cut4", "cut5")
SPLIT_METHOD_TEXT = {
    "cut0": "no split",
    "cut1": "every four sentences",
    "cut2": "every 50 characters",
    "cut3": "at Chinese full stops (。)",
    "cut4": "at English full stops (.)",
    "cut5": "at every punctuation mark",
}


@dataclass(frozen=True)
class OptionSpec:
    name: str
    kind: str                 # int | float | bool | choice | paths
    default: Any              # GPT-SoVITS' own default (what the backend does when the option is absent)
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    help: str = ""


OPTIONS: dict[str, OptionSpec] = {s.name: s for s in (
    OptionSpec("top_k", "int", 15, 1, 100, help="sample among the k most likely tokens (lower: steadier, duller)"),
    OptionSpec("top_p", "float", 1.0, 0.0, 1.0, help="sample among the tokens making up this probability mass"),
    OptionSpec("temperature", "float", 1.0, 0.01, 2.0, help="randomness of the token sampling (lower: steadier)"),
    OptionSpec("repetition_penalty", "float", 1.35, 0.0, 3.0, help="discourage repeating tokens (> 1)"),
    OptionSpec("text_split_method", "choice", "cut1", choices=SPLIT_METHODS,
               help="how long text is cut before synthesis: " + ", ".join(f"{k} {v}" for k, v in SPLIT_METHOD_TEXT.items())),
    OptionSpec("speed_factor", "float", 1.0, 0.25, 4.0, help="speaking rate (1 = normal)"),
    OptionSpec("fragment_interval", "float", 0.3, 0.0, 2.0, help="seconds of silence between the cut pieces"),
    OptionSpec("batch_size", "int", 1, 1, 64, help="pieces synthesized together"),
    OptionSpec("split_bucket", "bool", True, help="group pieces of similar length when batching"),
    OptionSpec("parallel_infer", "bool", True, help="decode the pieces of a batch in parallel"),
    OptionSpec("sample_steps", "int", 32, 4, 128, help="diffusion steps (v3/v4 bases only)"),
    OptionSpec("super_sampling", "bool", False, help="upsample the output (v3 bases only)"),
    OptionSpec("ref_free", "bool", False, help="reference-free mode: do not prompt with the clip's transcript"),
    OptionSpec("aux_refs", "paths", (), help="extra audio files whose timbre is averaged in"),
)}

# what the Speak tab and `timbrel say` expose (the rest stay settable through the API)
USER_OPTIONS = ("top_k", "top_p", "temperature", "repetition_penalty", "text_split_method", "speed_factor",
                "fragment_interval", "ref_free", "aux_refs")


def _bad(name: str, value: Any, spec: OptionSpec) -> InvalidInput:
    if spec.kind == "choice":
        rng = ", ".join(spec.choices)
    elif spec.kind == "bool":
        rng = "true or false"
    elif spec.kind == "paths":
        rng = "a list of audio files"
    else:
        rng = f"{spec.low:g} to {spec.high:g}"
    return InvalidInput(f"{name} = {value!r} is not allowed.", hint=f"Use {rng} ({spec.help}).")


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().casefold() in ("1", "true", "yes", "on"):
        return True
    if isinstance(value, str) and value.strip().casefold() in ("0", "false", "no", "off"):
        return False
    return None


def validate(options: Mapping[str, Any] | None) -> dict[str, Any]:
    """Checked, normalised options (see the module docstring)."""
    out: dict[str, Any] = {}
    for name, value in (options or {}).items():
        spec = OPTIONS.get(name)
        if spec is None:
            import difflib

            near = difflib.get_close_matches(name, list(OPTIONS), n=1)
            raise InvalidInput(f"There is no synthesis option '{name}'.",
                               hint=(f"Did you mean '{near[0]}'? " if near else "") + "Options: " + ", ".join(OPTIONS) + ".")
        if value is None:
            continue
        if spec.kind in ("int", "float"):
            try:
                num = float(value)
            except (TypeError, ValueError):
                raise _bad(name, value, spec) from None
            if num != num or not (spec.low <= num <= spec.high) or (spec.kind == "int" and num != int(num)):
                raise _bad(name, value, spec)
            out[name] = int(num) if spec.kind == "int" else float(num)
        elif spec.kind == "bool":
            b = _bool(value)
            if b is None:
                raise _bad(name, value, spec)
            out[name] = b
        elif spec.kind == "choice":
            v = str(value).strip().lower()
            if v not in spec.choices:
                raise _bad(name, value, spec)
            out[name] = v
        else:  # paths
            items = [value] if isinstance(value, str) else list(value)
            paths = [str(p) for p in items if str(p).strip()]
            if paths:
                out[name] = paths
    return out


def merge(defaults: Mapping[str, Any] | None, options: Mapping[str, Any] | None) -> dict[str, Any]:
    """A voice's saved defaults with the request's own options on top (both validated)."""
    return {**validate(defaults), **validate(options)}


def say_arguments(options: Mapping[str, Any] | None) -> dict[str, Any]:
    """``SpeechService.say`` keyword arguments for validated options: ``speed_factor`` is the request's own ``speed``
    (what every backend reads); the rest stay ``options``."""
    opts = validate(options)
    speed = opts.pop("speed_factor", None)
    return {"options": opts, **({"speed": speed} if speed is not None else {})}


def describe(options: Mapping[str, Any]) -> str:
    parts = []
    for name, value in options.items():
        if name == "aux_refs":
            parts.append(f"{len(value)} extra reference{'s' if len(value) != 1 else ''}")
        elif isinstance(value, bool):
            parts.append(name if value else f"no {name}")
        else:
            parts.append(f"{name} {value:g}" if isinstance(value, float) else f"{name} {value}")
    return ", ".join(parts)
