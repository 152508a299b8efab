"""Candidate bases: the per-voice models an existing GPT-SoVITS setup brought (table ``candidate_bases``)."""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass

from ..library.catalog import utc_now


@dataclass(frozen=True)
class Candidate:
    id: int
    voice_id: int | None
    base_name: str
    experiment: str
    source_dir: str
    gpt_file: str
    sovits_file: str
    source_bytes: int
    created_at: str

    def to_dict(self) -> dict:
        return asdict(self)


def _cand(r: sqlite3.Row) -> Candidate:
    return Candidate(int(r["id"]), r["voice_id"], r["base_name"], r["experiment"], r["source_dir"], r["gpt_file"],
                     r["sovits_file"], int(r["source_bytes"]), r["created_at"])


def add(catalog, voice_id: int | None, base_name: str, *, experiment: str = "", source_dir: str = "", gpt_file: str = "",
        sovits_file: str = "", source_bytes: int = 0) -> Candidate:
    with catalog.transaction() as conn:
        cur = conn.execute(
            "INSERT INTO candidate_bases(voice_id, base_name, experiment, source_dir, gpt_file, sovits_file, source_bytes, created_at)"
            " VALUES (?,?,?,?,?,?,?,?)",
            (voice_id, base_name, experiment, source_dir, gpt_file, sovits_file, int(source_bytes), utc_now()))
        cid = int(cur.lastrowid)
    return _cand(catalog.query_one("SELECT * FROM candidate_bases WHERE id = ?", (cid,)))


def get_by_base(catalog, base_name: str) -> Candidate | None:
    r = catalog.query_one("SELECT * FROM candidate_bases WHERE base_name = ?", (base_name,))
    return None if r is None else _cand(r)


def all_candidates(catalog) -> list[Candidate]:
    return [_cand(r) for r in catalog.query("SELECT * FROM candidate_bases ORDER BY id")]
