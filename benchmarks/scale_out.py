"""Scale-out on Ray Serve (CPU, one local Ray instance): replicas, routing by base, Ray's overhead, a dying replica.

Library (temporary, nothing downloaded): ``--voices`` voices made of the shared corpus' clips and ``--bases``
``tone`` bases. Each engine replica's VRAM limit holds about half of the bases (``--per-replica``), so a
replica that gets requests for every base must swap. Trace: ``--requests`` api_v2 ``POST /tts`` requests,
each naming its base (the ``base`` extension field) and a voice, from ``--clients`` concurrent clients.

Runs, one after the other on the same trace (one Ray instance; the Serve application is redeployed between
runs, so every run starts with empty replicas):

* **plain**: ``timbrel serve`` in this process (no Ray), one engine — the baseline for Ray's overhead;
* **ray-1**: the Ray path with 1 engine replica (multiplexed);
* **ray-2-mux**: 2 replicas, multiplexed routing (model id = base: requests go where their base is resident);
* **ray-2-rr**: 2 replicas, Serve's default routing without a model id (load-based, base-blind);
* **ray-2-kill**: as ray-2-mux, and one replica is killed (SIGKILL) after a third of the requests: every
  request must end as the right audio or as an error the client sees — a 200 with wrong or cut audio would
  be a silent loss.

Per run: throughput, p50/p99 latency, swaps (sum over replicas, read from the replicas' runtimes), errors and
silent losses (every 200 is compared with the engine's own rendering of that request). Prints a table and
writes ``benchmarks/results/scale_out.json``. Needs the ``ray`` extra.

    python benchmarks/scale_out.py [--requests 96] [--clients 8] [--bases 4]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import signal
import socket
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
TEXTS = ["Good morning. How are you today?", "Please hold on. I will be right back.",
         "Turn left at the next corner. Then keep going.", "Thank you for waiting. Your order is ready."]


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
    """A VRAM limit holding ``per_replica`` bases plus the largest request workspace."""
    from engine.api import Engine
    from engine.backends.base import SynthesisRequest

    eng = Engine(library=library)
    try:
        rb = eng.speech.resolved_base(bases[0])
        slot = rb.spec.packed.nbytes
        shared = sum(m.nbytes for m in rb.backend.shared_models(rb.manifest, rb.context))
        work = rb.backend.workspace_bytes(rb.manifest, SynthesisRequest(text=max(TEXTS, key=len)))
    finally:
        eng.close()
    return (shared + 2 * work + per_replica * slot + 4096) / MB


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
                              "replica": r.headers.get("x-timbrel-replica") if outcome != "error" else None}
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

    return {"wall_s": wall, "ok": len(ok), "errors": sum(1 for r in results if r and r["outcome"] == "error"),
            "silent_losses": sum(1 for r in results if r and r["outcome"] == "silent-loss"),
            "throughput_rps": len(ok) / wall, "p50_s": pct(0.5), "p99_s": pct(0.99),
            "replicas_used": sorted({r["replica"] for r in results if r and r["replica"]})}


def replica_swaps(handle) -> tuple[int, list[dict]]:
    """Swaps summed over the replicas that answer (a killed one is gone; its count is lost with it)."""
    from engine.server.ray_serve import live_stats

    stats = live_stats(handle, 30.0)
    return sum(int(s["status"]["metrics"]["swaps"]) for s in stats), stats


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=96)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--voices", type=int, default=16)
    ap.add_argument("--bases", type=int, default=4)
    ap.add_argument("--per-replica", type=float, default=2.5, help="bases that fit in one replica's VRAM limit")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "scale_out.json"))
    args = ap.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="timbrel-scale-out-"))
    os.environ["TIMBREL_CONFIG_DIR"] = str(tmp / "config")
    os.environ.setdefault("TIMBREL_TORCH_THREADS", "1")
    import ray
    from ray import serve

    from engine.library import Library
    from engine.server import ServerConfig, ServerThread
    from engine.server.ray_serve import APP_NAME, ENGINE, build_app

    bases = build_library(tmp, args.voices, args.bases)
    library = tmp / "lib"
    voices = Library.open(library).voice_names()
    limit = limit_for(library, bases, args.per_replica)
    rng = random.Random(args.seed)
    trace = [{"voice": rng.choice(voices), "base": rng.choice(bases), "text": rng.choice(TEXTS),
              "seed": rng.randrange(1, 10**6)} for _ in range(args.requests)]
    solo = solo_renderings(library, trace)
    print(f"{len(voices)} voices, {len(bases)} tone bases; replica VRAM limit {limit:.2f} MB "
          f"(~{args.per_replica} bases); {len(trace)} requests from {args.clients} clients", flush=True)
    rows = []

    # plain timbrel serve, no Ray
    from engine.api import Engine

    eng = Engine(library=library, vram_limit_mb=limit)
    srv = ServerThread(eng, ServerConfig(port=0)).start()
    row = drive(srv.url, trace, args.clients, solo)
    row.update(name="plain", replicas=1, routing="-", swaps=int(eng.runtime.metrics.snapshot()["swaps"]))
    srv.stop()
    eng.close()
    rows.append(row)
    print(row, flush=True)

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    t0 = time.perf_counter()
    ray.init(num_cpus=max(4, os.cpu_count() or 1), include_dashboard=False, log_to_driver=False)
    serve.start(http_options={"host": "127.0.0.1", "port": port})
    ray_start = time.perf_counter() - t0
    url = f"http://127.0.0.1:{port}"
    config = ServerConfig(port=port)
    try:
        for name, replicas, mux, kill in (("ray-1", 1, True, False), ("ray-2-mux", 2, True, False),
                                          ("ray-2-rr", 2, False, False), ("ray-2-kill", 2, True, True)):
            t1 = time.perf_counter()
            serve.run(build_app(str(library), config, replicas=replicas, cpus_per_replica=0.5, vram_limit_mb=limit,
                                multiplexed=mux), name=APP_NAME, route_prefix="/")
            handle = serve.get_deployment_handle(ENGINE, app_name=APP_NAME)
            deploy_s = time.perf_counter() - t1
            before, _ = replica_swaps(handle)
            killed = {}

            def progress(n, handle=handle, kill=kill, killed=killed):
                if kill and not killed and n >= len(trace) // 3:
                    from engine.server.ray_serve import live_stats

                    stats = live_stats(handle, 30.0)
                    victim = stats[0]
                    os.kill(int(victim["pid"]), signal.SIGKILL)
                    killed.update(replica=victim["replica"], after=n)

            row = drive(url, trace, args.clients, solo, progress)
            time.sleep(0.5)
            after, stats = replica_swaps(handle)
            row.update(name=name, replicas=replicas, routing="multiplexed" if mux else "round-robin",
                       swaps=max(0, after - before) if not kill else None, deploy_s=deploy_s, killed=killed or None,
                       resident={s["replica"]: s["status"]["resident"] for s in stats})
            rows.append(row)
            print({k: v for k, v in row.items() if k != "resident"}, flush=True)
            serve.delete(APP_NAME)
    finally:
        serve.shutdown()
        ray.shutdown()

    by = {r["name"]: r for r in rows}
    head = ("run", "replicas", "routing", "req/s", "p50 s", "p99 s", "swaps", "errors", "silent losses")
    print("\n| " + " | ".join(head) + " |\n|" + "---|" * len(head))
    for r in rows:
        print(f"| {r['name']} | {r['replicas']} | {r['routing']} | {r['throughput_rps']:.2f} | {r['p50_s']:.3f} | "
              f"{r['p99_s']:.3f} | {'-' if r['swaps'] is None else r['swaps']} | {r['errors']} | {r['silent_losses']} |")
    summary = {
        "ray_start_s": ray_start,
        "two_vs_one_replica_throughput": by["ray-2-mux"]["throughput_rps"] / by["ray-1"]["throughput_rps"],
        "swaps_multiplexed": by["ray-2-mux"]["swaps"], "swaps_round_robin": by["ray-2-rr"]["swaps"],
        "p99_multiplexed_s": by["ray-2-mux"]["p99_s"], "p99_round_robin_s": by["ray-2-rr"]["p99_s"],
        "ray_overhead_p50_s": by["ray-1"]["p50_s"] - by["plain"]["p50_s"],
        "ray_1_vs_plain_throughput": by["ray-1"]["throughput_rps"] / by["plain"]["throughput_rps"],
        "kill_errors": by["ray-2-kill"]["errors"], "kill_silent_losses": by["ray-2-kill"]["silent_losses"],
        "silent_losses": sum(r["silent_losses"] for r in rows),
    }
    print("\n" + json.dumps(summary, indent=2))
    out = {**summary, "requests": args.requests, "clients": args.clients, "bases": len(bases),
           "vram_limit_mb": limit, "runs": rows}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2, default=str))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
