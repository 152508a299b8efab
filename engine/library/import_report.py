"""What an import reports: per clip, per file, per voice, and the whole :class:`ImportReport`.

Shared by :mod:`.importers` (recordings, lists, folders) and :mod:`.packs` (``.timbrel`` packs), below both.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Callable

IMPORTED = "imported"
DUPLICATE = "skipped-duplicate"
REJECTED = "rejected"
CANCELLED = "cancelled"

ProgressFn = Callable[[int, int, str], None]


@dataclass
class ClipResult:
    sha256: str
    status: str  # imported | skipped-duplicate
    duration: float
    sample_rate: int
    transcript: str = ""
    language: str | None = None
    emotion: str | None = None
    start: float = 0.0
    end: float = 0.0
    gain_db: float = 0.0
    stored_bytes: int = 0  # bytes newly written to the blob store (0: the audio was already there)
    clip_id: int | None = None


@dataclass
class FileResult:
    path: str
    status: str  # imported | skipped-duplicate | rejected | cancelled
    voice: str | None = None
    reason: str | None = None
    line: int | None = None
    clips: list[ClipResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class VoiceResult:
    name: str
    status: str  # created | updated | unchanged | rolled-back | cancelled | rejected | would-create | would-update
    clips_added: int = 0
    version: int | None = None
    reason: str | None = None


@dataclass
class ImportReport:
    files: list[FileResult] = field(default_factory=list)
    voices: list[VoiceResult] = field(default_factory=list)
    cancelled: bool = False
    dry_run: bool = False

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def imported(self) -> int:
        return self.count(IMPORTED)

    @property
    def duplicates(self) -> int:
        return self.count(DUPLICATE)

    @property
    def rejected(self) -> list[FileResult]:
        return [f for f in self.files if f.status == REJECTED]

    @property
    def clips_added(self) -> int:
        return sum(v.clips_added for v in self.voices)

    @property
    def stored_bytes(self) -> int:
        return sum(c.stored_bytes for f in self.files for c in f.clips)

    def to_dict(self) -> dict[str, Any]:
        return {
            "imported": self.imported, "skipped_duplicate": self.duplicates, "rejected": len(self.rejected),
            "clips_added": self.clips_added, "stored_bytes": self.stored_bytes, "cancelled": self.cancelled,
            "dry_run": self.dry_run,
            "voices": [asdict(v) for v in self.voices], "files": [asdict(f) for f in self.files],
        }
