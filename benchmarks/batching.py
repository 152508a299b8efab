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

The scheduler part replays the scheduler benchmark's synthetic trace (``benchmarks/scheduler.py``: Zipf over
300 voices in 8 clusters, bursty interactive + batch jobs, desktop link, its VRAM limit) through the runtime's
simulator with batching off (``max_batch`` 1) and on (``max_batch`` 8). The simulated device does not compute:
a batch of B rows takes (sum of the rows' trace service times) / speed-up(B), the speed-up taken from the
end-to-end request throughput measured above (and, as a second line, from the GPT-only curve: the case where
the GPT dominates, e.g. a GPU). The output says so.

Reported per model and batch size: GPT ``tokens_per_s`` (new tokens / GPT wall time, prompt passes included)
and ``speedup_vs_batch1``, plus ``speedup_vs_solo_generate`` against the one-request path the runtime takes with
batching off (``Text2Semantic.generate``: matrix-vector products; the batch decoder pads its products to blocks
of 8 rows so that a row's bits do not depend on its company, which makes its batch of 1 slower than that);
requests/s and seconds of audio per second end to end (GPT + SoVITS);
mean / max per-request latency (a request's GPT + SoVITS finish time, all B submitted at once); and where the
GPT time goes (prompt passes, logits + per-row sampling, batched transformer steps).

    python benchmarks/batching.py [--tokens 40] [--models tiny v2] [--sizes 1 2 4 8] [--no-scheduler]
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


def run_batch(gpt, sovits, reqs, sync=lambda: None) -> dict:
    """Decode ``reqs`` as one batch (GPT rows together, then their SoVITS decodes together); ``sync`` waits for the
    device before a clock is read (GPU)."""
    from engine.backends.gptsovits.sovits_batch import SynthRow, decode_batch
    from engine.backends.gptsovits.t2s_batch import BatchDecoder

    gin = sovits.config.gin_channels
    t0 = time.perf_counter()
    dec = BatchDecoder(gpt)
    for row, _, _ in reqs:
        dec.add(row)
    results, gpt_done = {}, {}
    while len(dec):
        _, done = dec.step()
        for k, r in done.items():
            results[k], gpt_done[k] = r, time.perf_counter() - t0
    sync()
    t_gpt = time.perf_counter() - t0
    rows = []
    for row, target, seed in reqs:
        toks = results[row.key].new_tokens
        ge = torch.randn(1, gin, 1, generator=torch.Generator().manual_seed(seed)) * 0.1
        rows.append(SynthRow(toks.view(1, 1, -1), target, ge, 0.5, 1.0, torch.Generator().manual_seed(seed)))
    wavs = decode_batch(sovits, rows)
    sync()
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
            "decode_tokens_per_s": r["tokens"] / max(r["gpt_breakdown_s"]["forward"] + r["gpt_breakdown_s"]["logits_sample"], 1e-9),
            "gpt_step_ms": 1000 * r["gpt_breakdown_s"]["forward"] / max(r["steps"], 1),
            "gpt_breakdown_s": r["gpt_breakdown_s"],
            "sovits_s_per_request": r["sovits_s"] / b,
        }
    # the one-request path the runtime takes when batching is off (Text2Semantic.generate: matrix-vector products,
    # not the batch decoder's padded blocks) on the batch-1 request: the strongest single-request baseline
    row, _, _ = requests(name, 1, tokens)[0]
    t0 = time.perf_counter()
    solo = gpt.generate(row.phones, row.bert, row.prompt, top_k=row.top_k, top_p=row.top_p,
                        temperature=row.temperature, repetition_penalty=row.repetition_penalty,
                        early_stop_num=row.early_stop_num, generator=torch.Generator().manual_seed(0))
    solo_tps = solo.new_tokens.numel() / (time.perf_counter() - t0)
    base = rows[str(sizes[0])]
    for row in rows.values():
        row["speedup_vs_batch1"] = row["tokens_per_s"] / base["tokens_per_s"]
        row["speedup_vs_solo_generate"] = row["tokens_per_s"] / solo_tps
    return {
        "params_gpt": sum(p.numel() for p in gpt.parameters()),
        "params_sovits": sum(p.numel() for p in sovits.parameters()),
        "token_cap": tokens,
        "solo_generate_tokens_per_s": solo_tps,
        "batch": rows,
        "tokens_per_s": {k: v["tokens_per_s"] for k, v in rows.items()},
        "speedup_vs_batch1": {k: v["speedup_vs_batch1"] for k, v in rows.items()},
        "speedup_vs_solo_generate": {k: v["speedup_vs_solo_generate"] for k, v in rows.items()},
    }


def print_model(name: str, res: dict) -> None:
    print(f"\n{name}: GPT {res['params_gpt'] / 1e6:.1f} M, SoVITS {res['params_sovits'] / 1e6:.1f} M params, "
          f"cap {res['token_cap']} tokens per request; one-request Text2Semantic.generate: "
          f"{res['solo_generate_tokens_per_s']:.1f} tok/s")
    print(f"{'batch':>5} {'tok/s':>8} {'speedup':>8} {'vs solo':>8} {'dec tok/s':>9} {'req/s':>7} {'audio s/s':>9} {'lat mean':>9} {'lat max':>8}"
          f" {'GPT step':>9} {'prefill':>8} {'logit+smp':>9} {'batched':>7} {'SoVITS/req':>10}")
    for b, r in res["batch"].items():
        br = r["gpt_breakdown_s"]
        print(f"{b:>5} {r['tokens_per_s']:8.1f} {r['speedup_vs_batch1']:7.2f}x {r['speedup_vs_solo_generate']:7.2f}x"
              f" {r['decode_tokens_per_s']:9.1f} {r['requests_per_s']:7.2f}"
              f" {r['audio_s_per_s']:9.2f} {r['latency_mean_s']:8.2f}s {r['latency_max_s']:7.2f}s"
              f" {r['gpt_step_ms']:7.1f}ms {br['prefill']:7.2f}s {br['logits_sample']:8.2f}s {br['forward']:6.2f}s"
              f" {r['sovits_s_per_request']:9.2f}s")


def main(argv=None) -> int:
    from engine.torchutil import configure_torch

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tokens", type=int, default=40, help="semantic-token cap per request (v2; tiny uses 2x)")
    ap.add_argument("--models", nargs="+", default=["tiny", "v2"], choices=["tiny", "v2"])
    ap.add_argument("--sizes", nargs="+", type=int, default=[1, 2, 4, 8])
    ap.add_argument("--no-scheduler", action="store_true", help="skip the simulated scheduler trace")
    ap.add_argument("--curve-model", default="v2", choices=["tiny", "v2"], help="whose batch curve drives the trace")
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
    if not args.no_scheduler and args.curve_model in out:
        out["scheduler"] = scheduler_trace(out[args.curve_model], args.curve_model)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(json.dumps(out, indent=2))
    tmp.replace(args.out)
    print(f"\nwrote {args.out}")
    return 0


def curve(points: dict[str, float]):
    """speed-up(B) from measured points {"1": 1.0, "2": s2, ...}: linear in between, flat beyond the last."""
    xs = sorted((int(k), float(v)) for k, v in points.items())

    def f(b: int) -> float:
        if b <= xs[0][0]:
            return xs[0][1]
        for (x0, y0), (x1, y1) in zip(xs, xs[1:]):
            if b <= x1:
                return y0 + (y1 - y0) * (b - x0) / (x1 - x0)
        return xs[-1][1]

    return f


def scheduler_trace(measured: dict, model: str) -> dict:
    """The scheduler benchmark's trace with batching off vs on, through the runtime's simulator."""
    import importlib.util

    from engine.runtime.policy import SchedulerPolicy
    from engine.runtime.simulation.sim import SimConfig, make_sim_bases, simulate
    from engine.runtime.simulation.trace import TraceConfig, offered_load, synthetic_trace

    spec = importlib.util.spec_from_file_location("_sched_bench", ROOT / "benchmarks" / "scheduler.py")
    sb = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sb)
    MB = sb.MB
    tcfg = TraceConfig(duration_s=1800.0, batch_job_rate=1 / 15.0)
    trace = synthetic_trace(tcfg, seed=1)
    archs = list(sb.ARCH_MB)
    arch_of = {f"cluster-{i}": archs[i % len(archs)] for i in range(tcfg.n_clusters)}
    sizes = {k: sb.ARCH_MB[a] * MB for k, a in arch_of.items()}
    bases = make_sim_bases(sizes, arch_of, scale=sb.SCALE)
    link = sb.LINKS["desktop (PCIe 4 x16, NVMe)"]
    curves = {
        "end-to-end": {k: v["requests_per_s"] / measured["batch"]["1"]["requests_per_s"]
                       for k, v in measured["batch"].items()},
        "GPT only": dict(measured["speedup_vs_batch1"]),
    }
    print(f"\nscheduler trace ({len(trace)} requests, offered load {offered_load(trace):.2f}, desktop link, shared 950 MB,"
          f" workspace 300 MB per row): SIMULATED device (nothing is computed); a batch of B rows takes"
          f" sum(service) / speed-up(B), speed-up from the measured '{model}' batch curve above")
    print(f"{'VRAM MB':>7} {'service model':14} {'batching':>8} {'req/s':>6} {'mean batch':>10} {'int p50':>7} {'int p99':>7}"
          f" {'all p50':>7} {'all p99':>7} {'swaps':>5} {'over budget':>11}")
    out = {"simulated": True, "curve_model": model, "trace_requests": len(trace),
           "offered_load": offered_load(trace), "curves": curves, "rows": {}, "ratios": {}}
    for budget_mb in (2000, 4000):
        base = dict(budget_bytes=budget_mb * MB, shared_bytes=950 * MB, workspace_bytes=300 * MB, link=link,
                    scale=sb.SCALE, pinned_pool_bytes=1024 * MB)
        runs = [("-", "off", 1, lambda rows: sum(r.service_s for r in rows))]
        for cname, pts in curves.items():
            sp = curve(pts)
            runs.append((cname, "on", 8, lambda rows, sp=sp: sum(r.service_s for r in rows) / max(sp(len(rows)), 1e-9)))
        for cname, label, mb, batch_time in runs:
            cfg = SimConfig(**base, policy=SchedulerPolicy(2.0, 0.5, 60.0), max_batch=mb, batch_time=batch_time)
            res = simulate(trace, bases, cfg)
            r = sb.summarize(res, trace)
            r.pop("service_order")
            done = res.done()
            r["mean_batch"] = sum(x.batch for x in done) / max(len(done), 1)
            r["requests_by_batch_size"] = {str(k): sum(1 for x in done if x.batch == k)
                                           for k in sorted({x.batch for x in done})}
            out["rows"][f"{budget_mb} MB / {cname} / {label}"] = r
            wi, wa = r["wait"]["interactive"], r["wait"]["all"]
            print(f"{budget_mb:7d} {cname:14} {label:>8} {r['throughput_rps']:6.3f} {r['mean_batch']:10.2f}"
                  f" {wi['p50']:7.2f} {wi['p99']:7.2f} {wa['p50']:7.2f} {wa['p99']:7.2f} {r['swaps']:5d}"
                  f" {r['over_budget_steps']:11d}")
        off = out["rows"][f"{budget_mb} MB / - / off"]
        for cname in curves:
            on = out["rows"][f"{budget_mb} MB / {cname} / on"]
            rr = {
                "all_p99_on_vs_off": on["wait"]["all"]["p99"] / off["wait"]["all"]["p99"] if off["wait"]["all"]["p99"] else None,
                "all_p50_on_vs_off": on["wait"]["all"]["p50"] / off["wait"]["all"]["p50"] if off["wait"]["all"]["p50"] else None,
                "interactive_p99_on_vs_off": (on["wait"]["interactive"]["p99"] / off["wait"]["interactive"]["p99"]
                                              if off["wait"]["interactive"]["p99"] else None),
            }
            out["ratios"][f"{budget_mb} MB / {cname}"] = rr
            print(f"{budget_mb:7d} {cname:14} on/off: all p50 wait {rr['all_p50_on_vs_off'] or float('nan'):.2f}x, p99 "
                  f"{rr['all_p99_on_vs_off'] or float('nan'):.2f}x, interactive p99 "
                  f"{rr['interactive_p99_on_vs_off'] or float('nan'):.2f}x; batch sizes {on['requests_by_batch_size']}")
    return out


if __name__ == "__main__":
    raise SystemExit(main())
