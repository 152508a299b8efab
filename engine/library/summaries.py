"""Voice rows for long lists (the desktop's library table, ``timbrel voices``): aggregates computed by SQLite
(``clips_by_voice`` index), so 10,000 voices are listed without building 80,000 clip objects."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .library import Library


def voice_summaries(library: "Library", search: str = "") -> list[dict[str, Any]]:
    conn = library.catalog.conn
    where, params = "", ()
    if search.strip():
        like = "%" + search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where = (" WHERE v.name LIKE ? ESCAPE '\\' OR v.id IN"
                 " (SELECT voice_id FROM voice_tags WHERE tag LIKE ? ESCAPE '\\')")
        params = (like, like)
    own = not conn.in_transaction       # one consistent snapshot for the reads
    if own:
        conn.execute("BEGIN")
    try:
        rows = conn.execute(
            "SELECT v.id, v.name, v.language, v.version, v.updated_at,"
            " (SELECT COUNT(*) FROM clips c WHERE c.voice_id = v.id) AS clips,"
            " (SELECT COALESCE(SUM(c.duration), 0) FROM clips c WHERE c.voice_id = v.id) AS seconds"
            f" FROM voices v{where} ORDER BY v.name COLLATE NOCASE", params).fetchall()
        tags: dict[int, list[str]] = {}
        for vid, tag in conn.execute("SELECT voice_id, tag FROM voice_tags ORDER BY voice_id, tag"):
            tags.setdefault(vid, []).append(tag)
        langs: dict[int, list[str]] = {}
        for vid, lang in conn.execute("SELECT DISTINCT voice_id, language FROM clips WHERE language IS NOT NULL"
                                      " ORDER BY voice_id, language"):
            langs.setdefault(vid, []).append(lang)
        emos: dict[int, list[str]] = {}
        for vid, emo in conn.execute("SELECT DISTINCT voice_id, emotion FROM clips WHERE emotion IS NOT NULL"
                                     " ORDER BY voice_id, emotion"):
            emos.setdefault(vid, []).append(emo)
    finally:
        if own:
            conn.execute("COMMIT")
    return [{"id": int(r["id"]), "name": r["name"], "language": r["language"], "version": int(r["version"]),
             "updated_at": r["updated_at"], "clips": int(r["clips"]), "seconds": round(float(r["seconds"]), 3),
             "tags": tuple(tags.get(r["id"], ())), "languages": tuple(langs.get(r["id"], ())),
             "emotions": tuple(emos.get(r["id"], ()))} for r in rows]
