"""Cross-voice batching: throughput and per-request latency against batch size (1, 2, 4, 8), on this machine.

Each batch of B requests is B *different* voices' utterances (own random phones, BERT features, prompt
semantic tokens, seed) for one base, decoded the way the backend decodes them: the GPT rows together in one
:class:`~engine.backends.gptsovits.t2s_batch.BatchDecoder` (top-k 15 sampling, per-row generator), then their
SoVITS decodes in one :func:`~engine.backends.gptsovits.sovits_batch.decode_batch`. Batch size 1 (the same
requests one after another) is the baseline, measured in the same run; ratios are printed.

Models (random weights, nothing downloaded):

* ``tiny``: the shared test fixtures (``gpt_tiny.ckpt`` + ``sovits_v2_tiny.pth``);
* ``v2``: full-size v2 GPT (24 layers × 512, 77.6 M) and SoVITS v2 (``configs/s2.json`` sizes) with random
  weights. A random GPT rarely predicts EOS, so every utterance is capped at ``--tokens`` semantic tokens.

Reported per model and batch size: GPT ``tokens_per_s`` (new tokens / GPT wall time, prompt passes included)
and ``speedup_vs_batch1``; requests/s and seconds of audio per second end to end (GPT + SoVITS);
mean / max per-request latency (a request's GPT + SoVITS finish time, all B submitted at once); and where the
GPT time goes (prompt passes, logits + per-row sampling, batched transformer steps).

    python benchmarks/batching.py [--tokens 40] [--models tiny v2] [--sizes 1 2 4 8]
Writes benchmarks/results/batching.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SHARED = Path(os.environ.get("TIMBREL_SHARED", ROOT.parent / "shared")).resolve()
FIX = SHARED / "fixtures" / "gptsovits"
AUDIO_RATE = 32000


def load_models(name: str):
    from engine.backends.gptsovits.checkpoint import read_gpt_file, read_sovits_file
    from engine.backends.gptsovits.models import build_gpt, build_sovits, fill
    from engine.backends.gptsovits.sovits import SoVITSConfig
    from engine.backends.gptsovits.t2s import T2SConfig

    if name == "tiny":
        lf, cfg = read_gpt_file(FIX / "gpt_tiny.ckpt")
        gpt = fill(build_gpt(cfg, "meta"), {k: v.float() for k, v in lf.weights.items()}, "assign")
        lf, cfg = read_sovits_file(FIX / "sovits_v2_tiny.pth")
        sovits = fill(build_sovits(cfg.variant, cfg, "meta"), {k: v.float() for k, v in lf.weights.items()}, "assign")
        return gpt, sovits
    g = torch.Generator().manual_seed(0)
    gpt = build_gpt(T2SConfig(), "cpu")
    sovits = build_sovits("v2", SoVITSConfig(variant="v2"), "cpu")
    with torch.no_grad():
        for m in (gpt, sovits):
            for p in m.parameters():
                p.copy_(torch.randn(p.shape, generator=g) * 0.02)
        for n, b in sovits.named_buffers():
            if n.endswith("embed"):
                b.copy_(torch.randn(b.shape, generator=g))
        for n, p in sovits.named_parameters():
            if n.endswith("weight_g"):
                p.fill_(1.0)  # keep the vocoder's activations bounded
    return gpt, sovits


def requests(model: str, b: int, tokens: int, offset: int = 0):
    """B different voices' utterances: (DecodeRow, phone ids, timbre vector, seed) per request."""
    from engine.backends.gptsovits.t2s_batch import DecodeRow

    out = []
    for i in range(offset, offset + b):
        g = torch.Generator().manual_seed(1000 + i)
        n_prompt_ph, n_text, n_prompt = 20 + (i * 7) % 15, 12 + (i * 5) % 20, 40 + (i * 11) % 40
        phones = torch.randint(0, 732, (1, n_prompt_ph + n_text), generator=g)
        bert = torch.randn(1, 1024, n_prompt_ph + n_text, generator=g)
        prompt = torch.randint(0, 1024, (1, n_prompt), generator=g)
        out.append((DecodeRow(i, phones, bert, prompt, top_k=15, top_p=1.0, temperature=1.0, repetition_penalty=1.35,
                              early_stop_num=tokens, generator=torch.Generator().manual_seed(i)),
                    phones[:, n_prompt_ph:], i))
    return out


def run_batch(gpt, sovits, reqs) -> dict:
    """Decode ``reqs`` as one batch (GPT rows together, then their SoVITS decodes together)."""
    from engine.backends.gptsovits.sovits_batch import SynthRow, decode_batch
    from engine.backends.gptsovits.t2s_batch import BatchDecoder

    gin = sovits.config.gin_channels
    t0 = time.perf_counter()
    dec = BatchDecoder(gpt, slots=len(reqs))
    for row, _, _ in reqs:
        dec.add(row)
    results, gpt_done = {}, {}
    while len(dec):
        _, done = dec.step()
        for k, r in done.items():
            results[k], gpt_done[k] = r, time.perf_counter() - t0
    t_gpt = time.perf_counter() - t0
    rows = []
    for row, target, seed in reqs:
        toks = results[row.key].new_tokens
        ge = torch.randn(1, gin, 1, generator=torch.Generator().manual_seed(seed)) * 0.1
        rows.append(SynthRow(toks.view(1, 1, -1), target, ge, 0.5, 1.0, torch.Generator().manual_seed(seed)))
    wavs = decode_batch(sovits, rows)
    total = time.perf_counter() - t0
    n_tok = sum(int(r.new_tokens.numel()) for r in results.values())
    audio = sum(w.shape[-1] for w in wavs) / AUDIO_RATE
    return {"tokens": n_tok, "gpt_s": t_gpt, "sovits_s": total - t_gpt, "total_s": total, "audio_s": audio,
            "latency_s": [total] * len(reqs), "gpt_latency_s": list(gpt_done.values()),
            "gpt_breakdown_s": dict(dec.seconds), "steps": dec.steps}


def bench_model(name: str, sizes: list[int], tokens: int) -> dict:
    gpt, sovits = load_models(name)
    run_batch(gpt, sovits, requests(name, 1, min(tokens, 8), offset=99))  # warm-up (allocator, kernels)
    rows = {}
    for b in sizes:
        r = run_batch(gpt, sovits, requests(name, b, tokens))
        rows[str(b)] = {
            "tokens": r["tokens"], "gpt_s": r["gpt_s"], "sovits_s": r["sovits_s"], "total_s": r["total_s"],
            "tokens_per_s": r["tokens"] / r["gpt_s"],
            "requests_per_s": b / r["total_s"],
            "audio_s_per_s": r["audio_s"] / r["total_s"],
            "latency_mean_s": sum(r["latency_s"]) / b, "latency_max_s": max(r["latency_s"]),
            "gpt_latency_mean_s": sum(r["gpt_latency_s"]) / b,
            "gpt_step_ms": 1000 * r["gpt_breakdown_s"]["forward"] / max(r["steps"], 1),
            "gpt_breakdown_s": r["gpt_breakdown_s"],
            "sovits_s_per_request": r["sovits_s"] / b,
        }
    base = rows[str(sizes[0])]
    for row in rows.values():
        row["speedup_vs_batch1"] = row["tokens_per_s"] / base["tokens_per_s"]
    return {
        "params_gpt": sum(p.numel() for p in gpt.parameters()),
        "params_sovits": sum(p.numel() for p in sovits.parameters()),
        "token_cap": tokens,
        "batch": rows,
        "tokens_per_s": {k: v["tokens_per_s"] for k, v in rows.items()},
        "speedup_vs_batch1": {k: v["speedup_vs_batch1"] for k, v in rows.items()},
    }


def print_model(name: str, res: dict) -> None:
    print(f"\n{name}: GPT {res['params_gpt'] / 1e6:.1f} M, SoVITS {res['params_sovits'] / 1e6:.1f} M params, "
          f"cap {res['token_cap']} tokens per request")
    print(f"{'batch':>5} {'tok/s':>8} {'speedup':>8} {'req/s':>7} {'audio s/s':>9} {'lat mean':>9} {'lat max':>8}"
          f" {'GPT step':>9} {'prefill':>8} {'logit+smp':>9} {'steps':>7} {'SoVITS/req':>10}")
    for b, r in res["batch"].items():
        br = r["gpt_breakdown_s"]
        print(f"{b:>5} {r['tokens_per_s']:8.1f} {r['speedup_vs_batch1']:7.2f}x {r['requests_per_s']:7.2f}"
              f" {r['audio_s_per_s']:9.2f} {r['latency_mean_s']:8.2f}s {r['latency_max_s']:7.2f}s"
              f" {r['gpt_step_ms']:7.1f}ms {br['prefill']:7.2f}s {br['logits_sample']:8.2f}s {br['forward']:6.2f}s"
              f" {r['sovits_s_per_request']:9.2f}s")


def main(argv=None) -> int:
    from engine.torchutil import configure_torch

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tokens", type=int, default=40, help="semantic-token cap per request (v2; tiny uses 2x)")
    ap.add_argument("--models", nargs="+", default=["tiny", "v2"], choices=["tiny", "v2"])
    ap.add_argument("--sizes", nargs="+", type=int, default=[1, 2, 4, 8])
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "batching.json")
    args = ap.parse_args(argv)
    configure_torch()
    out = {"machine": {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
                       "torch_threads": torch.get_num_threads(), "torch": torch.__version__},
           "what": "batched GPT + SoVITS decoding of B different voices' requests for one base vs batch 1"}
    with torch.no_grad():
        for name in args.models:
            res = bench_model(name, args.sizes, args.tokens * (2 if name == "tiny" else 1))
            out[name] = res
            print_model(name, res)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(json.dumps(out, indent=2))
    tmp.replace(args.out)
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
