#!/usr/bin/env python3
"""Regenerate Timbrel's demo library (4 synthetic voices × 4 reference clips) with CMU Flite.

Run from the repository root:  python resources/demo/make_demo.py
Needs the ``flite`` program (Debian/Ubuntu: ``apt-get install flite``; voices kal16, awb, rms, slt are built in)
and the project's venv (soundfile, soxr, numpy). Output, replacing what is there:

    resources/demo/clips/<voice>/<nn>_<style>.flac   16 kHz mono 16-bit FLAC, silence trimmed to 0.2 s / 0.25 s
    resources/demo/demo.json                          the manifest engine/demo.py installs from
    resources/demo/dataset.list                       the same clips as a GPT-SoVITS annotation list

Flite is deterministic, so a rerun gives the same samples. Styles are prosodic stand-ins made with Flite's own
controls (``int_f0_target_mean`` and ``duration_stretch``), not acted emotions: "happy" is +3 semitones and
13 % faster, "sad" is −2.5 semitones and 15 % slower. The ``rms`` voice (unit selection) ignores the F0 target,
so its styles differ only in rate. Licence of the voices: see resources/demo/LICENSES.md.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

HERE = Path(__file__).resolve().parent
SR = 16000

# name, flite voice, neutral F0 target (Hz; None = the voice's own), description
VOICES = [
    ("Demo SLT", "slt", None, "female, US English (CMU ARCTIC slt, unit selection)"),
    ("Demo AWB", "awb", None, "male, Scottish English (CMU ARCTIC awb, unit selection)"),
    ("Demo RMS", "rms", None, "male, US English (CMU ARCTIC rms, unit selection)"),
    ("Demo KAL", "kal16", 118.0, "male, US English (CMU kal diphone voice, 16 kHz)"),
]
# measured neutral medians of the flite voices (used to place the happy/sad targets)
NEUTRAL_F0 = {"slt": 170.0, "awb": 131.0, "rms": 103.0, "kal16": 118.0}

STYLES = {
    "neutral": {"f0_factor": 1.0, "duration_stretch": 1.0, "gain_db": -3.0},
    "happy": {"f0_factor": 2 ** (3 / 12), "duration_stretch": 0.87, "gain_db": -1.0},
    "sad": {"f0_factor": 2 ** (-2.5 / 12), "duration_stretch": 1.15, "gain_db": -7.0},
}
ORDER = ["neutral", "happy", "neutral", "sad"]

SENTENCES = [
    "A small wooden boat drifted slowly past the old stone bridge just as the sun came up over the hills.",
    "Please remember to bring the green folder and the printed tickets to the meeting on Thursday morning.",
    "We finally finished painting the garden fence on Sunday afternoon, only minutes before the heavy rain came.",
    "The kettle whistled loudly in the kitchen while the old grey cat slept peacefully beside the warm stove.",
    "Seven bright paper kites danced high above the green hill, pulled along by the strong afternoon wind.",
    "Turn left at the corner bakery, walk past the post office, and the library will be right in front of you.",
    "I am sorry to say that I left my favourite umbrella on the early train again this morning.",
    "The whole orchestra slowly tuned their instruments together as the lights in the concert hall went down.",
    "Fresh white snow quietly covered every roof and garden in the little mountain village during the night.",
    "Could you please read the last paragraph of the letter once more, a little more slowly this time?",
    "This summer our small garden grew far more ripe tomatoes than the whole family could ever hope to eat.",
    "The city museum will open its brand new dinosaur hall to visitors at the beginning of next spring.",
    "He whistled a cheerful little tune to himself while he patiently fixed the broken bicycle chain.",
    "Thank you very much for waiting so patiently, your table by the window is ready for you now.",
    "The river was far too cold for swimming that day, so we walked along the shady bank instead.",
    "At exactly twelve o'clock every single clock in the little shop began to strike noon at the same moment.",
]


def trim(x: np.ndarray, sr: int, pre: float = 0.20, post: float = 0.25, floor_db: float = -45.0) -> np.ndarray:
    frame = int(0.01 * sr)
    n = len(x) // frame
    rms = np.sqrt(np.mean(x[: n * frame].reshape(n, frame) ** 2, axis=1) + 1e-12)
    loud = np.nonzero(20 * np.log10(rms / rms.max()) > floor_db)[0]
    start = max(0, loud[0] * frame - int(pre * sr))
    end = min(len(x), (loud[-1] + 1) * frame + int(post * sr))
    return x[start:end]


def synth(voice: str, text: str, f0: float | None, stretch: float, out: Path) -> None:
    cmd = ["flite", "-voice", voice, "--setf", f"duration_stretch={stretch:.3f}"]
    if f0 is not None:
        cmd += ["--setf", f"int_f0_target_mean={f0:.1f}"]
    cmd += ["-t", text, "-o", str(out)]
    subprocess.run(cmd, check=True, capture_output=True)


def flite_version() -> str:
    res = subprocess.run(["flite", "--version"], capture_output=True, text=True)
    lines = (res.stdout or res.stderr).strip().splitlines()
    return next((l.strip() for l in lines if "version" in l), lines[0].strip())


def main() -> int:
    if shutil.which("flite") is None:
        print("flite is not installed (Debian/Ubuntu: apt-get install flite)", file=sys.stderr)
        return 1
    import soxr

    clips_dir = HERE / "clips"
    if clips_dir.exists():
        shutil.rmtree(clips_dir)
    manifest = {
        "format": 1,
        "title": "Timbrel demo library",
        "generator": f"resources/demo/make_demo.py with {flite_version()}",
        "licence": "Synthetic speech from CMU Flite voices; see LICENSES.md (BSD-style, redistribution permitted).",
        "voices": [],
    }
    lines = []
    sentence = iter(SENTENCES)
    with tempfile.TemporaryDirectory() as tmp:
        for name, fv, neutral_f0, desc in VOICES:
            slug = fv
            (clips_dir / slug).mkdir(parents=True)
            base_f0 = neutral_f0 if neutral_f0 is not None else NEUTRAL_F0[fv]
            clips = []
            for i, style in enumerate(ORDER, start=1):
                params = STYLES[style]
                text = next(sentence)
                target = None if (style == "neutral" and neutral_f0 is None) else base_f0 * params["f0_factor"]
                wav = Path(tmp) / f"{slug}_{i}.wav"
                synth(fv, text, target, params["duration_stretch"], wav)
                x, sr = sf.read(wav, dtype="float64")
                if sr != SR:
                    x = soxr.resample(x, sr, SR)
                x = trim(x, SR)
                x = x / np.max(np.abs(x)) * 10 ** (params["gain_db"] / 20)
                rel = f"clips/{slug}/{i:02d}_{style}.flac"
                sf.write(HERE / rel, x.astype(np.float32), SR, format="FLAC", subtype="PCM_16")
                clips.append({
                    "file": rel, "text": text, "language": "en", "emotion": style,
                    "style_params": {"flite_voice": fv, "int_f0_target_mean": target,
                                     "duration_stretch": params["duration_stretch"], "peak_dbfs": params["gain_db"]},
                    "duration": round(len(x) / SR, 3),
                })
                lines.append(f"{rel}|{name}|en|{text}")
            manifest["voices"].append({
                "name": name, "language": "en", "tags": ["demo", "flite"],
                "notes": f"Demo voice: {desc}. Synthetic speech made with CMU Flite; see the licences in resources/demo/LICENSES.md.",
                "engine": "flite", "flite_voice": fv, "clips": clips,
            })
    (HERE / "demo.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", "utf-8")
    (HERE / "dataset.list").write_text("\n".join(lines) + "\n", "utf-8")
    total = sum(p.stat().st_size for p in clips_dir.rglob("*.flac"))
    print(f"wrote {len(lines)} clips, {total / 1e6:.2f} MB, to {clips_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
