"""What the Bases tab shows, read on a worker: the stored bases, each cluster with the base that serves it (by the
one rule, ``SpeechService.resolve_base``) and the base versions per cluster; and how sizes and cluster names read."""

from __future__ import annotations


def cluster_title(cluster_id: int, label: str | None) -> str:
    """A cluster's name for people: its own label, or "Cluster N" (translated) when it has only the default one."""
    from desktop.adapters import cluster_name

    return cluster_name(cluster_id, label or f"cluster {cluster_id}")


def size_text(n: int) -> str:
    from PySide6.QtCore import QCoreApplication

    if n < 100_000:
        return QCoreApplication.translate("Bases", "%1 kB").replace("%1", f"{n / 1e3:,.1f}")
    return QCoreApplication.translate("Bases", "%1 MB").replace("%1", f"{n / 1e6:,.1f}")


def serving_bases(engine) -> dict:
    """What the Bases tab shows (worker thread): bases, clusters with the base serving each (by the one rule),
    the base versions per cluster."""
    from engine.api import TimbrelError

    bases = engine.bases.list()
    served: dict[str, list[int]] = {}
    for b in bases:
        served[b.name] = engine.bases.clusters_of(b)
    clusters = []
    speech = engine.speech
    from desktop.adapters import shown_cluster_names

    names = shown_cluster_names(engine.analysis)          # the cluster map's names ("Group A"...)
    for info in engine.analysis.clusters():
        assigned = engine.bases.base_for_cluster(info.id)
        serving, preview = None, False
        if info.voices:
            try:
                rec = speech.resolve_base(engine.library.voice(info.voices[0]))
                serving = rec.name
                preview = rec.backend in ("preview", "tone")
            except TimbrelError:
                serving = None
        clusters.append({"id": info.id, "label": names.get(info.id, info.label), "voices": list(info.voices),
                         "assigned": assigned.name if assigned else None, "serving": serving, "preview": preview})
    hist = {}
    for v in engine.consolidation.versions():
        hist.setdefault(v.cluster_id, []).append(v)
    current = {c["id"]: engine.consolidation.current_version(c["id"]) for c in clusters}
    return {"bases": bases, "served": served, "clusters": clusters, "versions": hist, "current": current}
