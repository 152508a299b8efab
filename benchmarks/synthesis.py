"""GPT-SoVITS synthesis on CPU: time to first chunk (TTFC) and real-time factor (RTF).

Two model sizes, both with random weights (no trained model is needed or downloaded):

* **tiny**: the shared test bases (``gpt_tiny.ckpt`` + ``sovits_v2_tiny.pth``) with tiny random HuBERT/BERT;
* **full**: full-size v2 GPT (77.6 M) and SoVITS v2 (real ``configs/s2.json`` sizes, from ``keys_*.json``)
  with a full-size HuBERT (94 M, random) and a small BERT (``--full-bert`` makes it full-size, 325 M).
  A random GPT never predicts EOS, so each sentence is capped at ``--tokens`` semantic tokens (25 per second).

Each size is run **cold** (empty per-clip cache: HuBERT, ref_enc, BERT of the prompt all computed) and then
**warm** (same voice again, best of ``--repeat``: cached prompt tokens / timbre vector / phones / BERT) — the baseline comparison
is cold vs warm (ratio) and tiny vs full. Prints a table and writes ``benchmarks/results/synthesis.json``.

    .venv/bin/python benchmarks/synthesis.py [--tokens 50] [--sizes tiny full] [--full-bert]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
FIX = SHARED / "fixtures" / "gptsovits"
TEXT = "今天天气很好，我们一起去公园散步吧。Timbrel keeps many voices on one GPU. 明天见！"
SPEAKER = "zh_espeak_steph"


def _hubert(folder: Path, full: bool) -> None:
    from transformers import HubertConfig, HubertModel

    cfg = HubertConfig() if full else HubertConfig(hidden_size=768, num_hidden_layers=1, num_attention_heads=2,
                                                     intermediate_size=64, conv_dim=(32,) * 7,
                                                     num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=16)
    HubertModel(cfg).eval().save_pretrained(str(folder))


def _bert(folder: Path, full: bool) -> None:
    from transformers import BertConfig, BertForMaskedLM, BertTokenizerFast

    folder.mkdir(parents=True, exist_ok=True)
    chars = sorted(set(TEXT + "你好世界的一是不了人我在有他这中大来上个国到说们为子和地出道也时年得就那要下以生会自着去"))
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ",", ".", "!", "?", "…", "-"] + [c for c in chars if c.strip()]
    (folder / "vocab.txt").write_text("\n".join(dict.fromkeys(vocab)) + "\n", encoding="utf-8")
    BertTokenizerFast(vocab_file=str(folder / "vocab.txt")).save_pretrained(str(folder))
    cfg = (BertConfig(vocab_size=len(vocab), hidden_size=1024, num_hidden_layers=24, num_attention_heads=16,
                      intermediate_size=4096) if full else
           BertConfig(vocab_size=len(vocab), hidden_size=1024, num_hidden_layers=3, num_attention_heads=4,
                      intermediate_size=64, max_position_embeddings=256))
    BertForMaskedLM(cfg).eval().save_pretrained(str(folder))


def _models(size: str):
    from engine.backends.gptsovits.checkpoint import gpt_config_from, sovits_config_from
    from engine.backends.gptsovits.convert import convert_pair
    from engine.backends.gptsovits.models import build_group, build_gpt, build_sovits, fill

    if size == "tiny":
        conv = convert_pair(FIX / "gpt_tiny.ckpt", FIX / "sovits_v2_tiny.pth")
        return [fill(build_group(conv.manifest, g, "meta"), {k: v.float() for k, v in conv.groups[g].items()}, "assign")
                for g in ("gpt", "sovits")]
    torch.manual_seed(0)
    kg = json.loads((FIX / "keys_gpt.json").read_text())
    ks = json.loads((FIX / "keys_sovits_v2.json").read_text())
    gcfg = gpt_config_from({k.removeprefix("model."): tuple(s) for k, s, _ in kg["weight"]}, kg["config"])
    scfg = sovits_config_from("v2", {k: tuple(s) for k, s, _ in ks["weight"]}, ks["config"]["model"])
    gpt, sovits = build_gpt(gcfg, "cpu"), build_sovits("v2", scfg, "cpu")
    with torch.no_grad():  # random init leaves the codebook at zeros: spread it so tokens differ
        for n, b in sovits.named_buffers():
            if n.endswith("embed"):
                b.normal_(0, 1)
    return gpt, sovits


def _refs():
    from engine.backends.base import ReferenceClip, References

    truth = json.loads((SHARED / "corpus" / "truth.json").read_text())["speakers"][SPEAKER]
    clips = []
    for c in truth["clips"][:4]:
        p = SHARED / "corpus" / c["file"]
        clips.append(ReferenceClip(p, hashlib.sha256(p.read_bytes()).hexdigest(), c["text"], c["lang"], c["style"],
                                   c["duration"], truth["sample_rate"]))
    return References(SPEAKER, clips[0], tuple(clips[:3]))


def run_size(size: str, tokens: int, full_bert: bool, tmp: Path, repeat: int = 2) -> dict:
    from engine.backends.gptsovits.pipeline import ClipCache, Pipeline, SharedModels, file_id
    from engine.backends.gptsovits.pretrained import load_hubert
    from engine.backends.gptsovits.text.bert import BertFeaturizer

    t0 = time.perf_counter()
    pm = tmp / size
    _hubert(pm / "chinese-hubert-base", size == "full")
    _bert(pm / "chinese-roberta-wwm-ext-large", size == "full" and full_bert)
    gpt, sovits = _models(size)
    shared = SharedModels(load_hubert(pm / "chinese-hubert-base"), BertFeaturizer(pm / "chinese-roberta-wwm-ext-large"),
                          None, {"hubert": file_id(pm / "chinese-hubert-base"), "bert": "b"})
    setup = time.perf_counter() - t0
    refs = _refs()
    pipe = Pipeline(gpt, sovits, shared, base_key=size, cache=ClipCache(tmp / f"cache-{size}"),
                    inference={"early_stop_num": tokens})
    rows = {}
    for phase in ["cold"] + ["warm"] * repeat:
        start = time.perf_counter()
        first = None
        audio = 0.0
        n = 0
        for chunk in pipe.stream(TEXT, refs, language="zh", seed=1):
            if first is None:
                first = time.perf_counter() - start
            audio += chunk.seconds
            n += 1
        total = time.perf_counter() - start
        row = {"ttfc_s": first, "total_s": total, "audio_s": audio, "chunks": n, "rtf": total / max(audio, 1e-9)}
        if phase not in rows or row["total_s"] < rows[phase]["total_s"]:  # warm: best of --repeat
            rows[phase] = row
    return {"size": size, "setup_s": setup, "params_gpt": sum(p.numel() for p in gpt.parameters()),
            "params_sovits": sum(p.numel() for p in sovits.parameters()), **rows}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tokens", type=int, default=50, help="max semantic tokens per sentence (random GPTs never stop)")
    ap.add_argument("--sizes", nargs="+", default=["tiny", "full"], choices=["tiny", "full"])
    ap.add_argument("--repeat", type=int, default=2, help="warm runs (the best is reported)")
    ap.add_argument("--full-bert", action="store_true", help="full-size random BERT for the full run (slow)")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from engine.torchutil import configure_torch

    configure_torch()
    results = []
    with tempfile.TemporaryDirectory() as td:
        for size in args.sizes:
            results.append(run_size(size, args.tokens, args.full_bert, Path(td), args.repeat))
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, text of {len(TEXT)} chars, "
          f"≤{args.tokens} tokens/sentence")
    print(f"{'size':6} {'phase':5} {'TTFC s':>8} {'total s':>8} {'audio s':>8} {'RTF':>7} {'chunks':>6}  cold/warm TTFC")
    for r in results:
        for phase in ("cold", "warm"):
            p = r[phase]
            ratio = r["cold"]["ttfc_s"] / r["warm"]["ttfc_s"] if phase == "warm" else float("nan")
            print(f"{r['size']:6} {phase:5} {p['ttfc_s']:8.2f} {p['total_s']:8.2f} {p['audio_s']:8.2f} {p['rtf']:7.2f} "
                  f"{p['chunks']:6d}  {'' if phase == 'cold' else f'{ratio:.2f}x'}")
    if len(results) == 2:
        print(f"full/tiny warm RTF ratio: {results[1]['warm']['rtf'] / results[0]['warm']['rtf']:.1f}x")
    out = ROOT / "benchmarks" / "results" / "synthesis.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "tokens": args.tokens,
                               "text": TEXT, "results": results}, indent=2))
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
