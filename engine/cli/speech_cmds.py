"""Speech commands: ``timbrel say``."""

from __future__ import annotations

import argparse
import sys

from ..errors import InvalidInput, MissingAsset
from . import Context, add_command


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "say", cmd_say, help="speak TEXT in a voice (write a WAV with --out, or --play it)")
    p.add_argument("text", help="what to say ('-' reads standard input)")
    p.add_argument("--voice", "-v", required=True, help="voice name")
    p.add_argument("--emotion", "-e", help="emotion of the prompt clip (happy, sad, angry, ...)")
    p.add_argument("--lang", dest="language", help="language of the text (default: the voice's)")
    p.add_argument("--out", "-o", metavar="FILE.wav", help="write the audio to this WAV file")
    p.add_argument("--play", action="store_true", help="play the audio as it is synthesized")
    p.add_argument("--seed", type=int, help="random seed (same seed, same audio)")
    p.add_argument("--base", help="speak with this base instead of the voice's cluster base")
    p.add_argument("--speed", type=float, default=1.0, help="speaking rate (1 = normal)")
    p.add_argument("--priority", choices=("interactive", "batch"), default="interactive")
    p.add_argument("--timeout", type=float, default=None, help="give up when it has not started after this many seconds")


def cmd_say(args, ctx: Context) -> int:
    text = sys.stdin.read() if args.text == "-" else args.text
    if not args.out and not args.play:
        raise InvalidInput("Say where the audio goes.", hint="Add --out FILE.wav, --play, or both.")
    eng = ctx.engine
    say = dict(emotion=args.emotion, language=args.language, seed=args.seed, base=args.base, priority=args.priority,
               speed=args.speed, timeout_s=args.timeout)
    playback = None
    try:
        if args.play:   # the one speak path: submit, play as chunks come
            try:
                from ..playback import Playback
            except ImportError as exc:
                raise MissingAsset(f"Playback is not available in this installation ({exc}).",
                                   hint="Use --out FILE.wav instead.") from exc
            playback = Playback(events=eng.events)
            if not playback.available:
                ctx.info(f"no sound output: {playback.reason}")
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
            "used_clip": getattr(handle.used_clip, "id", None), "preview": handle.preview}
    ctx.emit(info, f"{audio.seconds:.2f} s of audio" + (f" written to {args.out}" if args.out else " played")
             + f" (waited {handle.wait_s or 0:.2f} s, synthesized in {handle.service_s or 0:.2f} s)")
    return 0
