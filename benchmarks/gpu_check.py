"""One command for an NVIDIA GPU: the runtime's claims measured on the card (no trained weights needed).

    python benchmarks/gpu_check.py             # on a machine with a CUDA GPU (< 5 min)
    python benchmarks/gpu_check.py --dry-run   # CPU sanity run of the same code with tiny models (seconds)

Measures, in one run, on the shipped runtime code (CudaDevice, BasePool, HostStaging, Runtime/Scheduler):

1. **pinned host→device bandwidth** (and pageable), CUDA events, 256 MB;
2. **swap** of full-size GPT-SoVITS **v2** and **v2ProPlus** bases (random weights, real shapes from the upstream
   key lists): cold (safetensors mmap → slot) and warm (staged in the pinned pool → one copy), each against the
   link floor ``bytes / pinned bandwidth``;
3. **synthesis**: fp16 real-time factor and time to first audio of a full-size random v2 base (GPT 77.6 M,
   SoVITS v2, full-size random HuBERT, small random BERT); a random GPT never stops, so each sentence is capped
   at ``--tokens`` semantic tokens. If fp16 fails on the card the error is reported and fp32 is measured;
4. **cross-voice batching**: GPT tokens/s and requests/s of B = 1, 2, 4, 8 different voices' requests decoded
   together (``benchmarks/batching.py``'s ``run_batch``: batched GPT, then batched SoVITS) on the full-size random
   v2 base, ``--tokens`` cap per request, and the speed-up over batch 1 (same run);
5. **budget under a burst**: a Runtime with a VRAM limit that fits two full-size bases serves a burst of
   requests for four bases whose work allocates its declared workspace on the GPU: the budget's peak and
   ``torch.cuda.max_memory_allocated`` must stay under the limit.

Prints one table and writes ``benchmarks/results/gpu_check.json`` (``--out``). ``--dry-run`` runs every step on
the CPU device with tiny models (the fixtures' tiny bases) and a small burst: it checks the script, not the card.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SHARED = Path(os.environ.get("TIMBREL_SHARED", ROOT.parent / "shared"))
FIX = SHARED / "fixtures" / "gptsovits"
MB = 2**20
VARIANTS = ("v2", "v2ProPlus")


# -- models --------------------------------------------------------------------------------------------------
def build_models(variant: str, tiny: bool):
    """(gpt, sovits) modules on the CPU: the fixtures' tiny base, or full-size with random weights."""
    from engine.backends.gptsovits.checkpoint import gpt_config_from, sovits_config_from
    from engine.backends.gptsovits.models import build_gpt, build_group, build_sovits, fill

    if tiny:
        from engine.backends.gptsovits.convert import convert_pair

        conv = convert_pair(FIX / "gpt_tiny.ckpt", FIX / f"sovits_{variant}_tiny.pth")
        return tuple(fill(build_group(conv.manifest, g, "meta"), {k: v.float() for k, v in conv.groups[g].items()},
                          "assign") for g in ("gpt", "sovits"))
    torch.manual_seed(0)
    kg = json.loads((FIX / "keys_gpt.json").read_text())
    ks = json.loads((FIX / f"keys_sovits_{variant}.json").read_text())
    gcfg = gpt_config_from({k.removeprefix("model."): tuple(s) for k, s, _ in kg["weight"]}, kg["config"])
    scfg = sovits_config_from(variant, {k: tuple(s) for k, s, _ in ks["weight"]}, ks["config"]["model"])
    gpt, sovits = build_gpt(gcfg, "cpu"), build_sovits(variant, scfg, "cpu")
    with torch.no_grad():  # random init leaves the codebook at zeros: spread it so tokens differ
        for n, b in sovits.named_buffers():
            if n.endswith("embed"):
                b.normal_(0, 1)
    return gpt, sovits


def base_files(variant: str, tiny: bool, folder: Path, copies: int = 2):
    """``copies`` random bases of ``variant`` as safetensors (fp16): (layout, [group → path], bytes)."""
    from safetensors.torch import save_file

    from engine.backends.gptsovits.models import module_layout
    from engine.runtime.layout import TensorSpec

    gpt, sovits = build_models(variant, tiny)
    layout = {g: {k: TensorSpec(s, "float16") for k, (s, _) in module_layout(m, torch.float16).items()}
              for g, m in (("gpt", gpt), ("sovits", sovits))}
    del gpt, sovits
    out = []
    for i in range(copies):
        gen = torch.Generator().manual_seed(1000 + i)
        files = {}
        for group, specs in layout.items():
            tensors = {n: (torch.randn(s.shape, generator=gen) * 0.02).half() for n, s in specs.items()}
            p = folder / f"{variant}-{i}-{group}.safetensors"
            save_file(tensors, str(p))
            files[group] = p
            del tensors
        out.append(files)
    nbytes = sum(s.nbytes for g in layout.values() for s in g.values())
    return layout, out, nbytes


# -- steps ---------------------------------------------------------------------------------------------------
def step_bandwidth(device, dry: bool) -> dict:
    if device.kind == "cuda":
        from engine.runtime.cuda import measure_h2d_bandwidth

        return {"pinned_gb_s": measure_h2d_bandwidth(256 * MB, True, device=device.storage) / 1e9,
                "pageable_gb_s": measure_h2d_bandwidth(256 * MB, False, device=device.storage) / 1e9}
    n = (8 if dry else 256) * MB   # CPU: a host memory copy (nothing is pinned on the CPU device)
    src, dst = torch.empty(n, dtype=torch.uint8), torch.empty(n, dtype=torch.uint8)
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        dst.copy_(src)
        best = min(best, time.perf_counter() - t0)
    return {"pinned_gb_s": None, "pageable_gb_s": n / best / 1e9, "note": "CPU device: host memory copy, not pinned"}


def step_swap(device, variant: str, tiny: bool, folder: Path, pinned_gb_s: float | None, repeats: int) -> dict:
    from engine.runtime.budget import Budget
    from engine.runtime.hoststage import HostStaging
    from engine.runtime.pool import BasePool, BaseSpec
    from engine.runtime.weight_sources import SafetensorsSource

    layout, files, nbytes = base_files(variant, tiny, folder)
    specs = [BaseSpec(f"{variant}-{i}", f"gsv-{variant}", layout, SafetensorsSource(f), build=lambda v: v)
             for i, f in enumerate(files)]
    budget = Budget(int(specs[0].packed.nbytes * device.scale * 1.05))
    staging = HostStaging(device, 2 * specs[0].packed.nbytes + MB)
    pool = BasePool(device, budget, staging=staging)
    pool.acquire(specs[1]).release()   # the slot exists once; every timed swap reuses it

    def timed() -> tuple[float, str]:
        spec = specs[0] if pool.find(specs[0].key) is None else specs[1]
        t0 = time.perf_counter()
        lease = pool.acquire(spec)
        device.ready_for_compute(lease.handle)
        if lease.handle is not None:
            lease.handle.wait()
        device.synchronize()
        dt = time.perf_counter() - t0
        lease.release()
        return dt, lease.path

    cold = warm = float("inf")
    for _ in range(repeats):
        for key in list(staging.keys()):
            staging.discard(key)
        dt, path = timed()
        assert path == "cold", path
        cold = min(cold, dt)
    for s in specs:
        staging.stage(s.key, s.packed, s.source, 0.0)
    for _ in range(repeats):
        dt, path = timed()
        assert path == "warm", path
        warm = min(warm, dt)
    floor = nbytes / (pinned_gb_s * 1e9) if pinned_gb_s else None
    row = {"variant": variant, "bytes": nbytes, "cold_s": cold, "warm_s": warm, "staging_pinned": staging.pinned,
           "link_floor_s": floor, "warm_vs_floor": (floor / warm) if floor else None,
           "allocations": pool.allocations, "peak_bytes": budget.peak, "limit_bytes": budget.limit}
    pool.clear()
    staging.close() if hasattr(staging, "close") else None
    return row


def _hubert(folder: Path, tiny: bool) -> Path:
    from transformers import HubertConfig, HubertModel

    cfg = (HubertConfig(hidden_size=768, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64,
                        conv_dim=(32,) * 7, num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=16)
           if tiny else HubertConfig())
    path = folder / "chinese-hubert-base"
    HubertModel(cfg).eval().save_pretrained(str(path))
    return path


def _refs():
    import hashlib

    from engine.backends.base import ReferenceClip, References

    truth = json.loads((SHARED / "corpus" / "truth.json").read_text())["speakers"]["zh_espeak_steph"]
    clips = []
    for c in truth["clips"][:3]:
        p = SHARED / "corpus" / c["file"]
        clips.append(ReferenceClip(p, hashlib.sha256(p.read_bytes()).hexdigest(), c["text"], c["lang"], c["style"],
                                   c["duration"], truth["sample_rate"]))
    return References("zh_espeak_steph", clips[0], tuple(clips))


TEXT = "今天天气很好，我们一起去公园散步吧。Timbrel keeps many voices on one GPU."


def step_synthesis(device, tiny: bool, folder: Path, tokens: int) -> dict:
    from engine.backends.gptsovits.clip_cache import ClipCache, file_id
    from engine.backends.gptsovits.pipeline import Pipeline, SharedModels
    from engine.backends.gptsovits.pretrained import load_hubert

    dev = device.storage
    hub_path = _hubert(folder, tiny)
    refs = _refs()
    out = {}
    dtypes = [torch.float16, torch.float32] if device.kind == "cuda" else [torch.float32]
    for dtype in dtypes:
        name = str(dtype).removeprefix("torch.")
        try:
            gpt, sovits = build_models("v2", tiny)
            gpt, sovits = gpt.to(dev, dtype).eval(), sovits.to(dev, dtype).eval()
            shared = SharedModels(load_hubert(hub_path, device=dev, dtype=dtype), None, None,
                                  {"hubert": file_id(hub_path)})
            pipe = Pipeline(gpt, sovits, shared, base_key=f"gpu-check-{name}", cache=ClipCache(folder / f"cache-{name}"),
                            inference={"early_stop_num": tokens})
            runs = []
            for _ in range(2):   # cold (prompt features computed), then warm (cached)
                device.synchronize()
                t0 = time.perf_counter()
                first, audio = None, 0.0
                for chunk in pipe.stream(TEXT, refs, language="zh", seed=1):
                    if first is None:
                        device.synchronize()
                        first = time.perf_counter() - t0
                    audio += chunk.seconds
                device.synchronize()
                total = time.perf_counter() - t0
                runs.append({"ttfa_s": first, "total_s": total, "audio_s": audio, "rtf": total / max(audio, 1e-9)})
            out[name] = {"cold": runs[0], "warm": runs[1]}
            del gpt, sovits, shared, pipe
        except Exception as exc:   # reported, never hidden: fp32 is measured next
            out[name] = {"error": f"{type(exc).__name__}: {exc}"}
        gc.collect()
        if device.kind == "cuda":
            torch.cuda.empty_cache()
        if "error" not in out[name]:
            break
    return out


def step_batching(device, tiny: bool, tokens: int) -> dict:
    """Cross-voice batching on the card: the batch curve of benchmarks/batching.py (fp16 on CUDA)."""
    import dataclasses
    import importlib.util

    spec = importlib.util.spec_from_file_location("_batching_bench", ROOT / "benchmarks" / "batching.py")
    bb = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bb)
    dev = device.storage
    dtype = torch.float16 if device.kind == "cuda" else torch.float32
    gpt, sovits = build_models("v2", tiny)
    gpt, sovits = gpt.to(dev, dtype).eval(), sovits.to(dev, dtype).eval()

    def on_device(reqs):
        return [(dataclasses.replace(r, phones=r.phones.to(dev), bert=r.bert.to(dev), prompt=r.prompt.to(dev)),
                 target, seed) for r, target, seed in reqs]

    out = {"dtype": str(dtype).removeprefix("torch."), "batch": {}}
    with torch.no_grad():
        bb.run_batch(gpt, sovits, on_device(bb.requests("v2", 1, min(tokens, 8), offset=99)), device.synchronize)
        for b in (1, 2, 4, 8):
            r = bb.run_batch(gpt, sovits, on_device(bb.requests("v2", b, tokens)), device.synchronize)
            out["batch"][str(b)] = {"tokens_per_s": r["tokens"] / r["gpt_s"], "requests_per_s": b / r["total_s"],
                                    "audio_s_per_s": r["audio_s"] / r["total_s"], "latency_s": r["total_s"]}
    one = out["batch"]["1"]
    out["speedup_vs_batch1"] = {k: v["tokens_per_s"] / one["tokens_per_s"] for k, v in out["batch"].items()}
    out["requests_speedup_vs_batch1"] = {k: v["requests_per_s"] / one["requests_per_s"] for k, v in out["batch"].items()}
    del gpt, sovits
    gc.collect()
    if device.kind == "cuda":
        torch.cuda.empty_cache()
    return out


class BurstBackend:
    """A backend whose work really uses the device: it allocates its declared workspace and reads the base."""

    name = "gpu-check"

    def __init__(self, workspace: int, seconds: float) -> None:
        self.workspace, self.seconds = workspace, seconds

    def workspace_bytes(self, manifest, request) -> int:
        return self.workspace

    def estimate_seconds(self, manifest, request) -> float:
        return self.seconds

    def shared_models(self, manifest, context=None) -> list:
        return []

    def max_batch_rows(self, manifest) -> int:
        return 1

    def unsupported_options(self, manifest, options) -> list:
        return []

    def synthesize_batch(self, model, shared, rows, context, admit):
        from engine.backends.base import Backend

        return Backend.synthesize_batch(self, model, shared, rows, context, admit)

    def synthesize(self, model, shared, request, references, context=None):
        import numpy as np

        from engine.backends.base import AudioChunk

        dev = next(iter(next(iter(model.values())).values())).device
        scratch = torch.empty(self.workspace, dtype=torch.uint8, device=dev)   # the declared workspace, for real
        scratch.fill_(1)
        total = sum(float(t.float().sum()) for g in model.values() for t in list(g.values())[:4])
        time.sleep(self.seconds)
        del scratch
        yield AudioChunk(np.full(160, total % 1e-3, dtype=np.float32), 16000)


def step_burst(device, tiny: bool, folder: Path, requests: int) -> dict:
    from engine.backends.base import References, ReferenceClip, SynthesisRequest
    from engine.runtime import Runtime
    from engine.runtime.pool import BaseSpec
    from engine.runtime.weight_sources import SafetensorsSource

    layout, files, nbytes = base_files("v2", tiny, folder, copies=4)
    workspace = max(MB, nbytes // 8)
    limit_mb = (2 * nbytes + workspace) * 1.1 / MB
    if device.kind == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats(device.storage)
        before = torch.cuda.memory_allocated(device.storage)
    rt = Runtime(device=device, vram_limit_mb=limit_mb, pinned_pool_mb=2 * nbytes / MB + 1, hold_s=0.5,
                 interactive_hold_s=0.1, max_batch=1)
    backend = BurstBackend(workspace, 0.002 if tiny else 0.02)
    clip = ReferenceClip(Path("none.wav"), "0" * 64, "", None, None, 1.0, 16000)
    specs = [BaseSpec(f"burst-{i}", "gsv-v2", layout, SafetensorsSource(f), build=lambda v: v)
             for i, f in enumerate(files)]
    t0 = time.perf_counter()
    handles = [rt.submit_spec(specs[(i * 7) % 4 if i % 3 else i % 4], backend, {}, SynthesisRequest(f"r{i}"),
                              References("v", clip), priority=("interactive", "batch")[i % 2]) for i in range(requests)]
    states = [h.wait(600) and h.state for h in handles]
    elapsed = time.perf_counter() - t0
    st = rt.status()
    rt.close()
    row = {"requests": requests, "done": states.count("done"), "limit_bytes": st["budget"]["limit_bytes"],
           "peak_bytes": st["budget"]["peak_bytes"], "swaps": st["metrics"]["swaps"], "seconds": elapsed,
           "budget_held": st["budget"]["peak_bytes"] <= st["budget"]["limit_bytes"]}
    if device.kind == "cuda":
        peak = torch.cuda.max_memory_allocated(device.storage) - before
        row["cuda_peak_allocated_bytes"] = peak
        row["cuda_held"] = peak <= st["budget"]["limit_bytes"]
    return row


# -- main ----------------------------------------------------------------------------------------------------
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dry-run", action="store_true", help="CPU sanity run with tiny models (checks the script)")
    ap.add_argument("--tokens", type=int, default=100, help="semantic tokens per sentence (random GPTs never stop)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--burst", type=int, default=40, help="requests in the burst")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "gpu_check.json"))
    args = ap.parse_args(argv)
    from engine.runtime.clock import MonotonicClock
    from engine.runtime.device_factory import make_device
    from engine.torchutil import configure_torch

    configure_torch()
    tiny = args.dry_run
    if args.dry_run:
        device = make_device("cpu", clock=MonotonicClock())
        tokens, repeats, burst = min(args.tokens, 8), 1, min(args.burst, 12)
    else:
        if not torch.cuda.is_available():
            print("gpu_check: this machine has no CUDA GPU (torch.cuda.is_available() is False). "
                  "Run it on an NVIDIA GPU machine, or use --dry-run to check the script on the CPU.", file=sys.stderr)
            return 2
        device = make_device("cuda", clock=MonotonicClock())
        tokens, repeats, burst = args.tokens, args.repeats, args.burst
    started = time.perf_counter()
    result = {"dry_run": args.dry_run, "device": device.info(), "torch": torch.__version__,
              "cuda": torch.version.cuda, "machine": platform.machine(), "tokens": tokens}
    with tempfile.TemporaryDirectory(prefix="timbrel-gpucheck-") as td:
        folder = Path(td)
        bw = step_bandwidth(device, args.dry_run)
        result["bandwidth"] = bw
        result["swap"] = [step_swap(device, v, tiny, folder, bw["pinned_gb_s"], repeats) for v in VARIANTS]
        result["synthesis"] = step_synthesis(device, tiny, folder, tokens)
        try:
            result["batching"] = step_batching(device, tiny, tokens)
        except Exception as exc:   # reported, never hidden
            result["batching"] = {"error": f"{type(exc).__name__}: {exc}"}
        result["burst"] = step_burst(device, tiny, folder, burst)
    result["seconds"] = time.perf_counter() - started

    card = result["device"].get("name", device.kind)
    print(f"gpu_check on {card}{' (DRY RUN: tiny models on the CPU, not a GPU figure)' if args.dry_run else ''}; "
          f"torch {torch.__version__}")
    print(f"{'measure':44} {'value':>14}  note")
    pin = bw["pinned_gb_s"]
    print(f"{'host->device pinned bandwidth':44} {(f'{pin:.2f} GB/s' if pin else '-'):>14}  "
          f"pageable {bw['pageable_gb_s']:.2f} GB/s")
    for r in result["swap"]:
        floor = f"{r['link_floor_s'] * 1000:.1f} ms floor, warm at {100 * r['warm_vs_floor']:.0f}%" if r["link_floor_s"] else "no pinned link"
        print(f"{'swap ' + r['variant'] + ' cold (mmap -> slot)':44} {r['cold_s'] * 1000:11.1f} ms  {r['bytes'] / MB:.0f} MB")
        print(f"{'swap ' + r['variant'] + ' warm (staged -> slot)':44} {r['warm_s'] * 1000:11.1f} ms  {floor}")
    for name, s in result["synthesis"].items():
        if "error" in s:
            print(f"{'synthesis ' + name:44} {'failed':>14}  {s['error'][:80]}")
            continue
        for phase in ("cold", "warm"):
            p = s[phase]
            print(f"{'synthesis ' + name + ' ' + phase + ' RTF / first audio':44} {p['rtf']:8.3f} RTF  "
                  f"first audio {p['ttfa_s']:.3f} s, {p['audio_s']:.1f} s audio")
    bt = result["batching"]
    if "error" in bt:
        print(f"{'cross-voice batching':44} {'failed':>14}  {bt['error'][:80]}")
    else:
        sp, rq = bt["speedup_vs_batch1"], bt["requests_speedup_vs_batch1"]
        print(f"{'cross-voice batching ' + bt['dtype'] + ' GPT tok/s at 8':44} {bt['batch']['8']['tokens_per_s']:10.1f} tok/s  "
              f"x{sp['2']:.2f} / x{sp['4']:.2f} / x{sp['8']:.2f} at 2/4/8 vs 1; requests/s x{rq['8']:.2f} at 8")
    b = result["burst"]
    held = "held" if b["budget_held"] and b.get("cuda_held", True) else "EXCEEDED"
    print(f"{'budget under a burst':44} {held:>14}  {b['done']}/{b['requests']} done, peak "
          f"{b['peak_bytes'] / MB:.0f} of {b['limit_bytes'] / MB:.0f} MB"
          + (f", cuda peak {b['cuda_peak_allocated_bytes'] / MB:.0f} MB" if "cuda_peak_allocated_bytes" in b else "")
          + f", {b['swaps']} swaps")
    print(f"total {result['seconds']:.1f} s")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2, default=str))
    ok = b["budget_held"] and b.get("cuda_held", True) and b["done"] == b["requests"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
