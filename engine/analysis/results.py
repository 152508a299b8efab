"""Plain result objects of the analysis service (safe to hand to the desktop and to print as JSON)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class ClusterAssignment:
    cluster_id: int | None
    label: str
    pinned: bool
    how: str = "cluster"            # cluster | pinned | assigned | outlier | unassigned
    similarity: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ClusterInfo:
    id: int
    label: str
    voices: tuple[str, ...]
    pinned: tuple[str, ...] = ()
    outliers: tuple[str, ...] = ()
    cohesion: float | None = None   # mean similarity of the members to the centroid

    @property
    def size(self) -> int:
        return len(self.voices)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["size"] = self.size
        return d


@dataclass
class ClusterResult:
    clustering_id: int
    method: str
    encoder: str
    clusters: list[ClusterInfo]
    kept_ids: list[int] = field(default_factory=list)
    new_ids: list[int] = field(default_factory=list)
    retired_ids: list[int] = field(default_factory=list)
    outliers: list[dict[str, Any]] = field(default_factory=list)
    unassigned: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def k(self) -> int:
        return len(self.clusters)

    def to_dict(self) -> dict[str, Any]:
        return {
            "clustering_id": self.clustering_id, "method": self.method, "encoder": self.encoder, "k": self.k,
            "clusters": [c.to_dict() for c in self.clusters], "kept_ids": self.kept_ids, "new_ids": self.new_ids,
            "retired_ids": self.retired_ids, "outliers": self.outliers, "unassigned": self.unassigned,
            "warnings": self.warnings, "params": self.params,
        }


@dataclass
class AnalyzeReport:
    encoder: str
    encoder_version: str
    voices: int = 0
    clips: int = 0
    embedded: int = 0               # computed now
    embeddings_cached: int = 0
    prosody_computed: int = 0
    prosody_cached: int = 0
    failed: list[dict[str, Any]] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    assigned: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0            # time spent embedding and measuring (not counting duplicates/assignment)
    resumed: dict[str, Any] | None = None   # the interrupted run this one continued: {"run", "done", "total"}

    @property
    def rate(self) -> float:
        """Clips analysed per second in this run."""
        return round(max(self.embedded, self.prosody_computed) / self.seconds, 2) if self.seconds > 0 else 0.0

    emotions: dict[str, Any] | None = None    # emotion2vec+ pass: model, computed, cached, failed (None: no model)

    @property
    def work_done(self) -> int:
        return self.embedded + self.prosody_computed

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["work_done"] = self.work_done
        d["clips_per_second"] = self.rate
        return d
