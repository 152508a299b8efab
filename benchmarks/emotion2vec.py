"""emotion2vec+ inference speed on this CPU: base- and large-sized networks with random weights.

    .venv/bin/python benchmarks/emotion2vec.py [--threads 1] [--reps 1] [--quick] [--long]

Runs the shipped :class:`engine.analysis.emotion2vec.Emotion2Vec` (waveform → probabilities, what ``timbrel
analyze`` does per clip) on synthetic clips and reports

* clips per CPU second for a 5 s clip (a typical GPT-SoVITS reference) for plus_base (768-d, 12 heads, ~93 M
  parameters) and plus_large (1024-d, 16 heads, ~162 M), against the same run's baseline: what ``analyze``
  already does per clip without the model (GE2E timbre embedding + prosody features);
* the cost as clips get longer (1, 3, 10, 30 s for both sizes), as seconds per clip and per second
  of audio (attention grows with the square of the frames, so the per-second cost rises);
* with ``--long``: what the 30 s windows buy on a 60 s clip: windowed (2 × 30 s, Timbrel's default) against one
  pass over the whole clip (what FunASR does).

Times are CPU seconds of the (single-threaded) process, so other jobs sharing the machine do not inflate them;
wall seconds are recorded in the JSON too. Writes benchmarks/results/emotion2vec.json. Random weights give the
same cost as trained ones.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

LABELS = ("生气/angry", "厌恶/disgusted", "恐惧/fearful", "开心/happy", "中立/neutral", "其他/other", "难过/sad",
          "吃惊/surprised", "<unk>")
CONV = ((512, 10, 5),) + ((512, 3, 2),) * 4 + ((512, 2, 2),) * 2
SIZES = {"plus_base": (768, 12), "plus_large": (1024, 16)}


def build(size: str):
    import torch

    from engine.analysis.emotion2vec import E2VConfig, Emotion2Vec
    from engine.analysis.emotion2vec.model import Emotion2VecPlus

    dim, heads = SIZES[size]
    cfg = E2VConfig(embed_dim=dim, num_heads=heads, depth=8, prenet_depth=4, mlp_ratio=4.0, conv_spec=CONV,
                    num_alibi_heads=heads, num_extra_tokens=10, conv_pos_depth=5, conv_pos_width=95,
                    conv_pos_groups=16, labels=LABELS)
    torch.manual_seed(0)
    model = Emotion2VecPlus(cfg).eval()
    params = sum(p.numel() for p in model.parameters())
    return Emotion2Vec(model, f"bench-{size}"), params


def speechlike(seconds: float, sr: int = 16000, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sr)) / sr
    f0 = 140 + 30 * np.sin(2 * np.pi * 0.7 * t)
    x = sum(np.sin(2 * np.pi * k * np.cumsum(f0) / sr) / k for k in range(1, 8))
    env = 0.5 + 0.5 * np.sin(2 * np.pi * 3.5 * t) ** 2
    return (0.2 * x * env + 0.01 * rng.standard_normal(len(t))).astype(np.float32)


def timed(fn, reps: int, warm: bool = True) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of the best of ``reps`` runs (after a warm-up run when ``warm``). With one
    torch thread the CPU time is the work itself; the wall time also counts waiting for the CPU when other
    processes share the machine."""
    if warm:
        fn()
    best = (float("inf"), float("inf"))
    for _ in range(reps):
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        best = min(best, (time.process_time() - c0, time.perf_counter() - t0))
    return best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--reps", type=int, default=1, help="timed runs per short clip after a warm-up (best is kept)")
    ap.add_argument("--quick", action="store_true", help="1 and 10 s clips only")
    ap.add_argument("--long", action="store_true", help="also a 60 s clip, windowed against one pass (base size)")
    args = ap.parse_args()
    os.environ["TIMBREL_TORCH_THREADS"] = str(args.threads)
    import torch

    from engine.torchutil import configure_torch

    configure_torch()
    torch.set_num_threads(args.threads)
    out: dict = {"threads": args.threads, "cpu": os.cpu_count(), "torch": torch.__version__, "sizes": {},
                 "load_average_start": os.getloadavg()[0]}   # other processes sharing the CPU slow every row alike

    # baseline: what analyze does per clip without an emotion model
    from engine.analysis import prosody
    from engine.analysis.encoders import get_encoder

    ge2e = get_encoder("ge2e", device="cpu")
    clip5 = speechlike(5.0)
    base_cpu, base_wall = timed(lambda: (ge2e.embed(clip5, 16000), prosody.extract(clip5, 16000)), args.reps + 1)
    out["baseline_5s"] = {"what": "GE2E embedding + prosody features", "cpu_seconds": base_cpu,
                          "wall_seconds": base_wall, "clips_per_cpu_s": 1 / base_cpu}
    print(f"baseline (GE2E + prosody), 5 s clip: {base_cpu * 1000:6.0f} ms CPU ({1 / base_cpu:5.2f} clips/s), "
          f"{base_wall * 1000:6.0f} ms wall")

    lengths = [1.0, 10.0] if args.quick else [1.0, 3.0, 10.0, 30.0]
    print(f"\n{'size':11} {'params':>7} {'5 s clips/s':>11} {'x baseline':>10}   CPU seconds per clip "
          f"(per second of audio)")
    for size in SIZES:
        e2v, params = build(size)
        cpu5, wall5 = timed(lambda: e2v.predict(clip5, 16000), args.reps)
        row = {"parameters": params, "cpu_seconds_5s": cpu5, "wall_seconds_5s": wall5, "clips_per_cpu_s_5s": 1 / cpu5,
               "ratio_to_baseline": cpu5 / base_cpu, "by_length": {}}
        cells = []
        for n in lengths:
            x = speechlike(n, seed=int(n))
            cpu, wall = timed(lambda: e2v.predict(x, 16000), 1, warm=n < 10)
            row["by_length"][str(n)] = {"cpu_seconds": cpu, "wall_seconds": wall, "cpu_per_audio_second": cpu / n}
            cells.append(f"{n:g}s {cpu:6.2f} ({cpu / n:5.3f})")
        first, last = lengths[0], lengths[-1]
        row["per_second_growth"] = row["by_length"][str(last)]["cpu_per_audio_second"] / \
            row["by_length"][str(first)]["cpu_per_audio_second"]
        out["sizes"][size] = row
        print(f"{size:11} {params / 1e6:6.1f}M {1 / cpu5:11.2f} {cpu5 / base_cpu:9.1f}x   " + "  ".join(cells))
        if size == "plus_base" and args.long:
            x = speechlike(60.0, seed=60)
            windowed = timed(lambda: e2v.predict(x, 16000), 1, warm=False)[0]
            e2v.window_s = 1e9
            whole = timed(lambda: e2v.predict(x, 16000), 1, warm=False)[0]
            e2v.window_s = 30.0
            out["window_60s"] = {"size": size, "windowed_2x30s_cpu": windowed, "one_pass_cpu": whole,
                                 "one_pass_over_windowed": whole / windowed}
            print(f"{'':11} 60 s clip: 2 x 30 s windows {windowed:6.2f} s CPU, one pass {whole:6.2f} s "
                  f"(one pass costs {whole / windowed:.2f}x)")
        del e2v

    large, base = out["sizes"]["plus_large"], out["sizes"]["plus_base"]
    out["large_over_base_5s"] = large["cpu_seconds_5s"] / base["cpu_seconds_5s"]
    out["load_average_end"] = os.getloadavg()[0]
    print(f"\nlarge / base cost (5 s): {out['large_over_base_5s']:.2f}x   (load average {out['load_average_start']:.1f} "
          f"at the start, {out['load_average_end']:.1f} at the end, {os.cpu_count()} CPUs)")
    dest = REPO / "benchmarks" / "results" / "emotion2vec.json"
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps(out, indent=2))
    print(f"wrote {dest.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
