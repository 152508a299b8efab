"""Load time of a GPT-SoVITS base: our path vs the upstream-style path, full-size random weights.

For v2 and v2ProPlus this script makes random full-size weights (fp16, the real key/shape layout), writes
them in the upstream file formats (GPT ``.ckpt``; SoVITS ``.pth``, header ``06`` for v2ProPlus), converts
them once into a Timbrel base (safetensors), then times, alternately, ``--repeat`` times each:

* **upstream-style**: read the file (header restored in memory as ``load_sovits_new`` does) + ``torch.load``,
  build the networks on the CPU with default initialisation (what upstream's constructors do), then
  ``load_state_dict`` (fp16 → fp32 copy);
* **ours**: safetensors mmap → build on ``meta`` → fill by assignment (fp16 → fp32 cast), no pickle;
* **ours fp16** (extra column): the same without the cast — the weights stay fp16 and mmap-backed, which is
  what the runtime stages before copying them into device storage.

Both end with ready float32 GPT + SoVITS modules on the CPU (GPT-SoVITS' CPU set-up). Prints a table and
writes ``benchmarks/results/gptsovits_load.json``.

    .venv/bin/python benchmarks/gptsovits_load.py [--repeat 3] [--variants v2 v2ProPlus]
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import tempfile
import time
from collections import OrderedDict
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.backends.gptsovits.convert import convert_pair  # noqa: E402
from engine.backends.gptsovits.models import build_gpt, build_sovits, load_base  # noqa: E402
from engine.backends.gptsovits.sovits import SoVITSConfig  # noqa: E402
from engine.backends.gptsovits.t2s import T2SConfig  # noqa: E402
from engine.torchutil import configure_torch  # noqa: E402

SOVITS_CONFIGS = {
    "v2": dict(variant="v2", filter_channels=768, upsample_initial_channel=512, gin_channels=512,
               upsample_kernel_sizes=[16, 16, 8, 2, 2]),
    "v2ProPlus": dict(variant="v2ProPlus", filter_channels=768, upsample_initial_channel=768, gin_channels=1024,
                      upsample_kernel_sizes=[20, 16, 8, 2, 2]),
}
HEADERS = {"v2": b"PK", "v2ProPlus": b"06"}


def random_state(module: torch.nn.Module, seed: int) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    out = {}
    for name, t in module.state_dict(keep_vars=True).items():
        out[name] = (torch.randn(t.shape, generator=g) * 0.02).half()
    return out


def model_config(cfg: SoVITSConfig) -> dict:
    d = cfg.to_dict()
    for k in ("variant", "n_symbols", "spec_channels", "sampling_rate", "hop_length"):
        d.pop(k)
    d.update(version=cfg.variant, resblock="1", semantic_frame_rate="25hz", p_dropout=0.0)
    return d


def write_files(variant: str, folder: Path) -> tuple[Path, Path]:
    gcfg = T2SConfig()
    gpt_state = random_state(build_gpt(gcfg, "meta"), 1)
    gpt = {"weight": OrderedDict(("model." + k, v) for k, v in gpt_state.items()),
           "config": {"model": {"vocab_size": 1025, "phoneme_vocab_size": 732, "embedding_dim": 512, "hidden_dim": 512,
                                "head": 16, "linear_units": 2048, "n_layer": 24, "dropout": 0, "EOS": 1024},
                      "data": {"max_sec": 54}},
           "info": "GPT-e15"}
    gpt_path = folder / f"{variant}.ckpt"
    torch.save(OrderedDict(gpt), gpt_path)
    scfg = SoVITSConfig(**SOVITS_CONFIGS[variant])
    sov_state = random_state(build_sovits(variant, scfg, "meta"), 2)
    sov_state["quantizer.vq.layers.0._codebook.inited"] = torch.ones(1, dtype=torch.float16)
    sov = {"weight": sov_state, "config": {"model": model_config(scfg), "data": {"filter_length": 2048, "hop_length": 640}},
           "info": "8epoch_400iteration"}
    buf = io.BytesIO()
    torch.save(OrderedDict(sov), buf)
    data = bytearray(buf.getvalue())
    data[:2] = HEADERS[variant]
    sov_path = folder / f"{variant}.pth"
    sov_path.write_bytes(bytes(data))
    return gpt_path, sov_path


def _default_init(module: torch.nn.Module) -> None:
    """What constructing the upstream classes costs: every layer initialised."""
    with torch.no_grad():
        for m in module.modules():
            if hasattr(m, "reset_parameters") and not isinstance(m, torch.nn.Identity):
                m.reset_parameters()
        for name, p in module.named_parameters():
            if name.endswith(("weight_g", "weight_v", "emb_rel_k", "emb_rel_v", "in_proj_weight", "alpha")):
                torch.nn.init.normal_(p, std=0.02)


def upstream_style(variant: str, gpt_path: Path, sov_path: Path):
    # GPT: torch.load + Text2SemanticDecoder(config) + load_state_dict
    gobj = torch.load(gpt_path, map_location="cpu", weights_only=False)
    gw = {k[len("model."):]: v for k, v in gobj["weight"].items()}
    gpt = build_gpt(T2SConfig(), "cpu")
    _default_init(gpt)
    gpt.load_state_dict(gw)
    # SoVITS: read whole file, restore "PK", torch.load, SynthesizerTrn(**config.model) + load_state_dict
    data = bytearray(sov_path.read_bytes())
    data[:2] = b"PK"
    sobj = torch.load(io.BytesIO(bytes(data)), map_location="cpu", weights_only=False)
    sov = build_sovits(variant, SoVITSConfig(**SOVITS_CONFIGS[variant]), "cpu")
    _default_init(sov)
    sov.load_state_dict(sobj["weight"], strict=False)
    return gpt, sov


def timed(fn, *args):
    t = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t, out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--variants", nargs="+", default=["v2", "v2ProPlus"])
    args = ap.parse_args(argv)
    configure_torch()
    torch.set_grad_enabled(False)
    rows = []
    with tempfile.TemporaryDirectory(prefix="gsv-bench-") as tmp:
        tmp = Path(tmp)
        for variant in args.variants:
            gpt_path, sov_path = write_files(variant, tmp)
            conv_s, conv = timed(convert_pair, gpt_path, sov_path)
            from safetensors.torch import save_file

            paths = {}
            for g, tensors in conv.groups.items():
                paths[g] = tmp / f"{variant}-{g}.safetensors"
                save_file(tensors, str(paths[g]))
            del conv.groups
            # warm-up (page cache, allocator) for both paths, and check they build the same networks
            ref = upstream_style(variant, gpt_path, sov_path)
            mine = load_base(conv.manifest, paths)
            for a, b in zip(ref, mine):
                sa, sb = a.state_dict(), b.state_dict()
                assert sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa), "paths disagree"
            del ref, mine
            up, ours, ours16 = [], [], []
            for _ in range(args.repeat):
                s, mods = timed(upstream_style, variant, gpt_path, sov_path)
                up.append(s)
                del mods
                s, mods = timed(load_base, conv.manifest, paths)
                ours.append(s)
                del mods
                s, mods = timed(load_base, conv.manifest, paths, "cpu", None)
                ours16.append(s)
                del mods
            u, o = statistics.median(up), statistics.median(ours)
            rows.append({
                "variant": variant,
                "gpt_file_mb": round(gpt_path.stat().st_size / 1e6, 1),
                "sovits_file_mb": round(sov_path.stat().st_size / 1e6, 1),
                "convert_once_s": round(conv_s, 3),
                "upstream_style_s": round(u, 3),
                "ours_s": round(o, 3),
                "speedup": round(u / o, 2),
                "ours_fp16_s": round(statistics.median(ours16), 3),
                "speedup_fp16": round(u / statistics.median(ours16), 1),
                "upstream_runs_s": [round(x, 3) for x in up],
                "ours_runs_s": [round(x, 3) for x in ours],
                "ours_fp16_runs_s": [round(x, 4) for x in ours16],
            })
    hdr = (f"{'variant':10} {'GPT MB':>7} {'SoVITS MB':>9} {'convert':>8} {'upstream-style s':>17} {'ours s':>7} "
           f"{'speed-up':>8} {'ours fp16 s':>12} {'speed-up':>8}")
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        print(f"{r['variant']:10} {r['gpt_file_mb']:7.1f} {r['sovits_file_mb']:9.1f} {r['convert_once_s']:8.2f} "
              f"{r['upstream_style_s']:17.3f} {r['ours_s']:7.3f} {r['speedup']:7.2f}x {r['ours_fp16_s']:12.3f} {r['speedup_fp16']:7.1f}x")
    out = ROOT / "benchmarks" / "results" / "gptsovits_load.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"threads": torch.get_num_threads(), "torch": torch.__version__, "repeat": args.repeat,
                               "rows": rows}, indent=2) + "\n")
    print(f"\nmedian of {args.repeat} runs each, torch threads {torch.get_num_threads()}; written {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
