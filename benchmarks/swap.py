"""Swap cost of a full-size GPT-SoVITS v2 base (GPT 77.6 M + SoVITS v2 42.4 M params, fp16 ≈ 240 MB).

Four ways to put a base on the device, measured in one run on random weights with the real shapes:

  (a) upstream style : torch.load(weights_only=True) of a .ckpt/.pth-like pickle, build the modules
                       (random init), load_state_dict, .half(), move to the device
  (a2) upstream, resident module (the stronger baseline): the modules are built once and already live on the
                       device in fp16; a swap is torch.load(weights_only=True) + load_state_dict into them
  (b) our cold path  : safetensors mmap → copy into a pre-allocated slot (skeleton built once, before)
  (c) our warm path  : prefetched into the (pinned) host staging pool → one copy into the slot

Each row reports seconds (best of --repeats, alternating two bases so every swap changes the
bytes), bytes moved and implied bandwidth, and the ratios to (a) and (a2). On a CUDA machine the device
is the GPU and the pinned host→device bandwidth is measured too (c is compared with it);
elsewhere the device is the simulated device on CPU memory with an instant link, so only real
CPU work is timed. Writes benchmarks/results/swap.json.

    python benchmarks/swap.py [--repeats 3] [--device auto|cpu|cuda]
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.runtime.budget import Budget  # noqa: E402
from engine.runtime.clock import MonotonicClock  # noqa: E402
from engine.runtime.device_factory import make_device  # noqa: E402
from engine.runtime.hoststage import HostStaging  # noqa: E402
from engine.runtime.layout import TensorSpec, dtype_of  # noqa: E402
from engine.runtime.pool import BasePool, BaseSpec  # noqa: E402
from engine.runtime.weight_sources import SafetensorsSource  # noqa: E402

FIXTURES = Path(os.environ.get("TIMBREL_SHARED", ROOT.parent / "shared")) / "fixtures" / "gptsovits"
MB = 2**20


def layouts():
    """(layout, build_fns, source) — from the GPT-SoVITS modules when present, else the fixture key lists."""
    try:
        from engine.backends.gptsovits.models import build_gpt, build_sovits, module_layout

        gpt, sov = build_gpt({}, "meta"), build_sovits("v2", {}, "meta")
        lay = {"gpt": {k: TensorSpec(s, "float16") for k, (s, _) in module_layout(gpt, torch.float16).items()},
               "sovits": {k: TensorSpec(s, "float16") for k, (s, _) in module_layout(sov, torch.float16).items()}}
        build = {"gpt": lambda: build_gpt({}, "cpu"), "sovits": lambda: build_sovits("v2", {}, "cpu")}
        return lay, build, "engine.backends.gptsovits.models (build_gpt / build_sovits)"
    except Exception:  # the GPT-SoVITS modules are not available: a generic module with the same shapes
        lay = {}
        for group, fname in (("gpt", "keys_gpt.json"), ("sovits", "keys_sovits_v2.json")):
            keys = json.loads((FIXTURES / fname).read_text())["weight"]
            lay[group] = {name: TensorSpec(tuple(shape), dt) for name, shape, dt in keys}

        def generic(group):
            def make():
                m = torch.nn.Module()
                for name, spec in lay[group].items():
                    p = torch.nn.Parameter(torch.empty(spec.shape, dtype=torch.float32), requires_grad=False)
                    torch.nn.init.normal_(p)
                    m.register_parameter(name.replace(".", "__"), p)
                return m
            return make

        return lay, {g: generic(g) for g in lay}, "generic module with the fixture shapes"


def random_base(layout, seed):
    g = torch.Generator().manual_seed(seed)
    return {grp: {n: (torch.randn(s.shape, generator=g) * 0.02).to(dtype_of(s.dtype)) for n, s in specs.items()}
            for grp, specs in layout.items()}


def sync(device):
    if device.kind == "cuda":
        torch.cuda.synchronize(device.storage)


def upstream_swap(path_by_group, build, device):
    """(a): what GPT-SoVITS does on a model switch."""
    mods = {}
    for group, path in path_by_group.items():
        ck = torch.load(path, map_location="cpu", weights_only=True)
        m = build[group]()
        sd = ck["weight"]
        if all("__" not in k for k in m.state_dict()) or any("." in k for k in m.state_dict()):
            m.load_state_dict(sd, strict=True)
        else:
            m.load_state_dict({k.replace(".", "__"): v for k, v in sd.items()}, strict=True)
        mods[group] = m.half().to(device.storage)
    sync(device)
    return mods


def _state_dict_for(module, sd):
    if all("__" not in k for k in module.state_dict()) or any("." in k for k in module.state_dict()):
        return sd
    return {k.replace(".", "__"): v for k, v in sd.items()}


def upstream_resident_swap(path_by_group, resident, device):
    """(a2): the stronger upstream-style swap: load the checkpoint and copy it into modules already on the device."""
    for group, path in path_by_group.items():
        ck = torch.load(path, map_location="cpu", weights_only=True)
        resident[group].load_state_dict(_state_dict_for(resident[group], ck["weight"]), strict=True)
    sync(device)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "swap.json"))
    args = ap.parse_args(argv)
    from engine.torchutil import configure_torch

    configure_torch()
    device = make_device(args.device, clock=MonotonicClock())
    layout, build, how = layouts()
    nbytes = sum(s.nbytes for g in layout.values() for s in g.values())
    params = sum(s.numel for g in layout.values() for s in g.values())
    print(f"base: {params / 1e6:.1f} M params, {nbytes / MB:.1f} MB fp16 ({how}); device: {device.name}")

    tmp = Path(tempfile.mkdtemp(prefix="timbrel-swapbench-"))
    from safetensors.torch import save_file

    specs, ckpts = [], []
    for i in range(2):
        base = random_base(layout, i)
        files = {}
        for group, tensors in base.items():
            p = tmp / f"base{i}-{group}.safetensors"
            save_file(tensors, str(p))
            files[group] = p
            c = tmp / f"base{i}-{group}.ckpt"
            torch.save({"weight": tensors, "config": {}, "info": "bench"}, str(c))
        ckpts.append({g: tmp / f"base{i}-{g}.ckpt" for g in layout})
        specs.append(BaseSpec(f"base{i}", "gptsovits-v2", layout, SafetensorsSource(files), build=lambda v: v))
        del base
    gc.collect()

    # (a) upstream style
    t_a = math.inf
    for r in range(args.repeats):
        t0 = time.perf_counter()
        mods = upstream_swap(ckpts[r % 2], build, device)
        t_a = min(t_a, time.perf_counter() - t0)
        del mods
        gc.collect()

    # (a2) upstream style into resident modules (built and moved once, outside the timing)
    resident = {g: build[g]().half().to(device.storage) for g in layout}
    sync(device)
    t_a2 = math.inf
    for r in range(args.repeats):
        t0 = time.perf_counter()
        upstream_resident_swap(ckpts[(r + 1) % 2], resident, device)
        t_a2 = min(t_a2, time.perf_counter() - t0)
    del resident
    gc.collect()

    # our pool: one slot (budget fits exactly one base), skeleton built once, outside the timing
    budget = Budget(int(specs[0].packed.nbytes * device.scale * 1.05))
    staging = HostStaging(device, 2 * specs[0].packed.nbytes + MB)
    pool = BasePool(device, budget, staging=staging)
    pool.acquire(specs[1]).release()  # allocate the slot once
    sync(device)

    def timed_acquire(_r):
        spec = specs[0] if pool.find(specs[0].key) is None else specs[1]  # always the base not resident
        t0 = time.perf_counter()
        lease = pool.acquire(spec)
        device.ready_for_compute(lease.handle)
        lease.handle.wait()
        sync(device)
        dt = time.perf_counter() - t0
        path = lease.path
        lease.release()
        return dt, path

    # (b) cold: nothing staged
    t_b = math.inf
    for r in range(args.repeats):
        for key in list(staging.keys()):
            staging.discard(key)
        dt, path = timed_acquire(r)
        assert path == "cold", path
        t_b = min(t_b, dt)

    # (c) warm: both bases staged (the loader thread does this ahead of time in the runtime)
    t0 = time.perf_counter()
    for s in specs:
        staging.stage(s.key, s.packed, s.source, 0.0)
    t_stage = (time.perf_counter() - t0) / 2
    t_c = math.inf
    for r in range(args.repeats):
        dt, path = timed_acquire(r)
        assert path == "warm", path
        t_c = min(t_c, dt)
    assert pool.allocations == 1, "a swap allocated device memory"

    rows = [
        ("(a) upstream: torch.load + build + load_state_dict + move", t_a),
        ("(a2) upstream: torch.load + load_state_dict into resident", t_a2),
        ("(b) ours, cold: safetensors mmap -> slot", t_b),
        ("(c) ours, warm: staged host -> slot", t_c),
    ]
    result = {"device": device.info(), "base_bytes": nbytes, "params": params, "layout_source": how,
              "repeats": args.repeats, "staging_pinned": staging.pinned, "stage_seconds_per_base": t_stage,
              "torch": torch.__version__, "machine": platform.machine(), "cpu_count": os.cpu_count(),
              "threads": torch.get_num_threads(), "rows": []}
    print(f"\n{'path':60} {'seconds':>9} {'MB moved':>9} {'GB/s':>7} {'vs (a)':>8} {'vs (a2)':>8}")
    for name, t in rows:
        bw = nbytes / t / 1e9
        print(f"{name:60} {t:9.4f} {nbytes / MB:9.1f} {bw:7.2f} {t_a / t:7.1f}x {t_a2 / t:7.1f}x")
        result["rows"].append({"path": name, "seconds": t, "bytes": nbytes, "gb_per_s": bw, "speedup_vs_a": t_a / t,
                               "speedup_vs_a2": t_a2 / t})
    kind = ("pinned" if staging.pinned else "pageable") if device.kind == "cuda" else "host (CPU: no pinning)"
    print(f"\nstaging one base from disk (mmap) into the {kind} pool: "
          f"{t_stage:.4f} s (done by the loader thread while the device computes)")
    if device.kind == "cuda":
        from engine.runtime.cuda import measure_h2d_bandwidth

        pinned_bw = measure_h2d_bandwidth(256 * MB, pinned=True, device=device.storage)
        pageable_bw = measure_h2d_bandwidth(256 * MB, pinned=False, device=device.storage)
        result["measured_pinned_h2d_gb_per_s"] = pinned_bw / 1e9
        result["measured_pageable_h2d_gb_per_s"] = pageable_bw / 1e9
        result["warm_vs_pinned_floor"] = (nbytes / pinned_bw) / t_c
        print(f"measured host->device: pinned {pinned_bw / 1e9:.2f} GB/s, pageable {pageable_bw / 1e9:.2f} GB/s; "
              f"link floor for this base {nbytes / pinned_bw * 1000:.1f} ms; (c) reaches "
              f"{100 * (nbytes / pinned_bw) / t_c:.0f}% of it")
    else:
        print("no CUDA device: 'device' memory is CPU memory, so (b) and (c) time host copies only;"
              " run on a GPU machine for host->device numbers")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2))
    for p in tmp.iterdir():
        p.unlink()
    tmp.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
