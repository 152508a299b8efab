"""Speech commands: ``timbrel say``."""

from __future__ import annotations

import argparse
import sys

from ..errors import InvalidInput, MissingAsset
from . import Context, add_command
from .synthesis_cmds import add_synthesis_arguments, say_report, synthesis_from_args


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "say", cmd_say, help="speak TEXT in a voice (write a WAV with --out, or --play it)")
    p.add_argument("text", help="what to say ('-' reads standard input)")
    p.add_argument("--voice", "-v", required=True, help="voice name")
    p.add_argument("--emotion", "-e", help="emotion of the prompt clip (happy, sad, angry, ...)")
    p.add_argument("--out", "-o", metavar="FILE.wav", help="write the audio to this WAV file")
    p.add_argument("--play", action="store_true", help="play the audio as it is synthesized")
    p.add_argument("--base", help="speak with this base instead of the voice's cluster base")
    p.add_argument("--save-defaults", action="store_true",
                   help="also keep the synthesis settings given here as the voice's defaults")
    p.add_argument("--priority", choices=("interactive", "batch"), default="interactive")
    p.add_argument("--timeout", type=float, default=None, help="give up when it has not started after this many seconds")
    add_synthesis_arguments(p)      # --top-k ... --seed --lang (GPT-SoVITS' controls; the voice's saved defaults apply)


def cmd_say(args, ctx: Context) -> int:
    text = sys.stdin.read() if args.text == "-" else args.text
    if not args.out and not args.play:
        raise InvalidInput("Say where the audio goes.", hint="Add --out FILE.wav, --play, or both.")
    eng = ctx.engine
    synth = synthesis_from_args(args, eng, args.voice)
    say = dict(emotion=args.emotion, base=args.base, priority=args.priority, timeout_s=args.timeout, **synth)
    if args.save_defaults:
        from .synthesis_cmds import explicit_options
        from ..library import synthesis_defaults

        cur = synthesis_defaults.get(eng.library, args.voice)
        synthesis_defaults.save(eng.library, args.voice, {**cur.options, **explicit_options(args)},
                                seed=cur.seed if args.seed is None else args.seed,
                                language=cur.language if args.language is None else args.language)
    playback = None
    no_sound = None
    try:
        if args.play:   # the one speak path: submit, play as chunks come
            try:
                from ..playback import Playback
            except ImportError as exc:
                raise MissingAsset(f"Playback is not available in this installation ({exc}).",
                                   hint="Use --out FILE.wav instead.") from exc
            playback = Playback(events=eng.events)
            if not playback.available:
                no_sound = playback.reason or "no audio device"
            handle, job = eng.speech.speak(text, args.voice, playback=playback, label=text[:40], **say)
            job.wait()
            if job.error is not None:
                raise job.error
        else:
            handle = eng.speech.say(text, args.voice, **say)
        audio = handle.result()
    finally:
        if playback is not None:
            playback.close()
    if args.out:
        from ..audio.io import write_wav

        write_wav(args.out, audio.samples, audio.sample_rate)
    info = {**handle.info(), "seconds": audio.seconds, "sample_rate": audio.sample_rate, "out": args.out,
            "used_clip": getattr(handle.used_clip, "id", None), "preview": handle.preview,
            "played": bool(args.play and not no_sound), "no_sound": no_sound,
            "options": synth["options"], "ignored_options": list(getattr(handle, "unsupported_options", None) or [])}
    ctx.emit(info, say_report(handle, audio, emotion=args.emotion, out=args.out, played=args.play, no_sound=no_sound))
    return 0
