"""Consolidation numbers: storage before/after, evaluation figures, fine-tuning step cost.

    .venv/bin/python benchmarks/consolidation.py [--shared ../shared] [--threads 1]

1. **Storage (measured)** — a fake GPT-SoVITS folder (3 trained voices from the tiny real-format fixtures:
   v2, v2Pro, v2ProPlus; 5 speakers × 3 corpus clips) → import-gptsovits → analyze → cluster → consolidate
   plan: active base bytes before vs after (ratio), and what a purge frees.
2. **Storage (projection)** — the same arithmetic with the real file sizes from the fixtures' key manifests
   (GPT 155 MB, SoVITS v2 85 MB / v2ProPlus 173 MB) for 300 voices in clusters of 50 (issue #1787's advice).
3. **Evaluation (measured)** — 6 corpus voices (3 families), a tone base per cluster, one voice pinned
   into the wrong cluster: per-voice similarity of the synthesized speech to its own references, the
   reference fit, the flags; baseline = the same run with the voice in its right cluster.
4. **Fine-tuning cost (measured)** — seconds per GPT and per SoVITS step on the tiny fixtures (CPU).

Writes benchmarks/results/consolidation.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def corpus_lines(corpus: Path, speakers, per: int) -> list[str]:
    out, seen = [], {}
    for line in (corpus / "dataset.list").read_text(encoding="utf-8").splitlines():
        rel, spk, rest = line.split("|", 2)
        if spk in speakers and seen.get(spk, 0) < per:
            seen[spk] = seen.get(spk, 0) + 1
            out.append(f"{corpus / rel}|{spk}|{rest}")
    return out


def fake_folder(root: Path, corpus: Path, fx: Path) -> Path:
    from engine.backends.gptsovits.checkpoint import read_gpt_file, read_sovits_file
    from engine.consolidation.export import gpt_bytes, sovits_bytes

    speakers = ["en_flite_awb", "en_flite_awb_m125", "cs_festival_dita", "cs_festival_dita_p125", "en_piper_joe"]
    g, s = root / "GPT_weights_v2", root / "SoVITS_weights_v2"
    for d in (g, s, root / "output" / "asr_opt"):
        d.mkdir(parents=True)
    (root / "output" / "asr_opt" / "data.list").write_text("\n".join(corpus_lines(corpus, speakers, 3)) + "\n", encoding="utf-8")
    shutil.copyfile(fx / "gpt_tiny.ckpt", g / "en_flite_awb-e8.ckpt")
    shutil.copyfile(fx / "sovits_v2_tiny.pth", s / "en_flite_awb_e8_s400.pth")
    f, _ = read_gpt_file(fx / "gpt_tiny.ckpt")
    for i, name in enumerate(["en_flite_awb_m125", "cs_festival_dita"]):
        w = dict(f.weights)
        w["ar_predict_layer.weight"] = (w["ar_predict_layer.weight"].float() + 0.01 * (i + 1)).half()
        (g / f"{name}-e8.ckpt").write_bytes(gpt_bytes(w, f.config, "GPT-e8"))
    sv, _ = read_sovits_file(fx / "sovits_v2ProPlus_tiny.pth")
    w = dict(sv.weights)
    w["dec.conv_post.weight"] = (w["dec.conv_post.weight"].float() + 0.01).half()
    (s / "en_flite_awb_m125_e8_s400.pth").write_bytes(sovits_bytes(w, sv.config, "v2Pro", "8epoch_400iteration"))
    shutil.copyfile(fx / "sovits_v2ProPlus_tiny.pth", s / "cs_festival_dita_e8_s400.pth")
    return root


def storage_measured(tmp: Path, corpus: Path, fx: Path) -> dict:
    from engine.api import Engine
    from engine.consolidation import archive
    from engine.consolidation.consolidate import make_plan
    from engine.consolidation.importer import import_gptsovits

    folder = fake_folder(tmp / "GPT-SoVITS", corpus, fx)
    t = time.perf_counter()
    with Engine(library=tmp / "lib") as eng:
        rep = import_gptsovits(eng, folder)
        t_import = time.perf_counter() - t
        eng.analysis.analyze()
        eng.analysis.cluster()
        plan = make_plan(eng)
        arch = archive.apply_plan(eng, plan)
        purged = archive.purge(eng, arch.id)
    st = plan.storage.to_dict()
    return {"voices": len(rep.voices_created), "candidates": len(rep.candidates), "import_s": round(t_import, 2),
            "source_bytes": st["source_bytes"], "bases_before": st["bases_before"], "bases_after": st["bases_after"],
            "bytes_before": st["bytes_before"], "bytes_after": st["bytes_after"], "bytes_archived": st["bytes_archived"],
            "ratio_after_before": round(st["bytes_after"] / st["bytes_before"], 3), "purge_freed": purged["bytes_freed"],
            "plan": [{"cluster": c.cluster_id, "voices": c.voices, "kind": c.kind, "base": c.base} for c in plan.clusters]}


def storage_projection(fx: Path, n_voices: int = 300, per_cluster: int = 50) -> dict:
    gpt = json.loads((fx / "keys_gpt.json").read_text())["approx_file_size_bytes"]
    out = {}
    for variant in ("v2", "v2ProPlus"):
        sov = json.loads((fx / f"keys_sovits_{variant}.json").read_text())["approx_file_size_bytes"]
        before = n_voices * (gpt + sov)
        after = math.ceil(n_voices / per_cluster) * (gpt + sov)
        out[variant] = {"voices": n_voices, "bases_after": math.ceil(n_voices / per_cluster), "bytes_before": before,
                        "bytes_after": after, "ratio_after_before": round(after / before, 4)}
    return out


def evaluation(tmp: Path, corpus: Path) -> dict:
    from engine.api import Engine
    from engine.backends.tone import create_tone_base
    from engine.consolidation.evaluate import Evaluator

    speakers = ["en_flite_awb", "en_flite_awb_m125", "cs_festival_dita", "cs_festival_dita_p125", "en_piper_joe", "en_piper_joe_p100"]
    lst = tmp / "ev.list"
    lst.write_text("\n".join(corpus_lines(corpus, speakers, 3)) + "\n", encoding="utf-8")
    res = {}
    with Engine(library=tmp / "evlib") as eng:
        eng.importer.import_paths([lst])
        eng.analysis.analyze()
        eng.analysis.cluster()
        for info in eng.analysis.clusters():
            create_tone_base(eng, f"tone-{info.id}", seed=info.id, assign_cluster=info.id)
        for label in ("baseline", "misplaced"):
            if label == "misplaced":
                eng.analysis.pin("cs_festival_dita_p125", eng.analysis.cluster_of("en_flite_awb").cluster_id)
            t = time.perf_counter()
            run = Evaluator(eng).run()
            res[label] = {"seconds": round(time.perf_counter() - t, 2),
                          "voices": {v.voice: {"cluster": v.cluster_id, "sim_own": v.sim_own, "margin": v.margin,
                                               "ref_fit": v.ref_fit, "verdict": v.verdict} for v in run.voices}}
    return res


def training_cost(tmp: Path, corpus: Path, fx: Path) -> dict:
    import torch
    from transformers import HubertConfig, HubertModel

    from engine.api import Engine
    from engine.backends.gptsovits.convert import import_base
    from engine.backends.gptsovits.models import load_base
    from engine.consolidation.train.data import prepare
    from engine.consolidation.train.finetune import FineTune, FineTuneSettings

    lst = tmp / "tr.list"
    lst.write_text("\n".join(corpus_lines(corpus, ["en_flite_awb", "en_flite_awb_m125"], 2)) + "\n", encoding="utf-8")
    with Engine(library=tmp / "trlib") as eng:
        eng.importer.import_paths([lst])
        rec = import_base(eng.bases, "tiny-v2", fx / "gpt_tiny.ckpt", fx / "sovits_v2_tiny.pth")
        torch.manual_seed(0)
        hub = HubertModel(HubertConfig(hidden_size=768, num_hidden_layers=1, num_attention_heads=4, intermediate_size=64,
                                       conv_dim=(32,) * 7, num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=16)).eval()
        _, sov = load_base(eng.bases.manifest(rec), {g: eng.bases.weights_path(rec, g) for g in ("gpt", "sovits")})
        ds = prepare(eng, eng.library.voices(), hubert=hub, sovits=sov)
        ft = FineTune(eng, rec, ds, FineTuneSettings(gpt_lr=1e-3, gpt_warmup=1, batch_size=2, segment_frames=8,
                                                     disc_width=0.125, max_frames=40, sovits_lr=2e-4, save_every=0),
                      workdir=tmp / "w")
        t = time.perf_counter()
        g = ft.train_gpt(10)
        t_gpt = (time.perf_counter() - t) / 10
        t = time.perf_counter()
        s = ft.train_sovits(5)
        t_sov = (time.perf_counter() - t) / 5
    return {"gpt_s_per_step": round(t_gpt, 3), "gpt_ce_first": round(g.history[0]["ce"], 3), "gpt_ce_last": round(g.history[-1]["ce"], 3),
            "sovits_s_per_step": round(t_sov, 3), "sovits_mel_first": round(s.history[0]["mel"], 3),
            "sovits_mel_last": round(s.history[-1]["mel"], 3), "note": "tiny fixtures, batch 2, clips cropped to 0.8 s, incl. the final checkpoint write"}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=str(REPO.parent / "shared"))
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    os.environ["TIMBREL_TORCH_THREADS"] = str(args.threads)
    shared = Path(args.shared)
    corpus, fx = shared / "corpus", shared / "fixtures" / "gptsovits"
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        os.environ["TIMBREL_CONFIG_DIR"] = str(tmp / "config")
        results = {"storage_measured": storage_measured(tmp, corpus, fx), "storage_projection": storage_projection(fx),
                   "evaluation": evaluation(tmp, corpus), "training": training_cost(tmp, corpus, fx)}
    sm = results["storage_measured"]
    print(f"{'storage (tiny fixtures)':32s} before {sm['bytes_before'] / 1e6:8.1f} MB ({sm['bases_before']} bases)  "
          f"after {sm['bytes_after'] / 1e6:8.1f} MB ({sm['bases_after']})  ratio {sm['ratio_after_before']:.3f}  "
          f"purge freed {sm['purge_freed'] / 1e6:.1f} MB")
    for v, p in results["storage_projection"].items():
        print(f"{'projection ' + v + ', 300 voices':32s} before {p['bytes_before'] / 1e9:8.1f} GB  "
              f"after {p['bytes_after'] / 1e9:8.2f} GB ({p['bases_after']} bases)  ratio {p['ratio_after_before']:.4f}")
    for label, run in results["evaluation"].items():
        print(f"evaluation: {label} ({run['seconds']} s)")
        for name, v in run["voices"].items():
            print(f"  {name:24s} cluster {v['cluster']:<3} own {v['sim_own']:.3f}  margin {v['margin'] if v['margin'] is not None else '-':>7}  "
                  f"ref_fit {v['ref_fit'] if v['ref_fit'] is not None else '-':>7}  {v['verdict']}")
    tr = results["training"]
    print(f"training: GPT {tr['gpt_s_per_step']} s/step (CE {tr['gpt_ce_first']} → {tr['gpt_ce_last']}), "
          f"SoVITS {tr['sovits_s_per_step']} s/step (mel L1 {tr['sovits_mel_first']} → {tr['sovits_mel_last']})")
    out = REPO / "benchmarks" / "results" / "consolidation.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
