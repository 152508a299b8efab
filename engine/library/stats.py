"""What a library holds and what it costs on disk (``timbrel stats``).

``stored_bytes`` of a voice counts every distinct blob its current clips use. A blob
shared by several voices (the same recording imported twice) counts for each of them,
so per-voice figures can add up to more than the library's. ``history_only_bytes`` are
blobs kept only because an old version of some voice still names them.
"""

from __future__ import annotations

import logging
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .reserve import RESERVE_NAME

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from .library import Library


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolation percentile (numpy's default), ``q`` in 0..100; 0 for no values."""
    if not values:
        return 0.0
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return float(xs[lo] + (xs[hi] - xs[lo]) * (pos - lo))


def _tree_bytes(root: Path) -> int:
    total = 0
    for dirpath, _dirs, files in os.walk(root):
        for f in files:
            if f == RESERVE_NAME:
                continue  # space kept back for a full disk (reserve.py), not library content
            try:
                total += os.lstat(os.path.join(dirpath, f)).st_size
            except FileNotFoundError:
                pass    # removed while we counted
            except OSError as exc:
                log.debug("cannot size %s: %s", os.path.join(dirpath, f), exc)
    return total


def library_stats(library: "Library") -> dict[str, Any]:
    q = library.catalog.query
    per_voice = []
    rows = q(
        "SELECT v.id, v.name, v.language, COUNT(c.id) AS clips, COALESCE(SUM(c.duration), 0) AS seconds"
        " FROM voices v LEFT JOIN clips c ON c.voice_id = v.id GROUP BY v.id ORDER BY v.name COLLATE NOCASE"
    )
    sizes = {
        r[0]: int(r[1]) for r in q(
            "SELECT voice_id, SUM(size) FROM (SELECT DISTINCT c.voice_id, b.sha256, b.size FROM clips c"
            " JOIN blobs b ON b.sha256 = c.sha256) GROUP BY voice_id"
        )
    }
    langs: dict[int, list[str]] = {}
    for vid, lang in q("SELECT DISTINCT voice_id, language FROM clips WHERE language IS NOT NULL ORDER BY language"):
        langs.setdefault(vid, []).append(lang)
    for r in rows:
        stored = sizes.get(r["id"], 0)
        per_voice.append({
            "name": r["name"], "clips": int(r["clips"]), "seconds": round(float(r["seconds"]), 2),
            "languages": langs.get(r["id"], []), "stored_bytes": stored,
            "bytes_per_second": round(stored / r["seconds"]) if r["seconds"] else 0,
        })
    voice_bytes = [v["stored_bytes"] for v in per_voice]
    clip_blob_bytes = int(library.catalog.scalar(
        "SELECT COALESCE(SUM(size), 0) FROM blobs WHERE sha256 IN (SELECT sha256 FROM clips)") or 0)
    registered = {r[0]: int(r[1]) for r in q("SELECT sha256, size FROM blobs")}
    referenced = library.referenced_blobs()
    current = {r[0] for r in q("SELECT DISTINCT sha256 FROM clips")}
    other = {s for table, col in library._blob_reference_columns()
             for (s,) in q(f"SELECT {col} FROM {table} WHERE {col} IS NOT NULL")}
    history_only = referenced - current - other
    total_seconds = sum(v["seconds"] for v in per_voice)
    return {
        "voices": len(per_voice),
        "clips": sum(v["clips"] for v in per_voice),
        "seconds": round(total_seconds, 2),
        "total_bytes": _tree_bytes(library.root),
        "blob_bytes": sum(registered.values()),
        "clip_bytes": clip_blob_bytes,
        "history_only_bytes": sum(registered.get(s, 0) for s in history_only),
        "other_bytes": sum(registered.get(s, 0) for s in other - current),
        "catalog_bytes": sum(p.stat().st_size for p in library.root.glob("catalog.sqlite*") if p.is_file()),
        "median_voice_bytes": round(percentile(voice_bytes, 50)),
        "p95_voice_bytes": round(percentile(voice_bytes, 95)),
        "mean_voice_bytes": round(sum(voice_bytes) / len(voice_bytes)) if voice_bytes else 0,
        "max_voice_bytes": max(voice_bytes, default=0),
        "bytes_per_second": round(clip_blob_bytes / total_seconds) if total_seconds else 0,
        "per_voice": per_voice,
    }
