"""Storage benchmark: what a voice costs in a Timbrel library, next to a GPT-SoVITS fine-tune.

Imports ``../shared/corpus/dataset.list`` (17 speakers, 136 clips) into a fresh library and
reports the median and p95 stored bytes per voice, the import rate, and the re-import
(dedup) rate. Baselines in the same run: the corpus's own FLAC files per voice, and the
per-voice fine-tune sizes of GPT-SoVITS from ``../shared/notes/gptsovits.md`` §3 (a GPT
``.ckpt`` + SoVITS ``.pth`` pair per voice).

    .venv/bin/python benchmarks/storage.py [--corpus PATH] [--keep DIR]

Prints a table and writes ``benchmarks/results/storage.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from engine.api import Engine  # noqa: E402
from engine.library.stats import library_stats, percentile  # noqa: E402
from engine.settings import Settings  # noqa: E402

# GPT-SoVITS per-voice fine-tune (GPT .ckpt + SoVITS .pth), ../shared/notes/gptsovits.md §3.
GPTSOVITS_PER_VOICE_MB = {"v2": 240, "v2Pro": 290, "v2ProPlus": 330}


def source_bytes_per_voice(corpus: Path) -> dict[str, int]:
    sizes: dict[str, int] = defaultdict(int)
    for line in (corpus / "dataset.list").read_text("utf-8").splitlines():
        if line.strip():
            path, speaker = line.split("|", 2)[:2]
            sizes[speaker] += (corpus / path).stat().st_size
    return dict(sizes)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    ap.add_argument("--keep", type=Path, help="build the library here and keep it (default: a temp folder)")
    ap.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "storage.json")
    args = ap.parse_args(argv)
    dataset = args.corpus / "dataset.list"
    if not dataset.is_file():
        print(f"no corpus list at {dataset}", file=sys.stderr)
        return 1

    work = Path(tempfile.mkdtemp(prefix="timbrel-storage-"))
    lib_dir = args.keep or (work / "library")
    if args.keep and args.keep.exists():
        shutil.rmtree(args.keep)
    try:
        with Engine(library=lib_dir, settings=Settings(work / "settings.json")) as eng:
            t0 = time.perf_counter()
            report = eng.importer.import_paths([dataset])
            import_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            again = eng.importer.import_paths([dataset])
            reimport_s = time.perf_counter() - t0
            stats = library_stats(eng.library)
            rates = sorted({c.sample_rate for c in eng.library.all_clips()})
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    src = source_bytes_per_voice(args.corpus)
    src_vals = list(src.values())
    src_total = sum(src_vals)
    src_median, src_p95 = percentile(src_vals, 50), percentile(src_vals, 95)
    median, p95 = stats["median_voice_bytes"], stats["p95_voice_bytes"]
    seconds = stats["seconds"]
    result = {
        "corpus": str(dataset), "machine": f"{platform.machine()} {os.cpu_count()} cpu, Python {platform.python_version()}",
        "voices": stats["voices"], "clips": stats["clips"], "clip_seconds": seconds,
        "rejected": len(report.rejected), "stored_sample_rates": rates,
        "stored": {"median_voice_bytes": median, "p95_voice_bytes": p95, "mean_voice_bytes": stats["mean_voice_bytes"],
                   "max_voice_bytes": stats["max_voice_bytes"], "clip_bytes": stats["clip_bytes"],
                   "library_bytes": stats["total_bytes"], "bytes_per_second": stats["bytes_per_second"]},
        "source": {"median_voice_bytes": src_median, "p95_voice_bytes": src_p95, "total_bytes": src_total},
        "ratio_stored_to_source": {"median": median / src_median, "p95": p95 / src_p95,
                                   "total": stats["clip_bytes"] / src_total},
        "gptsovits_per_voice_mb": GPTSOVITS_PER_VOICE_MB,
        "times_smaller_than_finetune_median": {k: v * 1e6 / median for k, v in GPTSOVITS_PER_VOICE_MB.items()},
        "times_smaller_than_finetune_p95": {k: v * 1e6 / p95 for k, v in GPTSOVITS_PER_VOICE_MB.items()},
        "import": {"seconds": import_s, "clips_per_s": report.imported / import_s,
                   "audio_seconds_per_s": seconds / import_s, "source_mb_per_s": src_total / 1e6 / import_s},
        "reimport": {"seconds": reimport_s, "skipped_duplicate": again.duplicates, "stored_bytes": again.stored_bytes},
    }

    mb = lambda n: f"{n / 1e6:8.3f} MB"  # noqa: E731
    print(f"Timbrel storage benchmark — {result['voices']} voices, {result['clips']} clips, "
          f"{seconds / 60:.1f} min of references ({result['machine']})")
    print(f"{'per voice':34} {'median':>11} {'p95':>11}")
    print(f"{'Timbrel library (stored FLAC)':34} {mb(median):>11} {mb(p95):>11}")
    print(f"{'corpus source FLAC (baseline)':34} {mb(src_median):>11} {mb(src_p95):>11}"
          f"   stored/source {median / src_median:.2f} / {p95 / src_p95:.2f}")
    for k, v in GPTSOVITS_PER_VOICE_MB.items():
        print(f"{'GPT-SoVITS ' + k + ' fine-tune':34} {mb(v * 1e6):>11} {mb(v * 1e6):>11}"
              f"   {v * 1e6 / median:.0f}x / {v * 1e6 / p95:.0f}x larger than a Timbrel voice")
    print(f"import:   {import_s:6.2f} s  {result['import']['clips_per_s']:.1f} clips/s, "
          f"{result['import']['audio_seconds_per_s']:.0f}x real time, {result['import']['source_mb_per_s']:.2f} MB/s of source")
    print(f"re-import (all duplicates): {reimport_s:6.2f} s, {again.duplicates} skipped, {again.stored_bytes} bytes stored")
    print(f"stored sample rates: {rates}; rejected: {result['rejected']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
