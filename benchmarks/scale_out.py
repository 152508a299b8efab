"""Scale-out on Ray Serve (CPU, one local Ray instance): replicas, routing by base, Ray's overhead, a dying replica.

Library (temporary, nothing downloaded): ``--voices`` voices made of the shared corpus' clips and ``--bases``
``tone`` bases. Each engine replica's VRAM limit holds ``--per-replica`` bases (default 3.5 of 6): two replicas
together can keep every base resident if each base stays on one replica, while a replica that gets requests
for every base must keep swapping. Trace: ``--requests`` api_v2 ``POST /tts`` requests, each naming its base
(the ``base`` extension field) and a voice, from ``--clients`` concurrent clients — the same trace for every run.

Runs (one Ray instance; the Serve application is redeployed for every run, so each starts with empty replicas):

* **plain**: ``timbrel serve`` in this process (no Ray), one engine — the baseline for Ray's overhead;
* **ray-1**: the Ray path with 1 engine replica;
* **2 replicas, three routings** — ``base`` (model id = base, Timbrel's base-affinity router: each base on one
  home replica), ``serve-multiplexed`` (model id = base, Serve's stock router, which only prefers replicas
  holding the id) and ``base-blind`` (no model id, Serve's default power-of-two-choices);
* **ray-2-kill**: ``base`` routing, and one replica is killed (SIGKILL) after a third of the requests: every
  request must end as the right audio or as an error the client sees — a 200 with wrong or cut audio would
  be a silent loss.

Every configuration runs ``--repeats`` times (the three routings interleaved, in a rotating order); the table
gives the mean and the spread (min–max) of each figure. Per run: throughput, p50/p99 latency, swaps (loads
into device slots, summed over the replicas; the least possible is one per base), how many replicas served
each base (1.0 = every base on one replica), errors and silent losses (every 200 is compared with the engine's
own rendering of that request), and the load average. Prints a table and writes
``benchmarks/results/scale_out.json``. Needs the ``ray`` extra.

    python benchmarks/scale_out.py [--requests 96] [--clients 8] [--bases 6] [--repeats 3]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import signal
import socket
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
MB = 2**20
# one sentence of the same length each: every request reserves the same workspace, so the VRAM limit below
# binds (a tone base is ~132 KiB, a request's workspace ~7 MiB: with sentences of mixed length the room a
# short one leaves would hold dozens of extra bases, and no replica would ever need to swap)
TEXTS = ["Good morning to you all.", "Please hold on a moment.", "Turn left at the corner.", "Your order is ready now."]


def build_library(root: Path, n_voices: int, n_bases: int) -> list[str]:
    from engine.api import Engine
    from engine.backends.tone import create_tone_base

    truth = json.loads((CORPUS / "truth.json").read_text())["speakers"]
    speakers = sorted(truth)
    eng = Engine(library=root / "lib")
    for i in range(n_voices):
        spk = speakers[i % len(speakers)]
        c = truth[spk]["clips"][i // len(speakers)]
        with eng.library.edit_new(f"v{i:02d}-{spk}", language="en") as ed:
            sha = eng.library.blobs.put_bytes((CORPUS / c["file"]).read_bytes())
            ed.add_clip(sha, duration=c["duration"], sample_rate=truth[spk]["sample_rate"], transcript=c["text"],
                        language="en", emotion="neutral")
    names = [create_tone_base(eng, f"tone-{b}", seed=1000 + b).name for b in range(n_bases)]
    eng.close()
    return names


def limit_for(library: Path, bases: list[str], per_replica: float) -> float:
    """A VRAM limit holding the shared models, one request's workspace and ``per_replica`` bases: while a request
    runs, at most ``int(per_replica)`` bases stay resident (requests then run one at a time: a batch of two
    would need a second workspace)."""
    from engine.api import Engine
    from engine.backends.base import SynthesisRequest

    eng = Engine(library=library)
    try:
        rb = eng.speech.resolved_base(bases[0])
        slot = rb.spec.packed.nbytes
        shared = sum(m.nbytes for m in rb.backend.shared_models(rb.manifest, rb.context))
        work = max(rb.backend.workspace_bytes(rb.manifest, SynthesisRequest(text=t)) for t in TEXTS)
    finally:
        eng.close()
    return (shared + work + per_replica * slot + 4096) / MB


def solo_renderings(library: Path, trace: list[dict]) -> dict[tuple, bytes]:
    import numpy as np

    from engine.api import Engine

    eng = Engine(library=library)
    out = {}
    try:
        for t in trace:
            key = (t["voice"], t["base"], t["text"], t["seed"])
            if key not in out:
                a = eng.speech.say(t["text"], t["voice"], base=t["base"], seed=t["seed"]).result(600)
                out[key] = (np.clip(a.samples, -1, 1) * 32767.0).round().astype("<i2").tobytes()
    finally:
        eng.close()
    return out


def drive(url: str, trace: list[dict], clients: int, solo: dict, on_progress=None) -> dict:
    import httpx
    import soundfile as sf

    results: list[dict | None] = [None] * len(trace)
    nxt = iter(range(len(trace)))
    lock = threading.Lock()
    done = [0]

    def worker():
        with httpx.Client(base_url=url, timeout=300) as c:
            while True:
                with lock:
                    i = next(nxt, None)
                if i is None:
                    return
                t = trace[i]
                t0 = time.perf_counter()
                try:
                    r = c.post("/tts", json={"text": t["text"], "text_lang": "en", "voice": t["voice"],
                                             "base": t["base"], "seed": t["seed"]})
                    status = r.status_code
                    if status == 200:
                        x, _ = sf.read(io.BytesIO(r.content), dtype="int16")
                        outcome = "ok" if x.astype("<i2").tobytes() == solo[(t["voice"], t["base"], t["text"], t["seed"])] \
                            else "silent-loss"
                    else:
                        outcome = "error"
                except httpx.HTTPError:
                    status, outcome = "cut", "error"
                results[i] = {"latency_s": time.perf_counter() - t0, "status": status, "outcome": outcome,
                              "replica": r.headers.get("x-timbrel-replica") if outcome != "error" else None,
                              "base": t["base"]}
                with lock:
                    done[0] += 1
                    n = done[0]
                if on_progress is not None:
                    on_progress(n)

    start = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - start
    ok = sorted(r["latency_s"] for r in results if r and r["outcome"] == "ok")

    def pct(q):
        return ok[min(len(ok) - 1, int(round(q * (len(ok) - 1))))] if ok else None

    served: dict[str, set] = {}
    for r in results:
        if r and r["replica"]:
            served.setdefault(r["base"], set()).add(r["replica"])
    return {"wall_s": wall, "ok": len(ok), "errors": sum(1 for r in results if r and r["outcome"] == "error"),
            "silent_losses": sum(1 for r in results if r and r["outcome"] == "silent-loss"),
            "throughput_rps": len(ok) / wall, "p50_s": pct(0.5), "p99_s": pct(0.99),
            "replicas_per_base": sum(len(v) for v in served.values()) / len(served) if served else None,
            "replicas_used": sorted({r["replica"] for r in results if r and r["replica"]})}


def replica_swaps(handle) -> tuple[int, list[dict]]:
    """Swaps summed over the replicas that answer (a killed one is gone; its count is lost with it)."""
    from engine.server.ray_serve import live_stats

    stats = live_stats(handle, 30.0)
    return sum(int(s["status"]["metrics"]["swaps"]) for s in stats), stats


def run_plain(library: Path, limit: float, trace, clients: int, solo) -> dict:
    from engine.api import Engine
    from engine.server import ServerConfig, ServerThread

    eng = Engine(library=library, vram_limit_mb=limit)
    srv = ServerThread(eng, ServerConfig(port=0)).start()
    load = os.getloadavg()[0]
    row = drive(srv.url, trace, clients, solo)
    row.update(name="plain", replicas=1, routing="-", swaps=int(eng.runtime.metrics.snapshot()["swaps"]), load1=load)
    srv.stop()
    eng.close()
    return row


def run_ray(library: Path, limit: float, trace, clients: int, solo, port: int, *, name: str, replicas: int,
            routing: str, max_models: int, kill: bool = False) -> dict:
    from ray import serve

    from engine.server import ServerConfig
    from engine.server.ray_serve import APP_NAME, ENGINE, build_app, live_stats

    t1 = time.perf_counter()
    serve.run(build_app(str(library), ServerConfig(port=port), replicas=replicas, cpus_per_replica=0.5,
                        vram_limit_mb=limit, routing=routing, max_models=max_models), name=APP_NAME,
              route_prefix="/")
    handle = serve.get_deployment_handle(ENGINE, app_name=APP_NAME)
    deploy_s = time.perf_counter() - t1
    before, _ = replica_swaps(handle)
    killed: dict = {}

    def progress(n):
        if kill and not killed and n >= len(trace) // 3:
            victim = live_stats(handle, 30.0)[0]
            os.kill(int(victim["pid"]), signal.SIGKILL)
            killed.update(replica=victim["replica"], after=n)

    load = os.getloadavg()[0]
    row = drive(f"http://127.0.0.1:{port}", trace, clients, solo, progress)
    time.sleep(0.5)
    after, stats = replica_swaps(handle)
    row.update(name=name, replicas=replicas, routing=routing, swaps=None if kill else max(0, after - before),
               deploy_s=deploy_s, killed=killed or None, load1=load,
               resident={s["replica"]: s["status"]["resident"] for s in stats})
    serve.delete(APP_NAME)
    return row


def summarize(rows: list[dict]) -> dict:
    """Mean and spread (min, max, standard deviation) of each figure over the repeats of one configuration."""
    out = {"runs": len(rows)}
    for key in ("throughput_rps", "p50_s", "p99_s", "swaps", "replicas_per_base", "errors", "silent_losses", "load1"):
        vals = [r[key] for r in rows if r.get(key) is not None]
        if vals:
            out[key] = {"mean": statistics.fmean(vals), "min": min(vals), "max": max(vals),
                        "stdev": statistics.stdev(vals) if len(vals) > 1 else 0.0}
    return out


def _cell(s: dict, key: str, fmt: str) -> str:
    v = s.get(key)
    if v is None:
        return "-"
    if v["min"] == v["max"]:
        return format(v["mean"], fmt)
    return f"{format(v['mean'], fmt)} ({format(v['min'], fmt)}–{format(v['max'], fmt)})"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=96)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--voices", type=int, default=16)
    ap.add_argument("--bases", type=int, default=6)
    ap.add_argument("--per-replica", type=float, default=3.5, help="bases that fit in one replica's VRAM limit")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "scale_out.json"))
    args = ap.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="timbrel-scale-out-"))
    os.environ["TIMBREL_CONFIG_DIR"] = str(tmp / "config")
    os.environ.setdefault("TIMBREL_TORCH_THREADS", "1")
    import ray
    from ray import serve

    from engine.library import Library

    bases = build_library(tmp, args.voices, args.bases)
    library = tmp / "lib"
    voices = Library.open(library).voice_names()
    limit = limit_for(library, bases, args.per_replica)
    # Serve's per-replica list of model ids as long as what stays resident while a request runs (the library's
    # own estimate, ``models_per_replica``, sizes the workspace with a longer sentence than this trace's)
    max_models = max(1, int(args.per_replica))
    rng = random.Random(args.seed)
    trace = [{"voice": rng.choice(voices), "base": rng.choice(bases), "text": rng.choice(TEXTS),
              "seed": rng.randrange(1, 10**6)} for _ in range(args.requests)]
    solo = solo_renderings(library, trace)
    print(f"{len(voices)} voices, {len(bases)} tone bases; replica VRAM limit {limit:.2f} MB "
          f"(~{args.per_replica} bases, max_num_models_per_replica {max_models}); {len(trace)} requests from {args.clients} clients; "
          f"{args.repeats} repeats; load average {os.getloadavg()[0]:.2f}", flush=True)
    rows: list[dict] = []

    def keep(row):
        rows.append(row)
        print({k: v for k, v in row.items() if k not in ("resident", "replicas_used")}, flush=True)

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    t0 = time.perf_counter()
    ray.init(num_cpus=max(4, os.cpu_count() or 1), include_dashboard=False, log_to_driver=False)
    serve.start(http_options={"host": "127.0.0.1", "port": port})
    ray_start = time.perf_counter() - t0
    routings = ["base", "serve-multiplexed", "base-blind"]
    try:
        for rep in range(args.repeats):
            keep(run_plain(library, limit, trace, args.clients, solo))
            keep(run_ray(library, limit, trace, args.clients, solo, port, name="ray-1", replicas=1, routing="base",
                         max_models=max_models))
            for routing in routings[rep % 3:] + routings[:rep % 3]:       # rotate the order: no routing always first
                keep(run_ray(library, limit, trace, args.clients, solo, port, name=f"ray-2-{routing}", replicas=2,
                             routing=routing, max_models=max_models))
        keep(run_ray(library, limit, trace, args.clients, solo, port, name="ray-2-kill", replicas=2, routing="base",
                     max_models=max_models, kill=True))
    finally:
        serve.shutdown()
        ray.shutdown()

    names = ["plain", "ray-1"] + [f"ray-2-{r}" for r in routings] + ["ray-2-kill"]
    summ = {n: summarize([r for r in rows if r["name"] == n]) for n in names}
    head = ("run", "replicas", "routing", "runs", "req/s", "p50 s", "p99 s", "swaps", "replicas/base", "errors",
            "silent losses", "load avg")
    print("\n| " + " | ".join(head) + " |\n|" + "---|" * len(head))
    for n in names:
        r0 = next(r for r in rows if r["name"] == n)
        s = summ[n]
        print(f"| {n} | {r0['replicas']} | {r0['routing']} | {s['runs']} | {_cell(s, 'throughput_rps', '.2f')} | "
              f"{_cell(s, 'p50_s', '.3f')} | {_cell(s, 'p99_s', '.3f')} | {_cell(s, 'swaps', '.1f')} | "
              f"{_cell(s, 'replicas_per_base', '.2f')} | {_cell(s, 'errors', '.0f')} | "
              f"{_cell(s, 'silent_losses', '.0f')} | {_cell(s, 'load1', '.1f')} |")

    def mean(n, key):
        return summ[n][key]["mean"]

    pairs = [(a["swaps"], b["swaps"]) for a, b in zip([r for r in rows if r["name"] == "ray-2-base"],
                                                      [r for r in rows if r["name"] == "ray-2-base-blind"])]
    summary = {
        "ray_start_s": ray_start, "repeats": args.repeats,
        "swaps_base_routing": mean("ray-2-base", "swaps"),
        "swaps_serve_multiplexed": mean("ray-2-serve-multiplexed", "swaps"),
        "swaps_base_blind": mean("ray-2-base-blind", "swaps"),
        "base_routing_lower_swaps_every_repeat": all(a < b for a, b in pairs),
        "replicas_per_base_base_routing": mean("ray-2-base", "replicas_per_base"),
        "p99_base_routing_s": mean("ray-2-base", "p99_s"), "p99_base_blind_s": mean("ray-2-base-blind", "p99_s"),
        "p99_serve_multiplexed_s": mean("ray-2-serve-multiplexed", "p99_s"),
        "two_vs_one_replica_throughput": mean("ray-2-base", "throughput_rps") / mean("ray-1", "throughput_rps"),
        "ray_overhead_p50_s": mean("ray-1", "p50_s") - mean("plain", "p50_s"),
        "ray_1_vs_plain_throughput": mean("ray-1", "throughput_rps") / mean("plain", "throughput_rps"),
        "kill_errors": summ["ray-2-kill"]["errors"]["mean"], "kill_silent_losses": summ["ray-2-kill"]["silent_losses"]["mean"],
        "silent_losses": sum(r["silent_losses"] for r in rows),
        "load_average_1min": [min(r["load1"] for r in rows), max(r["load1"] for r in rows)],
    }
    print("\n" + json.dumps(summary, indent=2))
    out = {**summary, "requests": args.requests, "clients": args.clients, "bases": len(bases),
           "per_replica": args.per_replica, "max_num_models_per_replica": max_models, "vram_limit_mb": limit, "cpu_count": os.cpu_count(),
           "summary": summ, "runs": rows}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2, default=str))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
