"""Changes to one voice inside an open catalog transaction: :class:`VoiceEditor` (see :meth:`Library.edit`)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import AlreadyExists, InvalidInput, NotFound, StorageError
from .catalog import utc_now
from .emotions import EMOTION_SOURCES, normalize_emotion
from .text import MAX_NOTES, check_tag, check_voice_name, clean_transcript

if TYPE_CHECKING:
    from .library import Library


@dataclass
class VoiceEditor:
    """Mutations of one voice inside an open transaction (see :meth:`Library.edit`)."""

    library: "Library"
    conn: sqlite3.Connection
    voice_id: int
    changed: bool = False

    def _touch(self) -> None:
        self.changed = True

    def rename(self, new_name: str) -> None:
        new_name = check_voice_name(new_name)
        clash = self.conn.execute("SELECT id FROM voices WHERE name = ? AND id != ?", (new_name, self.voice_id)).fetchone()
        if clash:
            raise AlreadyExists(f"There is already a voice named '{new_name}'.")
        self.conn.execute("UPDATE voices SET name = ? WHERE id = ?", (new_name, self.voice_id))
        self._touch()

    def set_language(self, language: str | None) -> None:
        self.conn.execute("UPDATE voices SET language = ? WHERE id = ?", (language, self.voice_id))
        self._touch()

    def set_notes(self, notes: str) -> None:
        if len(notes or "") > MAX_NOTES:
            raise InvalidInput(f"Notes are at most {MAX_NOTES} characters.")
        self.conn.execute("UPDATE voices SET notes = ? WHERE id = ?", (notes or "", self.voice_id))
        self._touch()

    def set_tags(self, tags: list[str] | tuple[str, ...]) -> None:
        self.conn.execute("DELETE FROM voice_tags WHERE voice_id = ?", (self.voice_id,))
        for tag in sorted({check_tag(t) for t in tags if t and t.strip()}):
            self.conn.execute("INSERT INTO voice_tags(voice_id, tag) VALUES (?, ?)", (self.voice_id, tag))
        self._touch()

    def add_tag(self, tag: str) -> None:
        tag = check_tag(tag)
        if tag:
            self.conn.execute("INSERT OR IGNORE INTO voice_tags(voice_id, tag) VALUES (?, ?)", (self.voice_id, tag))
            self._touch()

    def remove_tag(self, tag: str) -> None:
        self.conn.execute("DELETE FROM voice_tags WHERE voice_id = ? AND tag = ?", (self.voice_id, tag.strip()))
        self._touch()

    def add_clip(
        self,
        sha256: str,
        *,
        duration: float,
        sample_rate: int,
        transcript: str = "",
        language: str | None = None,
        emotion: str | None = None,
        emotion_source: str | None = None,
        source_path: str | None = None,
        size: int | None = None,
    ) -> int | None:
        """Attach a stored blob to the voice as a clip. Returns the clip id, or ``None`` if the voice already has this audio."""
        transcript = clean_transcript(transcript)
        if not self.library.blobs.exists(sha256):
            raise StorageError(f"Clip audio {sha256[:12]} is not in the blob store.")
        emotion = normalize_emotion(emotion)
        if emotion is None:
            emotion_source = None
        elif emotion_source is None:
            emotion_source = "import"
        if emotion_source is not None and emotion_source not in EMOTION_SOURCES:
            raise InvalidInput(f"Unknown emotion source '{emotion_source}'.")
        self.library._register_blob(self.conn, sha256, "clip", size)
        cur = self.conn.execute(
            "INSERT OR IGNORE INTO clips(voice_id, sha256, transcript, language, emotion, emotion_source, duration,"
            " sample_rate, source_path, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (self.voice_id, sha256, transcript or "", language, emotion, emotion_source, float(duration),
             int(sample_rate), source_path, utc_now()),
        )
        if cur.rowcount == 0:
            return None
        self._touch()
        return int(cur.lastrowid)

    def update_clip(self, clip_id: int, **fields: Any) -> None:
        allowed = {"transcript", "language", "emotion", "emotion_source"}
        bad = set(fields) - allowed
        if bad:
            raise InvalidInput(f"Cannot change {', '.join(sorted(bad))} of a clip.")
        row = self.conn.execute("SELECT id FROM clips WHERE id = ? AND voice_id = ?", (clip_id, self.voice_id)).fetchone()
        if row is None:
            raise NotFound(f"Clip {clip_id} is not part of this voice.")
        if "transcript" in fields:
            fields["transcript"] = clean_transcript(fields["transcript"])
        if "emotion" in fields:
            fields["emotion"] = normalize_emotion(fields["emotion"])
            fields.setdefault("emotion_source", "user" if fields["emotion"] else None)
            if fields["emotion"] is None:
                fields["emotion_source"] = None
        for key, value in fields.items():
            self.conn.execute(f"UPDATE clips SET {key} = ? WHERE id = ?", (value, clip_id))
        self._touch()

    def remove_clip(self, clip_id: int) -> None:
        cur = self.conn.execute("DELETE FROM clips WHERE id = ? AND voice_id = ?", (clip_id, self.voice_id))
        if cur.rowcount == 0:
            raise NotFound(f"Clip {clip_id} is not part of this voice.")
        self._touch()

    def clear_clips(self) -> None:
        self.conn.execute("DELETE FROM clips WHERE voice_id = ?", (self.voice_id,))
        self._touch()
