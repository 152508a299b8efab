"""Load on ``timbrel serve``: 32 concurrent HTTP clients over 50 voices in 4 clusters, against a serial baseline.

Library (built in a temporary folder, nothing downloaded): 50 voices made of the shared corpus' clips (voice
``i`` takes two clips of speaker ``i mod 17``, with their transcripts), analysed and clustered into 4 clusters
(``AnalysisService.cluster(k=4)``). The clusters get a ``tone`` base, a second ``tone`` base, a ``preview``
base and — unless ``--no-gptsovits`` — the tiny GPT-SoVITS v2 pair from ``../shared/fixtures/gptsovits``
(with tiny random HuBERT/BERT linked as its pretrained assets).

Trace: ``--requests`` api_v2 ``POST /tts`` requests (``streaming_mode: true``, ``media_type: raw``), voices
uniform over the 50, one of a few English sentences, a fixed seed per request; ``--clients`` threads, each
with its own httpx client, take the next request as soon as their previous one finished.

Two servers, the same engine code, the same trace, one after the other in this run (then the cross-talk run below):

* **timbrel**: ``timbrel serve`` as shipped (the engine's runtime with its defaults: all bases that fit stay
  resident, hold/priority scheduling, prefetch) with batching on (``--max-batch 8`` rows of one base);
* **serial** (the baseline, what GPT-SoVITS' api_v2 does): the same server over a runtime that holds ONE
  base (every other idle base is dropped before a base is leased; VRAM limit = shared models + workspace +
  the largest base), FCFS (hold 0, no prefetch, batching off where the runtime offers the switch), so every
  change of base is a reload.

Measured per server: throughput (requests/s, audio seconds per second), latency p50/p99 (request sent →
last byte), time to first byte p50/p99, errors, cross-talk, peak budget use vs the limit (the runtime's own peak
counter plus a 20 ms sampler; a violation is any sample or peak above the limit) and swaps. Cross-talk: the same
trace is sent a third time to a timbrel server configured as in the load run but by ONE client, so every
request is spoken alone (a batch of one); for bases whose output was checked to be deterministic, every
response under load must be that solo rendering: the same number of samples and every sample within
``PARITY_LSB`` int16 steps (the batch parity tolerance after rounding; bit-exact responses are counted too).
Prints a table and writes ``benchmarks/results/serve_load.json`` (top-level ``errors``, ``crosstalk``,
``budget_violations``, ``throughput_vs_serial``).

    .venv/bin/python benchmarks/serve_load.py [--requests 96] [--clients 32] [--no-gptsovits]
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("TIMBREL_SHARED", ROOT.parent / "shared")).resolve()
CORPUS = SHARED / "corpus"
FIX = SHARED / "fixtures" / "gptsovits"
MB = 2**20
TEXTS = [   # two sentences each: streamed responses arrive in two chunks (time to first byte < latency)
    "Good morning. How are you today?",
    "The weather is lovely. Let's go for a walk.",
    "Please hold on. I will be right back.",
    "That was the best meal in weeks! Thank you.",
    "Turn left at the next corner. Then keep going.",
    "Thank you for waiting. Your order is ready.",
]


# -- library ---------------------------------------------------------------------------------------------------
def _tiny_assets(folder: Path) -> Path:
    """Tiny random HuBERT (768-wide, 1 layer) and BERT (1024-wide, 2 layers) in GPT-SoVITS' folder layout."""
    from transformers import BertConfig, BertForMaskedLM, BertTokenizerFast, HubertConfig, HubertModel

    import torch

    torch.manual_seed(0)
    hub = folder / "chinese-hubert-base"
    HubertModel(HubertConfig(hidden_size=768, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64,
                             conv_dim=(32,) * 7, num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=16)
                ).eval().save_pretrained(str(hub))
    (hub / "preprocessor_config.json").write_text('{"feature_extractor_type": "Wav2Vec2FeatureExtractor"}')
    bert = folder / "chinese-roberta-wwm-ext-large"
    bert.mkdir(parents=True, exist_ok=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ",", ".", "!", "?", "…", "-"] + list("的一是不了人我在有他这中大来上个")
    (bert / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    BertTokenizerFast(vocab_file=str(bert / "vocab.txt")).save_pretrained(str(bert))
    BertForMaskedLM(BertConfig(vocab_size=len(vocab), hidden_size=1024, num_hidden_layers=2, num_attention_heads=4,
                               intermediate_size=64, max_position_embeddings=256)).eval().save_pretrained(str(bert))
    return folder


def build_library(root: Path, n_voices: int, gptsovits: bool) -> dict:
    from engine.api import Engine
    from engine.backends.preview.bases import create_preview_base
    from engine.backends.tone import create_tone_base

    truth = json.loads((CORPUS / "truth.json").read_text())["speakers"]
    speakers = sorted(truth)
    eng = Engine(library=root / "lib")
    lib = eng.library
    for i in range(n_voices):
        spk = speakers[i % len(speakers)]
        clips = truth[spk]["clips"]
        k = (i // len(speakers)) * 2
        with lib.edit_new(f"voice{i:02d}-{spk}", language="en") as ed:
            for c in (clips[k % len(clips)], clips[(k + 1) % len(clips)]):
                data = (CORPUS / c["file"]).read_bytes()
                sha = lib.blobs.put_bytes(data)
                ed.add_clip(sha, duration=c["duration"], sample_rate=truth[spk]["sample_rate"], transcript=c["text"],
                            language=c["lang"] if c["lang"] in ("en", "zh", "ja", "ko", "yue") else "en",
                            emotion="neutral", source_path=str(CORPUS / c["file"]))
    eng.analysis.analyze()
    eng.analysis.cluster(k=4)
    clusters = sorted(eng.analysis.clusters(), key=lambda c: -len(c.voices))
    kinds = ["tone", "preview", "gptsovits" if gptsovits else "tone", "tone"]
    plan = {}
    for i, (c, kind) in enumerate(zip(clusters, kinds)):
        name = f"{kind}-c{c.id}"
        if kind == "tone":
            rec = create_tone_base(eng, name, seed=100 + i)
        elif kind == "preview":
            rec = create_preview_base(eng, name, c.voices)
        else:
            from engine.backends.gptsovits.convert import import_base

            eng.assets.link(_tiny_assets(root / "pretrained_models"))
            rec = import_base(eng.bases, name, FIX / "gpt_tiny.ckpt", FIX / "sovits_v2_tiny.pth")
        eng.bases.assign(c.id, rec)
        plan[c.id] = {"base": rec.name, "backend": kind, "voices": len(c.voices), "size_mb": rec.size_bytes / MB}
    eng.close()
    return {"clusters": plan, "voices": n_voices}


# -- servers ---------------------------------------------------------------------------------------------------
def make_runtime(eng, serial: bool, vram_limit_mb: float | None, max_batch: int = 1):
    """The shipped runtime (``max_batch`` rows per batch); for the baseline: one resident base, FCFS, no
    prefetch, no batching."""
    from engine.runtime import Runtime

    params = inspect.signature(Runtime.__init__).parameters
    kw = {"max_batch": max_batch}
    if serial:
        kw.update(hold_s=0.0, interactive_hold_s=0.0, prefetch=False, batch_max_wait_s=0, max_batch=1)
    kw = {k: v for k, v in kw.items() if k in params}
    rt = Runtime(eng, vram_limit_mb=vram_limit_mb, **kw)
    eng.__dict__["runtime"] = rt     # the engine's lazily created subsystem, created here with these settings
    if serial:
        # One model at a time, as api_v2 holds one: before a base is leased every other idle base is dropped,
        # so each change of base is a reload (the serial runtime runs one request at a time: nothing else is leased).
        pool = rt.pool
        acquire = pool.acquire

        def one_model_acquire(spec, *a, **k):
            for key in pool.resident():
                if key != spec.key:
                    pool.discard(key)
            return acquire(spec, *a, **k)

        pool.acquire = one_model_acquire
    return rt


def one_base_limit_mb(eng) -> float:
    """Shared models + a generous workspace + the largest base: room for exactly one resident base."""
    rt = make_runtime(eng, True, 100000)
    shared = 0
    largest = 0
    work = 0
    from engine.backends.base import SynthesisRequest

    seen = set()
    for b in eng.bases.list():
        rb = rt.resolve(b)
        spec, backend, manifest = rb.spec, rb.backend, rb.manifest
        largest = max(largest, spec.packed.nbytes)
        for m in backend.shared_models(manifest, rb.context):
            if m.name not in seen:
                seen.add(m.name)
                shared += m.nbytes
        work = max(work, backend.workspace_bytes(manifest, SynthesisRequest(text=" ".join(TEXTS))))
    rt.close()
    eng.__dict__.pop("runtime", None)
    return (shared + 2 * work + largest + largest // 2) / MB


class BudgetSampler(threading.Thread):
    def __init__(self, rt, period: float = 0.02) -> None:
        super().__init__(daemon=True)
        self.rt = rt
        self.period = period
        self.stop_flag = threading.Event()
        self.samples = 0
        self.violations = 0
        self.peak = 0

    def run(self) -> None:
        while not self.stop_flag.is_set():
            s = self.rt.budget.snapshot()
            self.samples += 1
            self.peak = max(self.peak, s["used_bytes"])
            if s["used_bytes"] > s["limit_bytes"]:
                self.violations += 1
            time.sleep(self.period)


def run_phase(name: str, library: Path, trace: list[dict], clients: int, serial: bool, limit_mb: float | None,
              max_batch: int = 1) -> dict:
    import httpx

    from engine.api import Engine
    from engine.server import ServerConfig, ServerThread

    eng = Engine(library=library)
    rt = make_runtime(eng, serial, limit_mb, max_batch)
    srv = ServerThread(eng, ServerConfig(port=0, max_active=max(64, clients * 2))).start()
    results: list[dict | None] = [None] * len(trace)
    nxt = iter(range(len(trace)))
    lock = threading.Lock()
    sampler = BudgetSampler(rt)

    def warm():   # every base loaded once and every voice's clips read once, outside the measurement
        with httpx.Client(base_url=srv.url, timeout=600) as c:
            for voice in sorted({t["voice"] for t in trace}):
                c.post("/tts", json={"text": "Warm up.", "text_lang": "en", "voice": voice, "seed": 0})

    def worker():
        with httpx.Client(base_url=srv.url, timeout=600) as c:
            while True:
                with lock:
                    i = next(nxt, None)
                if i is None:
                    return
                t = trace[i]
                body = {"text": t["text"], "text_lang": "en", "voice": t["voice"], "seed": t["seed"],
                        "streaming_mode": True, "media_type": "raw", **t.get("fields", {})}
                t0 = time.perf_counter()
                ttfb = None
                data = bytearray()
                try:
                    with c.stream("POST", "/tts", json=body) as r:
                        for piece in r.iter_raw():
                            if ttfb is None and piece:
                                ttfb = time.perf_counter() - t0
                            data += piece
                        status = r.status_code
                        sr = int(r.headers.get("x-sample-rate", "0") or 0)
                        base = r.headers.get("x-timbrel-base")
                except httpx.HTTPError as exc:
                    status, sr, base = f"error: {exc}", 0, None
                total = time.perf_counter() - t0
                results[i] = {"status": status, "latency_s": total, "ttfb_s": ttfb, "bytes": bytes(data) if status == 200 else b"",
                              "sample_rate": sr, "base": base,
                              "error": None if status == 200 else bytes(data[:300]).decode("utf-8", "replace")}

    warm()
    swaps0 = rt.metrics.snapshot()["swaps"]
    sampler.start()
    start = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - start
    sampler.stop_flag.set()
    sampler.join()
    budget = rt.budget.snapshot()
    swaps = rt.metrics.snapshot()["swaps"] - swaps0
    srv.stop()
    eng.close()
    ok = [r for r in results if r and r["status"] == 200]
    lat = sorted(r["latency_s"] for r in ok)
    ttfb = sorted(r["ttfb_s"] for r in ok if r["ttfb_s"] is not None)
    audio_s = sum(len(r["bytes"]) / 2 / r["sample_rate"] for r in ok if r["sample_rate"])

    def pct(xs, q):
        return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))] if xs else None

    return {
        "name": name, "vram_limit_mb": budget["limit_bytes"] / MB, "requests": len(trace), "ok": len(ok),
        "errors": len(trace) - len(ok), "error_samples": [r["error"] or r["status"] for r in results if r and r["status"] != 200][:3],
        "wall_s": wall, "throughput_rps": len(ok) / wall, "audio_s_per_s": audio_s / wall,
        "latency_p50_s": pct(lat, 0.5), "latency_p99_s": pct(lat, 0.99), "latency_mean_s": statistics.fmean(lat) if lat else None,
        "ttfb_p50_s": pct(ttfb, 0.5), "ttfb_p99_s": pct(ttfb, 0.99),
        "peak_budget_mb": max(budget["peak_bytes"], sampler.peak) / MB,
        "budget_violations": sampler.violations + (1 if budget["peak_bytes"] > budget["limit_bytes"] else 0),
        "budget_samples": sampler.samples, "swaps": swaps, "_results": results,
    }


def deterministic_bases(library: Path, trace: list[dict], limit_mb: float | None) -> dict[str, bool]:
    """Render one request per base twice, alone: equal bytes → that base's backend is deterministic here."""
    from engine.api import Engine

    eng = Engine(library=library)
    make_runtime(eng, True, limit_mb)
    out: dict[str, bool] = {}
    try:
        for t in trace:
            base = eng.speech.resolve_base(eng.library.voice(t["voice"])).name
            if base in out:
                continue
            a = eng.speech.say(t["text"], t["voice"], seed=t["seed"]).result(600).samples
            b = eng.speech.say(t["text"], t["voice"], seed=t["seed"]).result(600).samples
            out[base] = bool(len(a) == len(b) and (a == b).all())
    finally:
        eng.close()
    return out


PARITY_LSB = 8   # int16 steps: batched rows equal solo runs to 1e-4 relative before rounding to int16


def pcm_matches(ours: bytes, solo: bytes) -> tuple[bool, int]:
    """Whether a raw int16 response is its solo rendering (same length, every sample within PARITY_LSB), and
    the largest difference in LSB (-1 when the lengths differ)."""
    import numpy as np

    a = np.frombuffer(ours[: len(ours) // 2 * 2], dtype="<i2").astype(np.int32)
    b = np.frombuffer(solo[: len(solo) // 2 * 2], dtype="<i2").astype(np.int32)
    if len(a) != len(b) or len(ours) != len(solo):
        return False, -1
    lsb = int(np.abs(a - b).max()) if len(a) else 0
    return lsb <= PARITY_LSB, lsb


def describe_mismatch(i: int, ours: dict, solos: list, trace: list, lsb: int) -> dict:
    """What a response that is not its solo rendering looks like: its voice, text and base, how far it is from its
    own solo rendering (correlation, LSB) and whether it is closer to ANOTHER request's solo rendering (which would
    be audio delivered to the wrong client)."""
    import numpy as np

    def pcm(x: bytes):
        return np.frombuffer(x[: len(x) // 2 * 2], dtype="<i2").astype(np.float64)

    def corr(x, y) -> float:
        n = min(len(x), len(y))
        if n == 0:
            return 0.0
        x, y = x[:n], y[:n]
        d = float(np.linalg.norm(x) * np.linalg.norm(y))
        return float(np.dot(x, y) / d) if d else 0.0

    mine = pcm(ours["bytes"])
    own = corr(mine, pcm(solos[i]["bytes"]))
    others = [(corr(mine, pcm(s["bytes"])), j) for j, s in enumerate(solos)
              if j != i and s and s.get("status") == 200 and s.get("base") == ours["base"]]
    best_other, who = max(others) if others else (0.0, None)
    return {"request": i, "voice": trace[i]["voice"], "text": trace[i]["text"], "base": ours["base"],
            "max_diff_lsb": lsb, "corr_with_own_solo": round(own, 4),
            "best_corr_with_another_solo": round(best_other, 4), "that_request": who,
            "closer_to_another_request": bool(best_other > own)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=96)
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--voices", type=int, default=50)
    ap.add_argument("--vram-limit", type=float, default=None, metavar="MB",
                    help="timbrel's VRAM limit (default: room for every base)")
    ap.add_argument("--max-batch", type=int, default=8, help="timbrel's runtime.max_batch (the baseline uses 1)")
    ap.add_argument("--no-gptsovits", action="store_true", help="a third tone base instead of the tiny GPT-SoVITS pair")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--top-k", type=int, default=None,
                    help="api_v2 top_k for every request (default: the server's); 1 = greedy decoding")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "serve_load.json"))
    args = ap.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="timbrel-serve-load-"))
    os.environ["TIMBREL_CONFIG_DIR"] = str(tmp / "config")     # never touch the user's settings
    os.environ.setdefault("TIMBREL_TORCH_THREADS", "1")
    from engine.torchutil import configure_torch

    configure_torch()
    t0 = time.perf_counter()
    setup = build_library(tmp, args.voices, not args.no_gptsovits)
    library = tmp / "lib"
    rng = random.Random(args.seed)
    from engine.library import Library

    names = Library.open(library).voice_names()
    fields = {} if args.top_k is None else {"top_k": args.top_k}
    trace = [{"voice": rng.choice(names), "text": rng.choice(TEXTS), "seed": rng.randrange(1, 10**6), "fields": fields}
             for _ in range(args.requests)]
    from engine.api import Engine

    probe = Engine(library=library)
    serial_limit = one_base_limit_mb(probe)
    probe.close()
    ours_limit = args.vram_limit or max(serial_limit * 4, 256.0)
    setup_s = time.perf_counter() - t0
    print(f"library: {args.voices} voices, clusters {json.dumps(setup['clusters'])}; setup {setup_s:.1f} s")
    print(f"trace: {len(trace)} requests, {args.clients} clients; VRAM limit timbrel {ours_limit:.1f} MB, "
          f"serial {serial_limit:.1f} MB (one base)")

    det = deterministic_bases(library, trace, ours_limit)
    ours = run_phase("timbrel", library, trace, args.clients, False, ours_limit, args.max_batch)
    serial = run_phase("serial", library, trace, args.clients, True, serial_limit)
    alone = run_phase("timbrel, 1 client", library, trace, 1, False, ours_limit, args.max_batch)

    # cross-talk: with one client every request ran alone; for a deterministic base, the response under load must
    # be that rendering: the same number of samples and every sample within PARITY_LSB (a batched row equals its
    # solo run to 1e-4 relative, which int16 rounding can turn into a few LSB). Bit-exact responses are counted.
    crosstalk = 0
    checked = 0
    bit_exact = 0
    worst_lsb = 0
    mismatches = []
    ours_results, solo_results = ours.pop("_results"), alone.pop("_results")
    serial.pop("_results")
    for i, (a, b, t) in enumerate(zip(ours_results, solo_results, trace)):
        if not (a and b and a["status"] == 200 and b["status"] == 200):
            continue
        if a["base"] != b["base"]:
            crosstalk += 1
            mismatches.append({"request": i, "base": a["base"], "solo_base": b["base"]})
            continue
        if det.get(a["base"]):
            checked += 1
            same, lsb = pcm_matches(a["bytes"], b["bytes"])
            bit_exact += a["bytes"] == b["bytes"]
            worst_lsb = max(worst_lsb, lsb)
            crosstalk += not same
            if not same:
                mismatches.append(describe_mismatch(i, a, solo_results, trace, lsb))
    for m in mismatches:
        print(f"  mismatch: {json.dumps(m)}")
    rows = [ours, serial, alone]
    head = ("server", "req/s", "audio s/s", "p50 s", "p99 s", "TTFB p50", "TTFB p99", "errors", "swaps", "peak MB", "limit MB")
    print("\n| " + " | ".join(head) + " |\n|" + "---|" * len(head))
    for r in rows:
        print(f"| {r['name']} | {r['throughput_rps']:.2f} | {r['audio_s_per_s']:.2f} | {r['latency_p50_s']:.3f} | "
              f"{r['latency_p99_s']:.3f} | {r['ttfb_p50_s']:.3f} | {r['ttfb_p99_s']:.3f} | {r['errors']} | {r['swaps']} | "
              f"{r['peak_budget_mb']:.1f} | {r['vram_limit_mb']:.1f} |")
    ratio = ours["throughput_rps"] / serial["throughput_rps"] if serial["throughput_rps"] else None
    p99_ratio = serial["latency_p99_s"] / ours["latency_p99_s"] if ours["latency_p99_s"] else None
    print(f"\nthroughput vs serial: {ratio:.2f}x; p99 latency serial/timbrel: {p99_ratio:.2f}x; "
          f"cross-talk {crosstalk} of {checked} deterministic responses compared ({bit_exact} bit-exact, largest "
          f"difference {worst_lsb} LSB, allowed {PARITY_LSB}); deterministic bases: {det}")
    out = {
        "errors": ours["errors"] + serial["errors"] + alone["errors"], "crosstalk": crosstalk,
        "budget_violations": ours["budget_violations"] + serial["budget_violations"] + alone["budget_violations"],
        "throughput_vs_serial": ratio, "p99_latency_serial_over_timbrel": p99_ratio,
        "crosstalk_checked": checked, "mismatches": mismatches, "bit_exact": bit_exact, "max_diff_lsb": worst_lsb, "parity_lsb": PARITY_LSB,
        "deterministic_bases": det, "setup": setup, "setup_s": setup_s,
        "requests": args.requests, "clients": args.clients, "top_k": args.top_k, "max_batch": args.max_batch, "servers": rows,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2, default=str))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
