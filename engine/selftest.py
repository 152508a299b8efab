"""``timbrel --selftest``: prove an installation (or the frozen app) works, in a few seconds, without a GPU or sound card.

Steps, each must pass:

1. **imports** — the engine, numpy, soundfile (libsndfile), soxr, torch (a small tensor computation).
2. **library** — opens a fresh library in a temporary folder; every bundled schema ``.sql`` file must have
   been applied (this is what catches a frozen build that forgot the package data).
3. **voice** — stores a short synthetic reference clip as a voice.
4. **synthesis** — a tiny request on the deterministic ``tone`` test backend through the speech service
   (base pool + scheduler), played through the null output; the audio must be non-silent.
5. **preview** (optional, ``preview=True``) — speaks with the preview backend (eSpeak NG from the optional
   ``[preview]`` extra) through the same pool; checks the frozen app bundled eSpeak's library and data.
6. **resources** (optional, ``demo=True``) — the bundled demo library manifest and its clips are readable.

Prints one line: ``SELFTEST OK ...`` (exit 0) or ``SELFTEST FAILED at <step>: <reason>`` (exit 1).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

TEXT = "Timbrel self test."


class SelftestFailure(Exception):
    def __init__(self, step: str, message: str) -> None:
        super().__init__(f"{step}: {message}")
        self.step = step
        self.message = message


@dataclass
class SelftestResult:
    ok: bool
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)
    failed_step: str | None = None
    error: str | None = None
    seconds: float = 0.0

    def summary(self) -> str:
        if not self.ok:
            return f"SELFTEST FAILED at {self.failed_step}: {self.error}"
        s = self.steps
        parts = [f"timbrel {s['imports']['version']}"]
        parts.append(f"torch {s['imports']['torch']}")
        parts.append(f"schema {s['library']['migrations']} files")
        if "analysis" in s:
            parts.append(f"encoder {s['analysis']['encoder']} ({s['analysis']['dim']}-d)")
        syn = s.get("synthesis", {})
        if syn:
            parts.append(f"{syn['backend']}: {syn['audio_s']:.2f} s audio in {syn['chunks']} chunk(s), "
                         f"{syn['frames_played']} frames to {syn['output']} output")
        if "preview" in s:
            name = "eSpeak NG" if s["preview"].get("engine", "espeak") == "espeak" else "Piper"
            parts.append(f"preview ({name} {s['preview']['espeak']}): {s['preview']['audio_s']:.2f} s audio")
        if "resources" in s:
            parts.append(f"demo: {s['resources']['voices']} voices/{s['resources']['clips']} clips")
        parts.append(f"{self.seconds:.1f} s")
        return "SELFTEST OK " + " | ".join(parts)


def _step(result: SelftestResult, name: str, fn: Callable[[], dict[str, Any]]) -> None:
    t0 = time.perf_counter()
    try:
        info = fn()
    except SelftestFailure:
        raise
    except Exception as exc:  # every failure becomes one plain line
        detail = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        raise SelftestFailure(name, f"{type(exc).__name__}: {detail}") from exc
    info["seconds"] = round(time.perf_counter() - t0, 3)
    result.steps[name] = info


def _check_imports() -> dict[str, Any]:
    import numpy as np
    import soundfile
    import soxr  # noqa: F401

    import engine

    from .torchutil import configure_torch

    configure_torch()
    import torch

    x = torch.linspace(0, 1, 1024)
    spec = torch.stft(torch.sin(2 * torch.pi * 64 * x), 256, return_complex=True, window=torch.hann_window(256))
    if not torch.isfinite(spec.abs()).all():
        raise SelftestFailure("imports", "torch computed non-finite values")
    return {"version": engine.__version__, "torch": torch.__version__.split("+")[0], "numpy": np.__version__,
            "libsndfile": soundfile.__libsndfile_version__}


def _reference_clip(seconds: float = 1.5, sr: int = 16000):
    """A voiced-sounding synthetic clip: a 140 Hz harmonic source through three formant resonances."""
    import numpy as np
    from scipy.signal import lfilter

    n = int(seconds * sr)
    t = np.arange(n) / sr
    f0 = 140.0 * (1 + 0.05 * np.sin(2 * np.pi * 3 * t))
    phase = 2 * np.pi * np.cumsum(f0) / sr
    src = sum(np.sin(k * phase) / k for k in range(1, 30))
    y = src
    for fc, bw in ((700, 130), (1200, 150), (2600, 250)):
        r = np.exp(-np.pi * bw / sr)
        a = [1, -2 * r * np.cos(2 * np.pi * fc / sr), r * r]
        y = lfilter([1 - r], a, y)
    y = y / np.max(np.abs(y)) * 0.5
    fade = np.minimum(1, np.minimum(np.arange(n), np.arange(n)[::-1]) / (0.02 * sr))
    return (y * fade).astype(np.float32), sr


def run_selftest(*, workdir: str | Path | None = None, demo: bool = False, backend: str = "tone",
                 preview: bool = False) -> SelftestResult:
    """Run every step; never raises (the result says what failed)."""
    result = SelftestResult(ok=False)
    t0 = time.perf_counter()
    tmp = None
    if workdir is None:
        tmp = tempfile.TemporaryDirectory(prefix="timbrel-selftest-")
        workdir = tmp.name
    workdir = Path(workdir)
    eng = None
    try:
        _step(result, "imports", _check_imports)
        from .api import Engine

        eng = Engine(library=workdir / "library")

        def library() -> dict[str, Any]:
            from .library.catalog import available_migrations

            bundled = [name for name, _ in available_migrations()]
            if not bundled:
                raise SelftestFailure("library", "no schema .sql files are bundled with the engine")
            lib = eng.library
            applied = {r[0] for r in lib.catalog.query("SELECT name FROM schema_migrations")}
            missing = [b for b in bundled if b not in applied]
            if missing:
                raise SelftestFailure("library", f"schema files not applied: {', '.join(missing)}")
            return {"migrations": len(bundled), "path": str(lib.root)}

        _step(result, "library", library)

        def voice() -> dict[str, Any]:
            from .audio.io import encode

            samples, sr = _reference_clip()
            lib = eng.library
            sha = lib.blobs.put_bytes(encode(samples, sr, "FLAC"))
            with lib.edit_new("Selftest", language="en", summary="selftest") as ed:
                ed.add_clip(sha, duration=len(samples) / sr, sample_rate=sr, transcript="a", language="en",
                            emotion="neutral")
            return {"voice": "Selftest", "clip_s": round(len(samples) / sr, 2)}

        _step(result, "voice", voice)

        def analysis() -> dict[str, Any]:
            import numpy as np

            samples, sr = _reference_clip(3.0)
            enc = eng.analysis.encoder()   # the default timbre encoder: its bundled weights must be found
            vec = np.asarray(enc.embed(samples, sr), dtype=np.float64)
            if vec.ndim != 1 or not np.isfinite(vec).all() or abs(np.linalg.norm(vec) - 1) > 1e-3:
                raise SelftestFailure("analysis", f"the timbre encoder {enc.id} returned a broken embedding")
            return {"encoder": enc.id, "dim": int(vec.shape[0])}

        _step(result, "analysis", analysis)

        def synthesis() -> dict[str, Any]:
            import numpy as np

            from .playback import NullOutput, Playback

            base_name = _make_base(eng, backend)
            out = NullOutput()
            with Playback(output=out) as pb:   # the one speak path (engine.speech.speak)
                handle, job = eng.speech.speak(TEXT, "Selftest", base=base_name, seed=0, playback=pb, label="selftest")
                if not job.wait(timeout=120):
                    raise SelftestFailure("synthesis", "playback did not finish within 120 s")
            if job.error is not None:
                raise job.error
            chunks = list(handle.chunks(timeout=0))
            if not chunks:
                raise SelftestFailure("synthesis", "the backend produced no audio")
            rates = {int(c.sample_rate) for c in chunks}
            audio = np.concatenate([np.asarray(c.samples, dtype=np.float32) for c in chunks])
            rms = float(np.sqrt(np.mean(audio.astype(np.float64) ** 2)))
            if rms < 1e-4 or not np.isfinite(audio).all():
                raise SelftestFailure("synthesis", f"the synthesized audio is silent or broken (rms {rms:.2e})")
            if out.frames < len(audio):
                raise SelftestFailure("synthesis", f"the null output received {out.frames} of {len(audio)} frames")
            return {"backend": backend, "base": base_name, "chunks": len(chunks), "audio_s": len(audio) / max(rates),
                    "rms": round(rms, 4), "frames_played": out.frames, "output": out.name}

        _step(result, "synthesis", synthesis)

        if preview:
            def preview_step() -> dict[str, Any]:
                import numpy as np

                from .backends.preview.bases import create_preview_base
                from .backends.preview.espeak import get_espeak

                base = create_preview_base(eng, "selftest-preview", ["Selftest"])
                whole = eng.speech.say(TEXT, "Selftest", base=base.name, seed=0).result(120)
                chunks = [whole] if whole.samples.size else []
                if not chunks:
                    raise SelftestFailure("preview", "the preview backend produced no audio")
                audio = np.concatenate([np.asarray(c.samples, dtype=np.float64) for c in chunks])
                rms = float(np.sqrt(np.mean(audio ** 2)))
                if rms < 1e-3:
                    raise SelftestFailure("preview", f"the preview speech is silent (rms {rms:.2e})")
                from .backends import get_backend

                used = get_backend("preview").engine_for("en")
                version = get_espeak().info.version if used == "espeak" else "joe-medium"
                return {"audio_s": round(len(audio) / chunks[0].sample_rate, 2), "rms": round(rms, 4),
                        "engine": used, "espeak": version}

            _step(result, "preview", preview_step)

        if demo:
            def resources() -> dict[str, Any]:
                from .audio.io import read_audio
                from .demo import demo_manifest, resources_dir

                man = demo_manifest()
                root = resources_dir() / "demo"
                n = 0
                for v in man["voices"]:
                    for c in v["clips"]:
                        read_audio(root / c["file"])
                        n += 1
                return {"voices": len(man["voices"]), "clips": n, "path": str(root)}

            _step(result, "resources", resources)
        result.ok = True
    except SelftestFailure as exc:
        result.failed_step, result.error = exc.step, exc.message
    except Exception as exc:  # pragma: no cover - anything not wrapped by a step
        result.failed_step, result.error = "setup", f"{type(exc).__name__}: {exc}"
        traceback.print_exc()
    finally:
        if eng is not None:
            try:
                eng.close()
            except Exception:  # pragma: no cover
                pass
        result.seconds = time.perf_counter() - t0
        if tmp is not None:
            tmp.cleanup()
    return result


def _make_base(eng, backend: str) -> str:
    if backend == "tone":
        from .backends.tone import create_tone_base

        base = create_tone_base(eng, "selftest-tone")
        return base.name
    if backend == "preview":
        from .backends.preview.bases import create_preview_base

        return create_preview_base(eng, "selftest-preview", ["Selftest"]).name
    raise SelftestFailure("synthesis", f"unknown selftest backend '{backend}'")


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="timbrel --selftest", description="Check that this Timbrel installation works.")
    p.add_argument("--selftest", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--demo", action="store_true", help="also check the bundled demo library files")
    p.add_argument("--backend", default="tone", choices=["tone", "preview"], help="backend for the synthesis step")
    p.add_argument("--preview", action="store_true", help="also speak with the preview backend (eSpeak NG)")
    p.add_argument("--workdir", help="folder for the temporary library (default: a new temp folder)")
    p.add_argument("--verbose", action="store_true", help="print each step's details")
    args = p.parse_args(argv)
    res = run_selftest(workdir=args.workdir, demo=args.demo, backend=args.backend, preview=args.preview)
    if args.verbose:
        for name, info in res.steps.items():
            print(f"  {name}: {info}", file=sys.stderr)
    print(res.summary(), flush=True)
    return 0 if res.ok else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
