"""Turn what engine subsystems return into the plain rows the views show.

The desktop only reads public fields of the engine's data classes (or dicts);
these helpers accept either form so a view does not depend on whether a part
returns a dataclass, a dict or a tuple. All functions here are pure (no engine
calls) and run on worker threads or the GUI thread alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Mapping

if TYPE_CHECKING:
    from engine.api import GridResult


def pick(obj: Any, *names: str, default: Any = None) -> Any:
    """The first of ``names`` present on ``obj`` (attribute or mapping key)."""
    for name in names:
        if isinstance(obj, dict):
            if name in obj and obj[name] is not None:
                return obj[name]
        else:
            value = getattr(obj, name, None)
            if value is not None:
                return value
    return default


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


def voice_row(voice: Any, assignment: Any = None) -> VoiceRow:
    clips = tuple(pick(voice, "clips", default=()) or ())
    emotions = tuple(sorted({c.emotion for c in clips if getattr(c, "emotion", None)}))
    row = VoiceRow(
        id=int(pick(voice, "id", default=0)), name=str(pick(voice, "name", default="")), clips=len(clips),
        seconds=float(sum(getattr(c, "duration", 0.0) for c in clips)), tags=tuple(pick(voice, "tags", default=()) or ()),
        languages=tuple(sorted({c.language for c in clips if getattr(c, "language", None)})), emotions=emotions,
        version=int(pick(voice, "version", default=0) or 0),
    )
    if assignment is not None:
        row.cluster_id = pick(assignment, "cluster_id", "cluster", "id")
        row.cluster_label = str(pick(assignment, "label", default="") or "")
        row.pinned = bool(pick(assignment, "pinned", default=False))
    return row


def shown_cluster_names(analysis) -> dict[int, str]:
    """Cluster id → the name every view shows (the cluster map's: the user's label, else "Group A", "Group B"...),
    so the map, the library, the grid, the evaluation and the Bases tab tell one story. Worker threads only."""
    try:
        from .views.clustermap import display_names

        return dict(display_names(list(analysis.clusters())))
    except Exception:    # analysis not usable yet: the views fall back to cluster_name()
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
    out = []
    for c in clusters or ():
        if isinstance(c, int):
            out.append(ClusterInfo(c, ""))
            continue
        cid = pick(c, "id", "cluster_id")
        if cid is None:
            continue
        members = pick(c, "voices", "members", default=None)
        size = pick(c, "size", "n_voices", default=None)
        if size is None:
            size = len(members) if members is not None else 0
        out.append(ClusterInfo(int(cid), str(pick(c, "label", default="") or ""), int(size)))
    return out


def cluster_points(projection: Any) -> list[ClusterPoint]:
    """Accepts a list of points (dataclass/dict/tuple voice, x, y, cluster) or a dict voice → (x, y[, cluster])."""
    items: list[Any]
    if isinstance(projection, dict) and "points" in projection:
        items = list(projection["points"])
    elif isinstance(projection, dict):
        items = [(k, *v) if isinstance(v, (tuple, list)) else {"voice": k, **v} for k, v in projection.items()]
    else:
        items = list(projection or ())
    out = []
    for p in items:
        if isinstance(p, (tuple, list)):
            voice, x, y = p[0], p[1], p[2]
            cid = p[3] if len(p) > 3 else None
            pinned = bool(p[4]) if len(p) > 4 else False
        else:
            voice = pick(p, "voice", "name", "voice_name")
            xy = pick(p, "xy", "position", default=None)
            x, y = (xy[0], xy[1]) if xy is not None else (pick(p, "x"), pick(p, "y"))
            cid = pick(p, "cluster_id", "cluster")
            pinned = bool(pick(p, "pinned", default=False))
        if hasattr(voice, "name"):
            voice = voice.name
        if isinstance(cid, dict) or hasattr(cid, "cluster_id"):
            cid = pick(cid, "cluster_id", "id")
        out.append(ClusterPoint(str(voice), float(x), float(y), None if cid is None else int(cid), pinned))
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


def runtime_state(status: Any) -> RuntimeState:
    def mb(*names: str) -> float:
        v = pick(status, *[n + "_mb" for n in names])
        if v is not None:
            return float(v)
        v = pick(status, *[n + "_bytes" for n in names])
        return float(v) / MB if v is not None else 0.0

    resident = pick(status, "resident", "resident_bases", default=[]) or []
    prefetch = pick(status, "prefetch", "prefetching", "staged", default=None)
    staging = pick(status, "staging", default=None)
    if prefetch is None and staging is not None:
        prefetch = pick(staging, "staged", default=[])
    prefetch = prefetch or []
    queue = pick(status, "queue", "queues", "queue_lengths", default=None)
    scheduler = pick(status, "scheduler", default=None)
    if queue is None and scheduler is not None:
        queue = pick(scheduler, "queue", default={})
    queue = queue or {}
    device = pick(status, "device", default="")
    if isinstance(device, dict):
        device = device_label(device.get("kind"), device.get("name"))
    if isinstance(prefetch, (str, bytes)):
        prefetch = [prefetch]
    if isinstance(queue, int):
        queue = {"requests": queue}
    return RuntimeState(
        budget_mb=mb("budget", "vram_limit", "limit"), used_mb=mb("used", "resident"),
        resident=[_base_name(b) for b in resident], prefetch=[_base_name(b) for b in prefetch],
        queue={str(k): int(v) for k, v in dict(queue).items()} if isinstance(queue, dict) else {},
        device=str(device or ""),
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


def _base_name(b: Any) -> str:
    if isinstance(b, str):
        return b
    return str(pick(b, "name", "base", "id", default=b))
