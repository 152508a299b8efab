"""Every voice with its tags and clips as one JSON text (``timbrel voices --json``), built by SQLite.

``[v.to_dict() for v in library.voices()]`` through ``json.dumps`` builds 80,000 clip objects and then encodes
them again for a 10,000-voice library (seconds); here SQLite's JSON functions write each voice's and each
clip's object in C and Python only joins the pieces. The result parses to exactly the same values, in the same
order, as :meth:`Voice.to_dict` (``tests/library/test_library_listing.py`` compares them). Two cosmetic
differences from ``json.dumps``: no spaces after separators, and a duration is written with 17 significant
digits (``printf('%!.17g')``, which reads back as the very same float; SQLite's own rendering keeps only 15
digits and would change the value).
"""

from __future__ import annotations

import json
import sqlite3

from .models import Clip

# the field order of Voice.to_dict / Clip.to_dict (without tags and clips, which are added below)
_VOICE_FIELDS = ("id", "name", "language", "notes", "version", "created_at", "updated_at")
_CLIP_FIELDS = tuple(Clip.__dataclass_fields__)
_EXACT_REAL = "json(printf('%!.17g', {col}))"


def _object_sql(fields: tuple[str, ...], reals: tuple[str, ...] = ()) -> str:
    parts = []
    for f in fields:
        parts.append(f"'{f}'")
        parts.append(_EXACT_REAL.format(col=f) if f in reals else f)
    return "json_object(" + ", ".join(parts) + ")"


_VOICES_SQL = f"SELECT id, {_object_sql(_VOICE_FIELDS)} FROM voices ORDER BY name COLLATE NOCASE"
_CLIPS_SQL = f"SELECT voice_id, {_object_sql(_CLIP_FIELDS, reals=('duration',))} FROM clips ORDER BY voice_id, id"


def voices_json(conn: sqlite3.Connection) -> str:
    """A JSON array with one object per voice (name order): the voice's fields, ``tags`` (sorted) and ``clips``
    (in id order), the same values as ``[v.to_dict() for v in Library.voices()]``. Read in one snapshot."""
    own = not conn.in_transaction
    if own:
        conn.execute("BEGIN")
    try:
        voices = conn.execute(_VOICES_SQL).fetchall()
        tags: dict[int, list[str]] = {}
        for vid, tag in conn.execute("SELECT voice_id, tag FROM voice_tags ORDER BY voice_id, tag"):
            tags.setdefault(vid, []).append(tag)
        clips: dict[int, list[str]] = {}
        for vid, obj in conn.execute(_CLIPS_SQL):
            clips.setdefault(vid, []).append(obj)
    finally:
        if own:
            conn.execute("COMMIT")
    parts = []
    for vid, obj in voices:
        tag_text = json.dumps(tags[vid], ensure_ascii=False) if vid in tags else "[]"
        parts.append(f'{obj[:-1]},"tags":{tag_text},"clips":[{",".join(clips.get(vid, ()))}]}}')
    return "[" + ",".join(parts) + "]"
