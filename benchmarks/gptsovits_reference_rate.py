"""What storing reference clips already resampled costs, against upstream resampling the original file.

The library stores each clip at min(source rate, 32 kHz) as 16-bit FLAC (``engine.audio.ingest``: soxr HQ when
the source is above 32 kHz). Upstream GPT-SoVITS reads the user's original file instead: the 32 kHz spectrogram
through torchaudio's windowed-sinc ``Resample`` (source → 32 kHz), the speaker-verification input through the
same resampler 32 → 16 kHz, and HuBERT's 16 kHz input with librosa (soxr HQ, source → 16 kHz).

For each corpus clip this script makes a source at ``--rate`` (48 kHz by default: the corpus clip resampled up with
soxr plus -50 dBFS of seeded white noise, so the band above 11 kHz is not empty), then computes every reference
input twice:

* **upstream**: from the source — ``features.resample_sinc`` (the torchaudio method) to 32 kHz, soxr HQ to
  16 kHz for HuBERT;
* **ours**: from the stored clip — the shipped ``audio.io.resample`` to 32 kHz + ``audio.io.encode`` (PCM-16
  FLAC), then the shipped ``Pipeline._audio`` reads it as synthesis does;

and reports max|d|/max|ref| for the 32 kHz waveform, the spectrogram (the 704 bins the reference encoder reads),
the SoVITS global embedding ``ge`` (tiny v2 fixture), the 16 kHz SV input and an SV vector (tiny ERes2NetV2
fixture), HuBERT features (tiny fixture HuBERT) and the share of equal prompt semantic tokens. ``--rate 22050``
measures a source below 32 kHz (stored at its own rate: only the PCM-16 rounding differs).

    .venv/bin/python benchmarks/gptsovits_reference_rate.py [--rate 48000] [--clips 4]

Writes ``benchmarks/results/gptsovits_reference_rate.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("TIMBREL_SHARED", ROOT.parent / "shared"))


def rel(a, b) -> float:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    n = min(a.shape[-1], b.shape[-1])
    a, b = a[..., :n], b[..., :n]
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-12))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rate", type=int, default=48000)
    ap.add_argument("--clips", type=int, default=4)
    args = ap.parse_args()

    from engine.audio.io import encode, read_audio, resample
    from engine.audio.ingest import MAX_STORED_RATE
    from engine.backends.base import ReferenceClip
    from engine.backends.gptsovits.eres2net import sv_embedding
    from engine.backends.gptsovits.features import normalize_reference, reference_spectrogram, resample_sinc
    from engine.backends.gptsovits.clip_cache import ClipCache
    from engine.backends.gptsovits.pipeline import Pipeline, SharedModels
    from engine.backends.gptsovits.pretrained import load_hubert, load_sv, prompt_ssl
    from engine.torchutil import configure_torch

    sys.path.insert(0, str(ROOT / "tests" / "gptsovits"))
    from _gsv_util import load_gpt, load_sovits

    configure_torch()
    e2e = SHARED / "fixtures" / "gptsovits_e2e"
    gsv = SHARED / "fixtures" / "gptsovits"
    hubert = load_hubert(e2e / "pretrained" / "chinese-hubert-base")
    sv = load_sv(gsv / "eres2netv2_tiny.ckpt")
    _, sovits = load_sovits(gsv / "sovits_v2_tiny.pth")
    _, gpt = load_gpt(gsv / "gpt_tiny.ckpt")
    truth = json.loads((SHARED / "corpus" / "truth.json").read_text())
    files = [c["file"] for spk in truth["speakers"].values() for c in spk["clips"]][:: max(1, 40 // args.clips)]
    rows = []
    with tempfile.TemporaryDirectory() as tmp, torch.no_grad():
        for i, rel_path in enumerate(files[: args.clips]):
            x, sr = read_audio(SHARED / "corpus" / rel_path)
            src = resample(x, sr, args.rate) if sr != args.rate else x
            src = (src + np.random.default_rng(i).standard_normal(len(src)).astype(np.float32) * 10 ** (-50 / 20))
            src = np.clip(src, -1, 1).astype(np.float32)
            # upstream: from the original file
            up32 = resample_sinc(torch.from_numpy(src), args.rate, 32000)
            up16 = resample(src, args.rate, 16000)[: int(np.ceil(len(src) * 16000 / args.rate))]
            # ours: the stored clip (soxr to <= 32 kHz, PCM-16 FLAC), read by the shipped pipeline
            store_rate = min(args.rate, MAX_STORED_RATE)
            stored = resample(src, args.rate, store_rate) if store_rate != args.rate else src
            path = Path(tmp) / f"clip{i}.flac"
            path.write_bytes(encode(stored, store_rate))
            pipe = Pipeline(gpt, sovits, SharedModels(hubert, None, sv, {}), base_key="b", cache=ClipCache(None))
            clip = ReferenceClip(path, f"c{i}", "", "en", None, len(src) / args.rate, store_rate)
            our32 = torch.from_numpy(np.array(pipe._audio(clip, 32000)))
            our16 = np.array(pipe._audio(clip, 16000))
            full_u, full_o = reference_spectrogram(up32), reference_spectrogram(our32)
            spec_u, spec_o = full_u[:, :704], full_o[:, :704]
            ge_u, ge_o = sovits.reference_embedding(full_u), sovits.reference_embedding(full_o)
            sv16_u = resample_sinc(normalize_reference(up32[None]), 32000, 16000)
            sv16_o = resample_sinc(normalize_reference(our32[None]), 32000, 16000)
            ssl_u, ssl_o = prompt_ssl(hubert, torch.from_numpy(up16)), prompt_ssl(hubert, torch.from_numpy(our16))
            codes_u, codes_o = sovits.extract_latent(ssl_u), sovits.extract_latent(ssl_o)
            n = min(codes_u.shape[-1], codes_o.shape[-1])
            rows.append({
                "clip": rel_path,
                "wave_32k": rel(our32, up32), "spectrogram": rel(spec_o, spec_u), "ge": rel(ge_o, ge_u),
                "sv_input_16k": rel(sv16_o, sv16_u), "sv_vector": rel(sv_embedding(sv, sv16_o), sv_embedding(sv, sv16_u)),
                "hubert_input_16k": rel(our16, up16), "hubert_features": rel(ssl_o, ssl_u),
                "prompt_tokens_equal": float((codes_u[..., :n] == codes_o[..., :n]).float().mean()),
            })
    keys = [k for k in rows[0] if k != "clip"]
    summary = {k: (max if k != "prompt_tokens_equal" else min)(r[k] for r in rows) for k in keys}
    print(f"source {args.rate} Hz, stored at {min(args.rate, 32000)} Hz, {len(rows)} clips (worst case per column):")
    for k in keys:
        print(f"  {k:22} {summary[k]:.3g}")
    out = ROOT / "benchmarks" / "results" / "gptsovits_reference_rate.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"rate": args.rate, "rows": rows, "worst": summary}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
