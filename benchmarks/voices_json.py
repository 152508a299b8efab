"""`timbrel voices --json` at library scale: SQLite-written listing against the object path, same run.

    .venv/bin/python benchmarks/voices_json.py                    # 10,000 voices x 8 clips (synthetic catalog rows)
    .venv/bin/python benchmarks/voices_json.py --voices 2000 --repeats 5
    .venv/bin/python benchmarks/voices_json.py --library PATH     # an existing library (nothing is added)

The catalog is built with ``benchmarks/scale.py``'s synthetic rows (voices, blobs, clips and cached embeddings, no
audio). Each measurement is a fresh process, as a script pays it:

* ``shipped``  — ``python -m desktop.cli --library L voices --json`` (``Library.voices_json``: SQLite writes the JSON);
* ``baseline`` — the previous implementation of the same command in a fresh process: ``Library.voices()`` builds
  every Voice and Clip object, ``to_dict()`` each, ``json.dumps`` (compact, C encoder) and print;
* ``startup``  — ``python -m desktop.cli --version``: the interpreter and CLI start-up both pay.

The two outputs are parsed and compared (same values, same order). Runs alternate (shipped, baseline, ...) so a
busy machine slows both alike; wall and CPU seconds (user + sys of the child) are reported, with their ratios.
JSON: ``benchmarks/results/voices_json.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

BASELINE = """
import json, sys
from engine.library.library import Library
lib = Library.open(sys.argv[1], create=False)
print(json.dumps([v.to_dict() for v in lib.voices()], ensure_ascii=False, default=str))
"""


def run(cmd: list[str], env: dict) -> tuple[float, float, bytes]:
    """Wall seconds, CPU seconds (user + sys of the child) and stdout of one fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, env=env, check=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, out.stdout


def build(lib_dir: Path, n: int, clips: int, seed: int) -> None:
    from engine.api import Engine
    from scale import synthetic_catalog

    eng = Engine(library=lib_dir)
    try:
        synthetic_catalog(eng, n, clips, seed)
    finally:
        eng.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--voices", type=int, default=10_000)
    ap.add_argument("--clips", type=int, default=8)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--library", help="measure this library instead of building a synthetic one")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="timbrel-voices-json-"))
    env = {**os.environ, "PYTHONPATH": str(REPO), "TIMBREL_CONFIG_DIR": str(work / "cfg")}
    try:
        if args.library:
            lib_dir = Path(args.library)
        else:
            lib_dir = work / "lib"
            t = time.perf_counter()
            build(lib_dir, args.voices, args.clips, args.seed)
            print(f"built {args.voices} voices x {args.clips} clips in {time.perf_counter() - t:.1f} s", file=sys.stderr)
        shipped_cmd = [sys.executable, "-m", "desktop.cli", "--library", str(lib_dir), "voices", "--json"]
        baseline_cmd = [sys.executable, "-c", BASELINE, str(lib_dir)]
        startup_cmd = [sys.executable, "-m", "desktop.cli", "--version"]
        rows: dict[str, list[tuple[float, float]]] = {"shipped": [], "baseline": [], "startup": []}
        outputs = {}
        for _ in range(args.repeats):
            for name, cmd in (("shipped", shipped_cmd), ("baseline", baseline_cmd), ("startup", startup_cmd)):
                wall, cpu, out = run(cmd, env)
                rows[name].append((wall, cpu))
                outputs[name] = out
        same = json.loads(outputs["shipped"]) == json.loads(outputs["baseline"])
        n = len(json.loads(outputs["shipped"]))
        load = os.getloadavg()[0]
        res = {"voices": n, "clips_per_voice": args.clips, "repeats": args.repeats, "same_values": same,
               "load_average_1m": round(load, 2), "bytes": {k: len(v) for k, v in outputs.items()}}
        print(f"\n`voices --json`, {n} voices, {args.repeats} fresh processes each (median), load average {load:.1f}")
        print(f"{'path':10} {'wall s':>8} {'CPU s':>8}")
        for name, vals in rows.items():
            wall = statistics.median(v[0] for v in vals)
            cpu = statistics.median(v[1] for v in vals)
            res[name] = {"wall_s": round(wall, 3), "cpu_s": round(cpu, 3),
                         "all_wall_s": [round(v[0], 3) for v in vals], "all_cpu_s": [round(v[1], 3) for v in vals]}
            print(f"{name:10} {wall:8.2f} {cpu:8.2f}")
        res["ratio_wall"] = round(res["baseline"]["wall_s"] / res["shipped"]["wall_s"], 2)
        res["ratio_cpu"] = round(res["baseline"]["cpu_s"] / res["shipped"]["cpu_s"], 2)
        print(f"baseline / shipped: wall {res['ratio_wall']}x, CPU {res['ratio_cpu']}x; same values: {same}")
        print(f"target <= 1 s: {'met' if res['shipped']['wall_s'] <= 1.0 else 'missed'} in wall time "
              f"({res['shipped']['wall_s']:.2f} s), {res['shipped']['cpu_s']:.2f} CPU s")
        out = REPO / "benchmarks" / "results" / "voices_json.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(res, indent=2))
        return 0 if same else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
