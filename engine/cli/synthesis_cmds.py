"""Synthesis controls on the command line: the options ``timbrel say`` (and cue commands) take, and
``timbrel voice-defaults`` (a voice's saved synthesis defaults).

:func:`add_synthesis_arguments` adds ``--top-k``, ``--top-p``, ``--temperature``, ``--repetition-penalty``,
``--split``, ``--speed``, ``--fragment-interval``, ``--ref-free``, ``--aux-ref`` (with ``--seed`` and ``--lang``
where the command has none); :func:`synthesis_from_args` turns them into what ``SpeechService.say`` takes —
``options`` with GPT-SoVITS' names, ``seed`` and ``language`` — on top of the voice's saved defaults.
"""

from __future__ import annotations

import argparse
from typing import Any

from .. import synthesis_options as so
from . import Context, add_command

# argparse dest → upstream option name
_DESTS = {
    "top_k": "top_k", "top_p": "top_p", "temperature": "temperature", "repetition_penalty": "repetition_penalty",
    "text_split_method": "text_split_method", "speed": "speed_factor", "fragment_interval": "fragment_interval",
    "ref_free": "ref_free", "aux_refs": "aux_refs",
}


def add_synthesis_arguments(p: argparse.ArgumentParser, *, seed: bool = True, language: bool = True) -> None:
    g = p.add_argument_group("synthesis (GPT-SoVITS' options; unset = the voice's saved default, else upstream's)")
    spec = so.OPTIONS
    g.add_argument("--top-k", type=int, metavar="K", help=f"{spec['top_k'].help} (default {spec['top_k'].default})")
    g.add_argument("--top-p", type=float, metavar="P", help=f"{spec['top_p'].help} (default {spec['top_p'].default:g})")
    g.add_argument("--temperature", type=float, metavar="T",
                   help=f"{spec['temperature'].help} (default {spec['temperature'].default:g})")
    g.add_argument("--repetition-penalty", type=float, metavar="R",
                   help=f"{spec['repetition_penalty'].help} (default {spec['repetition_penalty'].default:g})")
    g.add_argument("--split", dest="text_split_method", choices=so.SPLIT_METHODS, metavar="cut0..cut5",
                   help=spec["text_split_method"].help + f" (default {spec['text_split_method'].default})")
    g.add_argument("--speed", type=float, metavar="X", help="speaking rate (1 = normal)")
    g.add_argument("--fragment-interval", type=float, metavar="S",
                   help=f"{spec['fragment_interval'].help} (default {spec['fragment_interval'].default:g})")
    g.add_argument("--ref-free", action="store_const", const=True, default=None,
                   help="reference-free mode: prompt without the reference clip's transcript")
    g.add_argument("--aux-ref", dest="aux_refs", action="append", metavar="FILE",
                   help="an extra audio file whose timbre is averaged in (repeatable)")
    if seed:
        g.add_argument("--seed", type=int, help="random seed (same seed, same audio)")
    if language:
        g.add_argument("--lang", dest="language", metavar="L",
                       help="language of the text: en, zh, ja, ko, yue..., or auto to detect it (default: the voice's)")


def explicit_options(args) -> dict[str, Any]:
    """The options given on the command line (validated; GPT-SoVITS' names)."""
    raw = {name: getattr(args, dest, None) for dest, name in _DESTS.items()}
    if raw.get("aux_refs"):
        from pathlib import Path

        from ..errors import NotFound

        for f in raw["aux_refs"]:
            if not Path(f).is_file():
                raise NotFound(f"The extra reference '{f}' does not exist.", hint="Give audio files with --aux-ref.")
        raw["aux_refs"] = [str(Path(f).resolve()) for f in raw["aux_refs"]]
    return so.validate(raw)


def synthesis_from_args(args, engine, voice: str | None) -> dict[str, Any]:
    """Keyword arguments for ``SpeechService.say`` (``options``, ``speed`` when set, ``seed``, ``language``): the
    voice's saved defaults overlaid with the command line's."""
    from ..library import synthesis_defaults

    saved = synthesis_defaults.get(engine.library, voice) if voice else synthesis_defaults.VoiceDefaults("")
    seed = getattr(args, "seed", None)
    language = getattr(args, "language", None)
    return {**so.say_arguments(so.merge(saved.options, explicit_options(args))),
            "seed": saved.seed if seed is None else seed,
            "language": saved.language if language is None else language}


def say_report(handle, audio, *, emotion: str | None = None, out: str | None = None, played: bool = False,
               no_sound: str | None = None) -> str:
    """What ``timbrel say`` tells a person: how much audio went where, which base spoke (saying so when it was the
    preview voice), which clip prompted it when the asked emotion had no clip of its own, and the options the base
    ignored."""
    where = []
    if out:
        where.append(f"written to {out}")
    if played and not no_sound:
        where.append("played")
    lines = [f"{audio.seconds:.2f} s of audio" + (" " + " and ".join(where) if where else "")
             + f" (waited {handle.wait_s or 0:.2f} s, synthesized in {handle.service_s or 0:.2f} s)"]
    if played and no_sound:
        lines.append(f"Nothing was heard: there is no sound output ({no_sound.rstrip('.')}).")
    base = getattr(handle, "base", None)
    if getattr(handle, "preview", False):
        lines.append(f"Spoken with the preview voice ({base}), not a clone of the voice — link GPT-SoVITS assets "
                     f"('timbrel assets link PATH') and import a base for real cloning.")
    elif base:
        lines.append(f"Spoken by base {base}.")
    clip = getattr(handle, "used_clip", None)
    if emotion and clip is not None and (clip.emotion or "") != emotion:
        lines.append(f"The voice has no '{emotion}' clip: prompted with clip #{clip.id} "
                     f"({clip.emotion or 'no emotion label'}, {clip.duration:.1f} s).")
    ignored = list(getattr(handle, "unsupported_options", None) or [])
    if ignored:
        lines.append(f"This base ignores: {', '.join(ignored)}.")
    return "\n".join(lines)


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "voice-defaults", cmd_voice_defaults,
                    help="show, set or clear the synthesis settings a voice is spoken with by default")
    p.add_argument("voice")
    p.add_argument("--clear", action="store_true", help="forget the voice's saved settings")
    add_synthesis_arguments(p)


def cmd_voice_defaults(args, ctx: Context) -> int:
    from ..library import synthesis_defaults

    lib = ctx.engine.library
    given = explicit_options(args)
    if args.clear:
        synthesis_defaults.clear(lib, args.voice)
        d = synthesis_defaults.get(lib, args.voice)
        ctx.emit(d.to_dict(), f"'{d.voice}' has no saved synthesis settings now.")
        return 0
    if given or args.seed is not None or args.language is not None:
        cur = synthesis_defaults.get(lib, args.voice)
        d = synthesis_defaults.save(lib, args.voice, {**cur.options, **given},
                                    seed=cur.seed if args.seed is None else args.seed,
                                    language=cur.language if args.language is None else args.language)
        verb = "saved"
    else:
        d = synthesis_defaults.get(lib, args.voice)
        verb = "saved" if not d.empty else None

    def text() -> str:
        if d.empty:
            return f"'{d.voice}' has no saved synthesis settings: it speaks with GPT-SoVITS' defaults."
        parts = [so.describe(d.options)] if d.options else []
        if d.seed is not None:
            parts.append(f"seed {d.seed}")
        if d.language:
            parts.append(f"language {d.language}")
        return f"'{d.voice}' {verb} settings: " + ", ".join(parts)

    ctx.emit(d.to_dict(), text)
    return 0
