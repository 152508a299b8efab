"""Plain data objects the library hands out (immutable snapshots of catalog rows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


#: A clip's descriptive fields (of :class:`Clip` and of a voice pack's clips), in the order packs write them.
CLIP_METADATA = ("transcript", "language", "emotion", "emotion_source", "duration", "sample_rate")


def clip_metadata(clip: Any) -> dict[str, Any]:
    """The :data:`CLIP_METADATA` fields of a clip (a :class:`Clip` or a pack clip) as a dict."""
    return {k: getattr(clip, k) for k in CLIP_METADATA}


@dataclass(frozen=True)
class Clip:
    id: int
    voice_id: int
    sha256: str
    transcript: str
    language: str | None
    emotion: str | None
    emotion_source: str | None
    duration: float
    sample_rate: int
    source_path: str | None
    created_at: str

    def to_dict(self) -> dict[str, Any]:
        # the same dict as dataclasses.asdict, without its deep copy (voices --json lists 80,000 clips)
        return {"id": self.id, "voice_id": self.voice_id, "sha256": self.sha256, "transcript": self.transcript,
                "language": self.language, "emotion": self.emotion, "emotion_source": self.emotion_source,
                "duration": self.duration, "sample_rate": self.sample_rate, "source_path": self.source_path,
                "created_at": self.created_at}


@dataclass(frozen=True)
class Voice:
    id: int
    name: str
    language: str | None
    notes: str
    version: int
    created_at: str
    updated_at: str
    tags: tuple[str, ...] = ()
    clips: tuple[Clip, ...] = field(default=(), compare=False)

    def to_dict(self, with_clips: bool = True) -> dict[str, Any]:
        d = {
            "id": self.id, "name": self.name, "language": self.language, "notes": self.notes,
            "version": self.version, "created_at": self.created_at, "updated_at": self.updated_at,
            "tags": list(self.tags),
        }
        if with_clips:
            d["clips"] = [c.to_dict() for c in self.clips]
        return d

    @property
    def languages(self) -> list[str]:
        return sorted({c.language for c in self.clips if c.language})

    @property
    def total_seconds(self) -> float:
        return sum(c.duration for c in self.clips)


@dataclass(frozen=True)
class VoiceVersion:
    voice_id: int
    version: int
    created_at: str
    action: str
    summary: str
    snapshot: dict[str, Any]

    def to_dict(self, with_snapshot: bool = False) -> dict[str, Any]:
        d = {"version": self.version, "created_at": self.created_at, "action": self.action, "summary": self.summary}
        if with_snapshot:
            d["snapshot"] = self.snapshot
        return d
