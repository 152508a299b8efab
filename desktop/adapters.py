"""Turn what engine subsystems return into the plain rows the views show.

Each helper formats one engine result, read as the engine returns it (its data
classes' public fields, or the plain dicts some parts return); none guesses at
other shapes. All functions here are pure apart from ``shown_cluster_names``
(which reads the clusters) and run on worker threads or the GUI thread alike.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Mapping

if TYPE_CHECKING:
    from engine.api import GridResult, RuntimeStatus

log = logging.getLogger(__name__)


@dataclass
class VoiceRow:
    id: int
    name: str
    clips: int
    seconds: float
    tags: tuple[str, ...]
    languages: tuple[str, ...]
    emotions: tuple[str, ...]          # distinct emotion labels among its clips
    cluster_id: int | None = None
    cluster_label: str = ""
    pinned: bool = False
    version: int = 0                   # the voice's history version (changes with every edit)
    search: str = ""                   # what the search box matches, casefolded (set with the cluster)


@dataclass
class ClusterPoint:
    voice: str
    x: float
    y: float
    cluster_id: int | None
    pinned: bool = False


@dataclass
class ClusterInfo:
    id: int
    label: str
    size: int = 0


@dataclass
class GridData:
    rows: list[tuple[int | None, str]]                   # (cluster id, label)
    emotions: list[str]
    counts: dict[tuple[int | None, str], int] = field(default_factory=dict)
    missing: dict[tuple[int | None, str], list[str]] = field(default_factory=dict)   # voices lacking the emotion
    # emotion2vec+ (when linked): voices whose unlabelled clips the model hears as the emotion, "name (0.82)"
    predicted: dict[tuple[int | None, str], list[str]] = field(default_factory=dict)
    # each row's voices' top emotions: cluster id → [(voice, emotion, confidence)]
    tops: dict[int | None, list[tuple[str, str, float]]] = field(default_factory=dict)

    def predicted_count(self, cluster_id: int | None, emotion: str) -> int:
        return len(self.predicted.get((cluster_id, emotion), []))

    def top_emotion(self, cluster_id: int | None) -> tuple[str, float, int] | None:
        """The emotion most of the row's voices are heard as: (emotion, mean confidence of those voices, voices)."""
        tops = self.tops.get(cluster_id) or []
        if not tops:
            return None
        by: dict[str, list[float]] = {}
        for _, emo, conf in tops:
            by.setdefault(emo, []).append(conf)
        emo = max(sorted(by), key=lambda e: (len(by[e]), sum(by[e])))
        return emo, sum(by[emo]) / len(by[emo]), len(by[emo])

    def count(self, cluster_id: int | None, emotion: str) -> int:
        return self.counts.get((cluster_id, emotion), 0)

    def gaps(self) -> list[tuple[int | None, str]]:
        return [(c, e) for c, _ in self.rows for e in self.emotions if self.count(c, e) == 0]


@dataclass
class RuntimeState:
    budget_mb: float = 0.0
    used_mb: float = 0.0
    resident: list[str] = field(default_factory=list)
    prefetch: list[str] = field(default_factory=list)
    queue: dict[str, int] = field(default_factory=dict)
    device: str = ""


MB = 1024 * 1024


def shown_cluster_names(analysis) -> dict[int, str]:
    """Cluster id → the name every view shows (the cluster map's: the user's label, else "Group A", "Group B"...),
    so the map, the library, the grid, the evaluation and the Bases tab tell one story. Worker threads only."""
    from engine.api import TimbrelError

    from .views.clustermap_style import display_names

    try:
        return dict(display_names(list(analysis.clusters())))
    except TimbrelError as exc:    # analysis not usable yet: the views fall back to cluster_name()
        log.warning("cluster names not read: %s", exc)
        return {}


def cluster_name(cluster_id: int | None, label: str = "") -> str:
    """A cluster's name for people: its own label, else "#N". The engine's default label ("cluster N") is shown
    translated, so the Chinese UI does not show English."""
    if cluster_id is None:
        return ""
    if label and label.strip().casefold() == f"cluster {cluster_id}":
        from PySide6.QtCore import QCoreApplication

        return QCoreApplication.translate("Cluster", "Cluster %1").replace("%1", str(cluster_id))
    return label or f"#{cluster_id}"


def cluster_infos(clusters: Iterable[Any]) -> list[ClusterInfo]:
    """Format ``analysis.clusters()`` (the engine's ``ClusterInfo``: ``id``, ``label``, ``voices``) for the map."""
    return [ClusterInfo(int(c.id), str(c.label or ""), len(c.voices)) for c in clusters]


def cluster_points(projection: Mapping[str, Any], clusters: Iterable[Any]) -> list[ClusterPoint]:
    """Format ``analysis.projection_2d()`` (voice name → (x, y)) with each voice's cluster and pin, read from
    ``analysis.clusters()`` (``voices``, ``pinned``); a voice in no cluster has ``cluster_id`` None."""
    where: dict[str, tuple[int, bool]] = {}
    for c in clusters:
        pinned = set(c.pinned or ())
        for name in c.voices:
            where[name] = (int(c.id), name in pinned)
    out = []
    for name, (x, y) in projection.items():
        cid, pinned = where.get(name, (None, False))
        out.append(ClusterPoint(str(name), float(x), float(y), cid, pinned))
    return out


def grid_data(grid: "GridResult", emotions: Iterable[str]) -> GridData:
    """Format ``engine.analysis.grid()`` (a :class:`engine.api.GridResult`) for the grid view; ``emotions`` is
    used when the grid names none."""
    rows = [(r.cluster_id, r.label) for r in grid.clusters]
    counts = {(r.cluster_id, e): n for r in grid.clusters for e, n in r.counts.items()}
    missing: dict[tuple[int | None, str], list[str]] = {}
    predicted: dict[tuple[int | None, str], list[str]] = {}
    tops: dict[int | None, list[tuple[str, str, float]]] = {}
    for v in grid.voices:
        for emo in v.missing:
            missing.setdefault((v.cluster_id, emo), []).append(v.voice)
        for emo, conf in v.predicted.items():
            predicted.setdefault((v.cluster_id, emo), []).append(f"{v.voice} ({conf:.2f})")
        if v.top_emotion:
            top = v.top_emotion
            tops.setdefault(v.cluster_id, []).append((v.voice, str(top["emotion"]), float(top["confidence"])))
    return GridData(rows=rows, emotions=list(grid.emotions or emotions), counts=counts, missing=missing,
                    predicted=predicted, tops=tops)


def runtime_state(status: "RuntimeStatus | Mapping[str, Any]") -> RuntimeState:
    """Format ``Runtime.status()`` (a :class:`~engine.api.RuntimeStatus` dict) for the Engine tab: ``device``
    ({"kind", "name", ...}), ``vram_limit_mb``, ``used_mb``, ``resident`` (base names), ``staging`` ({"staged": base names} or None without
    host staging) and ``scheduler`` ({"queue": priority → waiting requests})."""
    device = status.get("device") or {}
    staging = status.get("staging") or {}
    scheduler = status.get("scheduler") or {}
    return RuntimeState(
        budget_mb=float(status.get("vram_limit_mb") or 0.0), used_mb=float(status.get("used_mb") or 0.0),
        resident=[str(b) for b in status.get("resident") or ()],
        prefetch=[str(b) for b in staging.get("staged") or ()],
        queue={str(k): int(v) for k, v in (scheduler.get("queue") or {}).items()},
        device=device_label(device.get("kind"), device.get("name")),
    )


def residency_state(event: Mapping[str, Any], previous: RuntimeState) -> RuntimeState:
    """The Engine tab's state after a ``runtime.residency`` event (``resident``, ``used_bytes``, ``budget_bytes``):
    the event's residency with the device, prefetch and queue it does not carry kept from ``previous``."""
    return RuntimeState(
        budget_mb=float(event.get("budget_bytes") or 0) / MB, used_mb=float(event.get("used_bytes") or 0) / MB,
        resident=[str(b) for b in event.get("resident") or ()], prefetch=list(previous.prefetch),
        queue=dict(previous.queue), device=previous.device,
    )


def device_label(kind: Any, name: Any) -> str:
    """The device for people, translated: a GPU's own name, or what the CPU fallback means (not "sim simulated
    device")."""
    from PySide6.QtCore import QCoreApplication

    kind = str(kind or "").casefold()
    if kind == "cpu":
        return QCoreApplication.translate("Device", "CPU (no GPU: models run in host memory)")
    if kind in ("sim", "simulated"):
        return QCoreApplication.translate("Device", "Simulated device (modelled transfers, for tests)")
    if kind == "cuda":
        return QCoreApplication.translate("Device", "GPU: %1").replace("%1", str(name or "CUDA"))
    return str(name or kind or "")
