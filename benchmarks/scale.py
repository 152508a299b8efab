"""Scale: how Timbrel's engine, CLI and app behave with thousands of voices.

    .venv/bin/python benchmarks/scale.py                       # 100 and 1,000 voices
    .venv/bin/python benchmarks/scale.py --voices 1000,10000   # the full size (see README for the time it takes)
    .venv/bin/python benchmarks/scale.py --voices 200 --skip desktop   # a quick look

For each size N it builds a library of N voices with ``--clips`` (8) clips each. The clips are derived from the
shared corpus (``$TIMBREL_SHARED/corpus`` or ``../shared/corpus``): every voice takes one corpus speaker, a speed
factor (pitch, formants and tempo together), two resonance (formant region) boosts/cuts, a spectral tilt and, for a third of the
voices, a quieter second speaker mixed in; each clip is a 3.5-6 s excerpt of one of that speaker's sentences.
So voices differ, families of voices share a speaker, and clustering has real work.

Stages (each timed, with the process's peak resident memory while it ran):
  derive      making the clips (benchmark set-up, not a Timbrel stage)
  import      ``engine.importer.import_paths`` on one GPT-SoVITS ``.list`` per 100 voices (the normal importer)
  analyze     ``engine.analysis.analyze`` (batched encoder, worker threads; clips/s)
  resume      a second analyze with nothing left to do (the cache check)
  cluster     ``engine.analysis.cluster()`` (automatic k; seconds and memory)
  similar     ``engine.analysis.similar`` for 20 voices (ms/query)
  grid        ``engine.analysis.grid()``
  evaluation  ``Evaluator.run`` on clusters served by a tone base, about ``--eval-voices`` voices (voices/s)
  stats       ``library.stats()``;  doctor: ``library.check()`` (hashes verified)
  voices_json ``timbrel voices --json`` in a fresh process (includes Python start-up)
  desktop     a fresh process opens the main window (offscreen Qt) and waits for the library table; then
              search-as-you-type (3 keystrokes), scrolling the library to the end, loading and drawing the
              cluster map
Scaling exponent b: seconds ∝ N^b between consecutive sizes (1 = linear). Targets from issue #21 are checked
and a missed one says by how much. JSON: benchmarks/results/scale.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SR = 16000
TARGETS = {  # stage -> (field, comparison, value, unit)
    "analyze": ("rate", ">=", 25.0, "clips/s"),
    "cluster": ("seconds", "<=", 30.0, "s", 10000),
    "cluster_memory": ("peak_delta_mb", "<=", 2048.0, "MB", 10000),
    "desktop_open": ("seconds", "<=", 2.0, "s"),
    "desktop_search": ("seconds", "<=", 0.100, "s"),
    "voices_json": ("seconds", "<=", 1.0, "s"),
}


def measure_voices_json(lib_dir: Path, work: Path, n: int) -> dict:
    """``timbrel voices --json`` in a fresh process (what a script pays), timed once."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "TIMBREL_CONFIG_DIR": str(work / "cfg")}
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "desktop.cli", "--library", str(lib_dir), "voices", "--json"],
                         capture_output=True, env=env)
    seconds = time.perf_counter() - t
    return {"seconds": round(seconds, 3), "items": n, "unit": "voices/s", "rate": round(n / seconds, 1),
            "bytes": len(out.stdout), "peak_mb": None, "ok": out.returncode == 0}


# -- memory ---------------------------------------------------------------------------------------------------

def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


class Stage:
    """Times a block and samples the process's resident memory every 10 ms while it runs."""

    def __init__(self, results: dict, name: str, items: int | None = None, unit: str = "") -> None:
        self.results, self.name, self.items, self.unit = results, name, items, unit

    def __enter__(self) -> "Stage":
        self.base = rss_mb()
        self.peak = self.base
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        self.t0 = time.perf_counter()
        self.c0 = time.process_time()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, rss_mb())

    def __exit__(self, *exc) -> None:
        seconds = time.perf_counter() - self.t0
        cpu = time.process_time() - self.c0
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mb())
        if exc[0] is not None:
            return
        # cpu_seconds: this process's CPU time (all threads) — on a machine shared with other jobs the wall time
        # grows with the load, the CPU time much less; cpu_seconds / cores is what an idle machine would take
        row = {"seconds": round(seconds, 4), "cpu_seconds": round(cpu, 4), "peak_mb": round(self.peak, 1),
               "peak_delta_mb": round(self.peak - self.base, 1), "load_average": round(os.getloadavg()[0], 2)}
        if self.items:
            row["items"] = self.items
            row["rate"] = round(self.items / seconds, 3) if seconds > 0 else None
            row["unit"] = self.unit
        self.results[self.name] = row


# -- deriving voices from the corpus --------------------------------------------------------------------------
def load_corpus(corpus: Path) -> dict[str, list[tuple[np.ndarray, str, str]]]:
    from engine.audio.io import read_audio, resample

    out: dict[str, list[tuple[np.ndarray, str, str]]] = {}
    for line in (corpus / "dataset.list").read_text("utf-8").splitlines():
        parts = line.split("|")
        if len(parts) < 4:
            continue
        samples, sr = read_audio(corpus / parts[0])
        out.setdefault(parts[1], []).append((resample(samples, sr, SR).astype(np.float32), parts[2], parts[3]))
    return out


def formant_shift(x: np.ndarray, centres: tuple[float, float], gains_db: tuple[float, float]) -> np.ndarray:
    """Move energy between formant regions: two peaking filters (RBJ biquads, Q 1.4) at ``centres`` Hz with
    ``gains_db`` (one boost, one cut), so the voice's resonances differ from its speaker's."""
    from scipy.signal import lfilter

    y = x
    for f0, g in zip(centres, gains_db):
        a_lin = 10 ** (g / 40)
        w = 2 * np.pi * f0 / SR
        alpha = np.sin(w) / (2 * 1.4)
        b = np.array([1 + alpha * a_lin, -2 * np.cos(w), 1 - alpha * a_lin])
        a = np.array([1 + alpha / a_lin, -2 * np.cos(w), 1 - alpha / a_lin])
        y = lfilter(b / a[0], a / a[0], y)
    return y.astype(np.float32)


def change_speed(x: np.ndarray, factor: float) -> np.ndarray:
    """Play faster (factor > 1: higher pitch, higher formants, shorter) by resampling."""
    n = max(16, int(len(x) / factor))
    return np.interp(np.linspace(0, len(x) - 1, n), np.arange(len(x)), x).astype(np.float32)


def tilt(x: np.ndarray, a: float) -> np.ndarray:
    """First-order pre-emphasis (a > 0: brighter) or de-emphasis (a < 0: darker)."""
    from scipy.signal import lfilter

    return (lfilter([1.0, -a], [1.0], x) if a >= 0 else lfilter([1.0], [1.0, a], x)).astype(np.float32)


def derive_voice(corpus, speakers: list[str], i: int, clips: int, seed: int):
    """(language, [(samples, transcript)]) of voice ``i`` (deterministic in ``seed`` and ``i``)."""
    rng = np.random.default_rng([seed, i])
    spk = speakers[i % len(speakers)]
    other = speakers[(i * 7 + 3) % len(speakers)]
    speed = float(rng.uniform(0.84, 1.2))
    formants = (float(rng.uniform(350, 900)), float(rng.uniform(1100, 2600)))
    gains = (float(rng.uniform(-7, 7)), float(rng.uniform(-7, 7)))
    a = float(rng.uniform(-0.5, 0.7))
    mix = float(rng.uniform(0.2, 0.35)) if rng.random() < 0.33 and other != spk else 0.0
    out = []
    lang = corpus[spk][0][1]
    for j in range(clips):
        src, _, text = corpus[spk][j % len(corpus[spk])]
        y = change_speed(src, speed * float(rng.uniform(0.99, 1.01)))
        length = int(SR * rng.uniform(3.5, 6.0))
        start = int(rng.integers(0, max(1, len(y) - length)))
        y = y[start:start + length]
        y = formant_shift(y, formants, gains)
        y = tilt(y, a)
        if mix:
            o = change_speed(corpus[other][j % len(corpus[other])][0], speed)
            o = np.resize(o, len(y))
            y = y + mix * o * (np.abs(y).max() / max(np.abs(o).max(), 1e-6))
        y = 0.8 * y / max(float(np.abs(y).max()), 1e-6)
        out.append((y.astype(np.float32), text))
    return lang, out


def build_library(engine, corpus, n: int, clips: int, seed: int, work: Path, results: dict) -> None:
    """Derive N voices and import them through the normal importer, 100 voices per .list file."""
    import soundfile as sf

    speakers = sorted(corpus)
    derive_s = import_s = 0.0
    peak = 0.0
    imported = 0
    batch = 100
    for lo in range(0, n, batch):
        folder = work / f"batch{lo // batch:04d}"
        folder.mkdir(parents=True, exist_ok=True)
        t = time.perf_counter()
        lines = []
        for i in range(lo, min(n, lo + batch)):
            lang, items = derive_voice(corpus, speakers, i, clips, seed)
            name = f"v{i:05d}_{speakers[i % len(speakers)]}"
            for j, (y, text) in enumerate(items):
                rel = f"{name}_{j:02d}.wav"
                sf.write(folder / rel, y, SR, subtype="PCM_16")
                lines.append(f"{rel}|{name}|{lang}|{text}")
        (folder / "batch.list").write_text("\n".join(lines) + "\n", "utf-8")
        derive_s += time.perf_counter() - t
        with Stage({}, "x") as st:
            report = engine.importer.import_paths([str(folder / "batch.list")])
        import_s += time.perf_counter() - st.t0
        peak = max(peak, st.peak)
        imported += report.clips_added
        shutil.rmtree(folder)
        print(f"\r  import: {min(n, lo + batch)}/{n} voices, {imported} clips "
              f"({imported / max(import_s, 1e-9):.1f} clips/s)", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    results["derive"] = {"seconds": round(derive_s, 3), "items": n * clips, "rate": round(n * clips / derive_s, 2),
                         "unit": "clips/s", "peak_mb": round(rss_mb(), 1)}
    results["import"] = {"seconds": round(import_s, 3), "items": imported, "rate": round(imported / import_s, 2),
                         "unit": "clips/s", "peak_mb": round(peak, 1)}


# -- desktop probe (runs in its own process) -------------------------------------------------------------------
DESKTOP_PROBE = r"""
import json, os, sys, time
t_start = time.perf_counter()
sys.path.insert(0, sys.argv[2])
from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication
app = QApplication([])
from engine.api import Engine
from desktop.mainwindow import MainWindow

def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6

def wait(signal, timeout=120.0):
    loop = QEventLoop()
    signal.connect(loop.quit)
    QTimer.singleShot(int(timeout * 1000), loop.quit)
    loop.exec()
    signal.disconnect(loop.quit)

out = {}
eng = Engine(library=sys.argv[1])
win = MainWindow(eng, show_errors=False)
win.resize(1280, 800)
lib = win.library_view
t0 = time.perf_counter()
win.show()
win.start()
wait(lib.voicesLoaded)
app.processEvents()
out["open"] = {"seconds": time.perf_counter() - t_start, "window_seconds": time.perf_counter() - t0,
               "rows": lib.model.rowCount(), "peak_mb": rss()}
# search as you type: three keystrokes, each until the table shows the result (after one warm-up keystroke,
# whose time is reported on its own: it includes Qt's first layout of the filtered table)
t = time.perf_counter()
lib.search.setText("x")
app.processEvents()
lib.voices.viewport().repaint()
first = time.perf_counter() - t
lib.search.setText("")
app.processEvents()
lat = []
for text in ("v0", "v00", "v001"):
    t = time.perf_counter()
    lib.search.setText(text)
    app.processEvents()
    lib.voices.viewport().repaint()
    lat.append(time.perf_counter() - t)
out["search"] = {"seconds": max(lat), "per_keystroke": lat, "first_keystroke": first, "rows": lib.model.rowCount(),
                 "peak_mb": rss()}
lib.search.setText("")
app.processEvents()
# scrolling the library to the end, page by page, painting each page
bar = lib.voices.verticalScrollBar()
t = time.perf_counter()
steps = 0
while True:
    bar.setValue(bar.value() + max(1, bar.pageStep()))
    app.processEvents()
    lib.voices.viewport().repaint()
    steps += 1
    if bar.value() >= bar.maximum() or steps >= 60:     # 60 pages (1,500 rows) are enough for a rate
        break
scroll = time.perf_counter() - t
out["scroll"] = {"seconds": scroll, "pages": steps, "ms_per_page": 1000 * scroll / max(steps, 1),
                 "rows_fetched": lib.model.rowCount(), "peak_mb": rss()}
# the cluster map: load (worker thread) and draw
cm = win.cluster_view
t = time.perf_counter()
win.tabs.setCurrentWidget(cm)      # the tab loads on first show (worker thread)
wait(cm.loaded)
load = time.perf_counter() - t
t = time.perf_counter()
frames = 5
for _ in range(frames):
    cm.view.viewport().repaint()
    app.processEvents()
draw = (time.perf_counter() - t) / frames
out["clustermap"] = {"seconds": load + draw, "load_seconds": load, "draw_ms": 1000 * draw,
                     "points": len(cm.points), "peak_mb": rss()}
print("SCALE_DESKTOP " + json.dumps(out), flush=True)
win.shutdown()
eng.close()
os._exit(0)
"""


def run_desktop(lib: Path, results: dict) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "TIMBREL_CONFIG_DIR": str(lib.parent / "cfg"),
           "TIMBREL_SOCKET": f"timbrel-scale-{os.getpid()}", "TIMBREL_NO_DEMO": "1", "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-c", DESKTOP_PROBE, str(lib), str(REPO)], capture_output=True, text=True,
                          env=env, timeout=1800)
    line = next((l for l in proc.stdout.splitlines() if l.startswith("SCALE_DESKTOP ")), None)
    if line is None:
        results["desktop_error"] = (proc.stderr or proc.stdout)[-2000:]
        print("  desktop probe failed:\n" + results["desktop_error"], file=sys.stderr)
        return
    d = json.loads(line.split(" ", 1)[1])
    results["desktop_open"] = {"seconds": round(d["open"]["seconds"], 3), "peak_mb": round(d["open"]["peak_mb"], 1),
                               "window_seconds": round(d["open"]["window_seconds"], 3), "rows": d["open"]["rows"]}
    results["desktop_search"] = {"seconds": round(d["search"]["seconds"], 4), "peak_mb": round(d["search"]["peak_mb"], 1),
                                 "per_keystroke": [round(x, 4) for x in d["search"]["per_keystroke"]],
                                 "first_keystroke": round(d["search"]["first_keystroke"], 4)}
    results["desktop_scroll"] = {"seconds": round(d["scroll"]["seconds"], 3), "peak_mb": round(d["scroll"]["peak_mb"], 1),
                                 "items": d["scroll"]["pages"], "unit": "pages/s",
                                 "rate": round(d["scroll"]["pages"] / max(d["scroll"]["seconds"], 1e-9), 1),
                                 "ms_per_page": round(d["scroll"]["ms_per_page"], 2)}
    results["desktop_clustermap"] = {"seconds": round(d["clustermap"]["seconds"], 3),
                                     "peak_mb": round(d["clustermap"]["peak_mb"], 1),
                                     "load_seconds": round(d["clustermap"]["load_seconds"], 3),
                                     "draw_ms": round(d["clustermap"]["draw_ms"], 2), "items": d["clustermap"]["points"],
                                     "unit": "points"}


# -- one size ---------------------------------------------------------------------------------------------------
def run_size(n: int, args, corpus) -> dict:
    from engine.api import Engine
    from engine.cli.analysis_cmds import CLI_THREADS

    work = Path(tempfile.mkdtemp(prefix=f"timbrel-scale-{n}-", dir=args.work))
    lib_dir = work / "lib"
    results: dict = {"voices": n, "clips_per_voice": args.clips, "load_average_start": os.getloadavg()}
    skip = set(args.skip)
    eng = Engine(library=lib_dir)
    try:
        print(f"== {n} voices ==", file=sys.stderr)
        build_library(eng, corpus, n, args.clips, args.seed, work / "src", results)
        clips = int(eng.library.catalog.scalar("SELECT COUNT(*) FROM clips"))
        an = eng.analysis
        enc = an.encoder()  # load the weights outside the timed stage
        # baseline: the pre-#21 path, one clip at a time on one thread (read, embed, prosody; nothing stored)
        from engine.analysis import prosody as pr

        sample = eng.library.all_clips()[: min(args.baseline_clips, clips)]
        with Stage(results, "analyze_baseline", len(sample), "clips/s"):
            for c in sample:
                samples, sr = an.context.read(c)
                enc.embed(samples, sr)
                pr.extract(samples, sr)
        bar = progress_bar("analyze", clips)
        with Stage(results, "analyze", clips, "clips/s"):
            # as `timbrel analyze` runs it: the encoder on every core (the CLI owns its process)
            report = an.analyze(progress=bar.update, assign=False, threads=CLI_THREADS)
        bar.close()
        results["analyze"]["failed"] = len(report.failed)
        base = results["analyze_baseline"]
        results["analyze"]["vs_baseline"] = round(results["analyze"]["rate"] / base["rate"], 2)
        results["analyze"]["cpu_ms_per_clip"] = round(1000 * results["analyze"]["cpu_seconds"] / clips, 1)
        base["cpu_ms_per_clip"] = round(1000 * base["cpu_seconds"] / len(sample), 1)
        with Stage(results, "resume", clips, "clips/s"):
            again = an.analyze(assign=False)
        results["resume"]["work_done"] = again.work_done
        with Stage(results, "cluster", n, "voices/s"):
            res = an.cluster()
        results["cluster"]["clusters"] = res.k
        results["cluster"]["method"] = res.method
        names = eng.library.voice_names()
        picks = [names[i] for i in np.linspace(0, len(names) - 1, min(20, len(names))).astype(int)]
        an.similar(picks[0], 5)      # the first query builds the voice matrix
        with Stage(results, "similar", len(picks), "queries/s"):
            for v in picks:
                an.similar(v, 5)
        results["similar"]["ms_per_query"] = round(1000 * results["similar"]["seconds"] / len(picks), 3)
        with Stage(results, "grid", n, "voices/s"):
            an.grid()
        if "evaluation" not in skip:
            run_evaluation(eng, res, args.eval_voices, results)
        with Stage(results, "stats", n, "voices/s"):
            eng.library.stats()
        with Stage(results, "doctor", clips, "clips/s"):
            eng.library.check()
    finally:
        eng.close()
    results["voices_json"] = measure_voices_json(lib_dir, work, n)
    if "desktop" not in skip:
        print("  desktop…", file=sys.stderr)
        run_desktop(lib_dir, results)
    results["catalog"] = {"catalog_mb": round(sum(p.stat().st_size for p in lib_dir.glob("catalog.sqlite*")) / 1e6, 2),
                          "blobs_mb": round(sum(p.stat().st_size for p in (lib_dir / "blobs").rglob("*") if p.is_file()) / 1e6, 1),
                          "seconds": None, "rate": None, "peak_mb": None}
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    else:
        results["library"] = str(lib_dir)
    return results


def synthetic_catalog(engine, n: int, clips: int, seed: int) -> None:
    """Catalog rows for ``n`` voices (no audio files) with GE2E-sized embeddings cached for every clip: families
    of voices around 60 centres, each voice's clips around the voice. For the stages that never read audio
    (cluster, similar, grid, stats, voices --json, the desktop) at sizes where deriving and analysing real clips
    would take hours on 2 cores."""
    import hashlib

    from engine.analysis.store import to_blob

    enc = engine.analysis.encoder()
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(60, enc.dim))
    now = "2026-01-01T00:00:00.000+00:00"
    emotions = ("neutral", "happy", "sad", "angry")
    with engine.library.catalog.transaction() as c:
        for lo in range(0, n, 1000):
            voices, blobs, rows, embs = [], [], [], []
            for i in range(lo, min(n, lo + 1000)):
                voices.append((i + 1, f"s{i:05d}", "en", now, now))
                v = centres[i % 60] + 0.45 * rng.normal(size=enc.dim)
                for j in range(clips):
                    sha = hashlib.sha256(f"synthetic/{seed}/{i}/{j}".encode()).hexdigest()
                    blobs.append((sha, 100_000, "clip", now))
                    rows.append((i + 1, sha, "synthetic", "en", emotions[j % 4], "import", 4.5, 16000, now))
                    e = v + 0.3 * rng.normal(size=enc.dim)
                    embs.append((sha, enc.id, enc.version, enc.dim, to_blob(e / np.linalg.norm(e)), now))
            c.executemany("INSERT INTO voices(id, name, language, notes, version, created_at, updated_at)"
                          " VALUES (?, ?, ?, '', 1, ?, ?)", voices)
            c.executemany("INSERT INTO blobs(sha256, size, kind, created_at) VALUES (?,?,?,?)", blobs)
            c.executemany("INSERT INTO clips(voice_id, sha256, transcript, language, emotion, emotion_source,"
                          " duration, sample_rate, created_at) VALUES (?,?,?,?,?,?,?,?,?)", rows)
            c.executemany("INSERT INTO embeddings(clip_sha256, encoder_id, encoder_version, dim, vector, created_at)"
                          " VALUES (?,?,?,?,?,?)", embs)


def run_synthetic(n: int, args) -> dict:
    from engine.api import Engine

    work = Path(tempfile.mkdtemp(prefix=f"timbrel-scale-syn-{n}-", dir=args.work))
    lib_dir = work / "lib"
    results: dict = {"voices": n, "clips_per_voice": args.clips, "synthetic": True,
                     "load_average_start": os.getloadavg()}
    eng = Engine(library=lib_dir)
    try:
        print(f"== {n} voices (synthetic catalog rows and embeddings) ==", file=sys.stderr)
        with Stage(results, "synthetic_rows", n * args.clips, "clips/s"):
            synthetic_catalog(eng, n, args.clips, args.seed)
        an = eng.analysis
        with Stage(results, "cluster", n, "voices/s"):
            res = an.cluster()
        results["cluster"]["clusters"] = res.k
        names = eng.library.voice_names()
        picks = [names[i] for i in np.linspace(0, len(names) - 1, min(20, len(names))).astype(int)]
        an.similar(picks[0], 5)
        with Stage(results, "similar", len(picks), "queries/s"):
            for v in picks:
                an.similar(v, 5)
        results["similar"]["ms_per_query"] = round(1000 * results["similar"]["seconds"] / len(picks), 3)
        with Stage(results, "grid", n, "voices/s"):
            an.grid()
        with Stage(results, "stats", n, "voices/s"):
            eng.library.stats()
    finally:
        eng.close()
    results["voices_json"] = measure_voices_json(lib_dir, work, n)
    if "desktop" not in set(args.skip):
        print("  desktop…", file=sys.stderr)
        run_desktop(lib_dir, results)
    results["catalog"] = {"catalog_mb": round(sum(p.stat().st_size for p in lib_dir.glob("catalog.sqlite*")) / 1e6, 2),
                          "seconds": None, "rate": None, "peak_mb": None}
    shutil.rmtree(work, ignore_errors=True)
    return results


def run_evaluation(eng, res, want: int, results: dict) -> None:
    """Evaluate whole clusters (served by one tone base) until about ``want`` voices are done."""
    from engine.backends.tone.create import create_tone_base
    from engine.consolidation.evaluate import Evaluator

    base = create_tone_base(eng, "scale-tone", seed=1)
    chosen, total = [], 0
    for c in sorted(res.clusters, key=lambda c: (c.size, c.id)):
        if total >= want:
            break
        chosen.append(c.id)
        total += c.size
    for cid in chosen:
        eng.bases.assign(cid, base)
    ev = Evaluator(eng)
    with Stage(results, "evaluation", total, "voices/s"):
        for cid in chosen:
            ev.run(cluster=cid)
    results["evaluation"]["clusters"] = len(chosen)


def progress_bar(label: str, total: int):
    from tqdm import tqdm

    bar = tqdm(total=total, desc=f"  {label}", unit="clip", file=sys.stderr, mininterval=1.0)

    class Adapter:
        def update(self, done: int, _total: int) -> None:
            bar.update(done - bar.n)

        def close(self) -> None:
            bar.close()

    return Adapter()


# -- report -----------------------------------------------------------------------------------------------------
ORDER = ["derive", "import", "analyze_baseline", "analyze", "resume", "cluster", "similar", "grid", "evaluation", "stats", "doctor",
         "voices_json", "desktop_open", "desktop_search", "desktop_scroll", "desktop_clustermap"]


def exponents(sizes: list[dict]) -> dict[str, float]:
    out = {}
    if len(sizes) < 2:
        return out
    a, b = sizes[-2], sizes[-1]
    for stage in ORDER:
        if stage in a and stage in b and a[stage].get("seconds") and b[stage].get("seconds"):
            ta, tb = a[stage]["seconds"], b[stage]["seconds"]
            na = a[stage].get("items") or a["voices"]
            nb = b[stage].get("items") or b["voices"]
            if stage in ("similar", "desktop_search", "desktop_open"):   # per-query / one-shot: against N
                na, nb = a["voices"], b["voices"]
            if nb != na and ta > 0 and tb > 0:
                out[stage] = round(math.log(tb / ta) / math.log(b["voices"] / a["voices"]), 2)
    return out


def check_targets(sizes: list[dict]) -> list[dict]:
    out = []
    for key, spec in TARGETS.items():
        field, op, value, unit = spec[:4]
        at = spec[4] if len(spec) > 4 else None
        stage = "cluster" if key == "cluster_memory" else key
        for s in sizes:
            row = s.get(stage)
            if not row or row.get(field) is None:
                continue
            got = row[field]
            ok = got >= value if op == ">=" else got <= value
            miss = "" if ok else (f"{value / got:.2f}x too slow" if op == ">=" else f"{got / value:.2f}x over")
            out.append({"target": f"{key} {op} {value} {unit}" + (f" (at {at} voices)" if at else ""),
                        "voices": s["voices"], "measured": got, "met": ok, "by": miss})
    return out


def print_table(sizes: list[dict], exps: dict[str, float]) -> None:
    head = f"{'stage':20}" + "".join(f"{str(s['voices']) + ' voices':>38}" for s in sizes) + f"{'exponent':>10}"
    print(head)
    print("-" * len(head))
    for stage in ORDER:
        cells = []
        for s in sizes:
            r = s.get(stage)
            if not r:
                cells.append(f"{'-':>38}")
                continue
            txt = f"{r['seconds']:.3f} s"
            if r.get("rate"):
                txt += f", {r['rate']:.1f} {r.get('unit', '')}"
            if r.get("peak_mb"):
                txt += f", {r['peak_mb']:.0f} MB"
            cells.append(f"{txt:>38}")
        e = exps.get(stage)
        print(f"{stage:20}" + "".join(cells) + (f"{e:>10.2f}" if e is not None else f"{'':>10}"))
    for s in sizes:
        c = s.get("catalog", {})
        print(f"catalog at {s['voices']} voices: {c.get('catalog_mb')} MB catalog, {c.get('blobs_mb')} MB audio; "
              f"similar {s.get('similar', {}).get('ms_per_query')} ms/query; clusters {s.get('cluster', {}).get('clusters')}")


def write_json(sizes: list[dict], t0: float, partial: bool = False, synthetic: list[dict] | None = None) -> Path:
    out = {"sizes": {str(s["voices"]): s for s in sizes}, "exponents": exponents(sizes),
           "synthetic": {str(s["voices"]): s for s in synthetic or []},
           "synthetic_targets": check_targets(synthetic or []),
           "targets": check_targets(sizes), "partial": partial, "cpu_count": os.cpu_count(),
           "load_average": os.getloadavg(), "seconds_total": round(time.perf_counter() - t0, 1),
           "torch_threads": os.environ.get("TIMBREL_TORCH_THREADS", "default")}
    # per-stage view across sizes (the checker looks for "analyze")
    for stage in ORDER:
        if any(stage in s for s in sizes):
            out[stage] = {str(s["voices"]): s.get(stage) for s in sizes}
    path = REPO / "benchmarks" / "results" / "scale.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2), "utf-8")
    return path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--voices", default="100,1000", help="comma-separated library sizes (default 100,1000; "
                                                          "the full run is 1000,10000)")
    ap.add_argument("--clips", type=int, default=8, help="clips per voice (default 8)")
    ap.add_argument("--corpus", default=None, help="corpus folder (default: $TIMBREL_SHARED/corpus or ../shared/corpus)")
    ap.add_argument("--work", default=None, help="folder for the temporary libraries (default: system temp)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--baseline-clips", type=int, default=64,
                    help="clips analysed one at a time as the baseline (default 64)")
    ap.add_argument("--eval-voices", type=int, default=20, help="voices to evaluate per size (default 20)")
    ap.add_argument("--skip", nargs="*", default=[], choices=["desktop", "evaluation"])
    ap.add_argument("--keep", action="store_true", help="keep the libraries (their paths go into the JSON)")
    ap.add_argument("--synthetic", default="", help="also these sizes (e.g. 10000) as catalog rows with synthetic "
                                                    "embeddings: cluster, similar, grid, stats, voices --json, desktop")
    args = ap.parse_args()
    shared = Path(os.environ.get("TIMBREL_SHARED") or REPO.parent / "shared")
    corpus_dir = Path(args.corpus) if args.corpus else shared / "corpus"
    if not (corpus_dir / "dataset.list").is_file():
        print(f"The corpus is missing at {corpus_dir} (set TIMBREL_SHARED or pass --corpus).", file=sys.stderr)
        return 1
    sizes_n = [int(x) for x in args.voices.split(",") if x.strip()]
    corpus = load_corpus(corpus_dir)
    t0 = time.perf_counter()
    sizes = []
    syn_n = [int(x) for x in args.synthetic.split(",") if x.strip()]
    synthetic = []
    for n in syn_n:           # first: minutes, where a real library of the same size takes hours
        synthetic.append(run_synthetic(n, args))
        write_json(sizes, t0, partial=True, synthetic=synthetic)    # what is done survives a later failure
    for n in sizes_n:
        sizes.append(run_size(n, args, corpus))
        write_json(sizes, t0, partial=True, synthetic=synthetic)
    exps = exponents(sizes)
    targets = check_targets(sizes)
    print()
    print_table(sizes, exps)
    print()
    for t in targets:
        print(f"{'met   ' if t['met'] else 'MISSED'} {t['target']:44} at {t['voices']:>6} voices: {t['measured']}"
              + (f"  ({t['by']})" if t["by"] else ""))
    if synthetic:
        print("\nsynthetic catalogs (rows + embeddings, no audio):")
        print_table(synthetic, exponents(synthetic))
        for t in check_targets(synthetic):
            print(f"{'met   ' if t['met'] else 'MISSED'} {t['target']:44} at {t['voices']:>6} voices: {t['measured']}"
                  + (f"  ({t['by']})" if t["by"] else ""))
    path = write_json(sizes, t0, synthetic=synthetic)
    print(f"\nwrote {path} ({time.perf_counter() - t0:.0f} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
