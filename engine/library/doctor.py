"""Integrity checks of a library (``timbrel doctor [--repair]``).

Findings come in two kinds:

* **problems** — the library is damaged: the catalog fails SQLite's integrity or
  foreign-key checks, a blob something needs is missing, or its content no longer
  hashes to its name, a clip's audio is unreadable. Nothing is guessed: these are reported
  with what they affect and what to do. Repaired are only a wrong recorded blob size and a
  clip row whose duration/rate disagrees with its audio (when the content still matches its
  hash: the audio is right, the row is corrected in a new version of the voice).
* **tidy-ups** — leftovers that are safe to remove and that ``--repair`` removes:
  unreferenced blobs (after a voice was deleted, or written by an import that was rolled
  back or killed), catalog rows of blobs whose file is gone and that nothing needs,
  stray temp files of the blob store, journals of imports that died. Blobs that a
  running import lists are never touched; other unreferenced blobs and temp files are
  kept while younger than the grace period (10 minutes; another part of the engine may
  be about to use them) unless a dead import's journal names them.

``ok`` means no problems; ``clean`` means nothing at all to report.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from .blobs import sha256_file
from .gc import DEFAULT_GRACE_S, collect
from .journal import read_journals

if TYPE_CHECKING:
    from .library import Library

log = logging.getLogger(__name__)

PROBLEM = "problem"
TIDY = "tidy"


@dataclass
class Finding:
    kind: str
    severity: str
    message: str
    sha256: str | None = None
    path: str | None = None
    voices: list[str] = field(default_factory=list)
    repairable: bool = False


@dataclass
class DoctorReport:
    findings: list[Finding] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=dict)
    repaired: list[str] = field(default_factory=list)
    imports_running: int = 0

    @property
    def problems(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == PROBLEM]

    @property
    def tidy(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == TIDY]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def clean(self) -> bool:
        return not self.findings

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok, "clean": self.clean, "checked": self.checked, "imports_running": self.imports_running,
            "problems": [asdict(f) for f in self.problems], "tidy": [asdict(f) for f in self.tidy],
            "repaired": self.repaired,
        }


def _users(library: "Library") -> dict[str, list[str]]:
    """sha256 → names of the voices whose current clips use it."""
    out: dict[str, list[str]] = {}
    for sha, name in library.catalog.query(
        "SELECT DISTINCT c.sha256, v.name FROM clips c JOIN voices v ON v.id = c.voice_id ORDER BY v.name"
    ):
        out.setdefault(sha, []).append(name)
    return out


@dataclass
class _Scan:
    """What one check reads once: the catalog's blob rows and references, the files, the import journals."""

    library: "Library"
    registered: dict[str, int]        # sha256 -> recorded size
    referenced: set[str]
    users: dict[str, list[str]]
    on_disk: set[str]
    journals: list
    live: set[str]                    # blobs of imports running now
    stale: set[str]                   # blobs of imports that did not finish
    now: float
    grace_s: float

    @classmethod
    def read(cls, library: "Library", grace_s: float) -> "_Scan":
        journals = read_journals(library.root)
        return cls(
            library=library,
            registered={r[0]: int(r[1]) for r in library.catalog.query("SELECT sha256, size FROM blobs")},
            referenced=library.referenced_blobs(), users=_users(library), on_disk=set(library.blobs.iter_shas()),
            journals=journals,
            live=set().union(*(j.shas for j in journals if j.live)) if journals else set(),
            stale=set().union(*(j.shas for j in journals if not j.live)) if journals else set(),
            now=time.time(), grace_s=grace_s)

    def recent(self, path) -> bool:
        return self.now - _mtime(path) < self.grace_s


_RECENT = " — recent, kept until it is older than the grace period"


def check(library: "Library", *, verify_hashes: bool = True, grace_s: float = DEFAULT_GRACE_S) -> DoctorReport:
    rep = DoctorReport()
    add = rep.findings.append
    for p in library.catalog.integrity_problems():
        add(Finding("catalog", PROBLEM, f"catalog: {p}"))
    scan = _Scan.read(library, grace_s)
    rep.imports_running = sum(j.live for j in scan.journals)
    _check_rows(scan, add)
    checked_bytes = 0
    for sha in sorted(scan.on_disk):
        path = library.blobs.path(sha)
        try:
            size = path.stat().st_size
        except OSError:
            continue        # removed while we looked (a collection running beside us)
        checked_bytes += size
        _check_blob(scan, sha, path, size, verify_hashes, add)
    if verify_hashes:
        _check_clip_audio(library, scan.on_disk, add)
    _check_leftovers(scan, add)
    rep.checked = {
        "voices": int(library.catalog.scalar("SELECT COUNT(*) FROM voices") or 0),
        "clips": int(library.catalog.scalar("SELECT COUNT(*) FROM clips") or 0),
        "blobs": len(scan.on_disk), "bytes": checked_bytes, "hashes_verified": int(verify_hashes),
    }
    return rep


def _check_rows(scan: _Scan, add) -> None:
    """Blobs the catalog uses whose file is missing; blob rows whose file is gone and that nothing needs."""
    for sha in sorted(scan.referenced - scan.on_disk):
        who = scan.users.get(sha, [])
        where = f"clips of {', '.join(who)}" if who else "an older version in the history (or another table)"
        add(Finding("missing-blob", PROBLEM, f"blob {sha[:12]} used by {where} is missing", sha, voices=who))
    for sha in sorted(set(scan.registered) - scan.on_disk - scan.referenced):
        add(Finding("stale-blob-row", TIDY, f"catalog row of blob {sha[:12]} whose file is gone (nothing needs it)", sha,
                    repairable=True))


def _check_blob(scan: _Scan, sha: str, path, size: int, verify_hashes: bool, add) -> None:
    """One blob file: its content matches its hash, its recorded size, and something uses it."""
    used = sha in scan.referenced
    if verify_hashes and sha256_file(path) != sha:
        if used:
            who = scan.users.get(sha, [])
            add(Finding("corrupt-blob", PROBLEM,
                        f"blob {sha[:12]} is damaged (its content no longer matches its hash)"
                        + (f"; used by {', '.join(who)}" if who else ""), sha, str(path), who))
        else:
            add(Finding("corrupt-blob", TIDY, f"unreferenced blob {sha[:12]} is damaged", sha, str(path), repairable=True))
        return
    if sha in scan.registered and scan.registered[sha] != size:
        add(Finding("size-mismatch", PROBLEM, f"blob {sha[:12]} is recorded as {scan.registered[sha]} bytes but has {size}",
                    sha, str(path), scan.users.get(sha, []), repairable=True))
    if not used and sha not in scan.live:
        recent = sha not in scan.stale and scan.recent(path)
        origin = "left by an import that did not finish" if sha in scan.stale else "not used by anything"
        add(Finding("orphan-blob", TIDY, f"blob {sha[:12]} ({size} bytes) is {origin}" + (_RECENT if recent else ""),
                    sha, str(path), repairable=not recent))


def _check_leftovers(scan: _Scan, add) -> None:
    """Temporary files of unfinished writes and journals of imports that did not finish."""
    for p in scan.library.blobs.stray_temp_files():
        recent = scan.recent(p)
        add(Finding("temp-file", TIDY, f"temporary file {p.name} of an unfinished write" + (_RECENT if recent else ""),
                    path=str(p), repairable=not recent))
    for j in scan.journals:
        if not j.live:
            add(Finding("stale-journal", TIDY, f"journal of an import of '{j.label}' that did not finish"
                        + (f" (started {j.started})" if j.started else ""), path=str(j.path), repairable=True))


def _check_clip_audio(library: "Library", on_disk: set[str], add) -> None:
    """Each clip row's sample rate and duration must be those of its FLAC."""
    import soundfile as sf

    rows = library.catalog.query(
        "SELECT c.id, c.sha256, c.duration, c.sample_rate, v.name FROM clips c JOIN voices v ON v.id = c.voice_id")
    for clip_id, sha, duration, rate, voice in rows:
        if sha not in on_disk:
            continue  # reported as missing
        try:
            info = sf.info(str(library.blobs.path(sha)))
        except (sf.LibsndfileError, RuntimeError, OSError) as exc:
            add(Finding("unreadable-clip", PROBLEM, f"clip {clip_id} of {voice} is not readable audio ({exc})", sha,
                        voices=[voice]))
            continue
        if info.samplerate != rate or abs(info.frames / info.samplerate - duration) > 0.01:
            add(Finding("clip-metadata", PROBLEM,
                        f"clip {clip_id} of {voice} is recorded as {duration:.2f} s at {rate} Hz but its audio is "
                        f"{info.frames / info.samplerate:.2f} s at {info.samplerate} Hz", sha, voices=[voice],
                        repairable=True))


def _fix_clip_metadata(library: "Library", findings: list[Finding]) -> list[str]:
    """Correct clip rows from their (hash-verified) audio, as one new version per voice."""
    import soundfile as sf

    done = []
    by_voice: dict[str, list[Finding]] = {}
    for f in findings:
        by_voice.setdefault(f.voices[0], []).append(f)
    for voice, items in by_voice.items():
        with library.edit(voice, action="repair", summary="doctor: clip durations/rates read from the audio") as ed:
            for f in items:
                info = sf.info(str(library.blobs.path(f.sha256)))
                ed.conn.execute(
                    "UPDATE clips SET duration = ?, sample_rate = ? WHERE voice_id = ? AND sha256 = ?",
                    (round(info.frames / info.samplerate, 3), info.samplerate, ed.voice_id, f.sha256))
                done.append(f"corrected the duration/rate of a clip of {voice}")
            ed.changed = True
    return done


def _mtime(p) -> float:
    try:
        return p.stat().st_mtime
    except OSError:
        return 0.0


def repair(library: "Library", *, grace_s: float = DEFAULT_GRACE_S) -> DoctorReport:
    """Fix what is safe (see the module docstring), then check again. Returns the new report with ``repaired``."""
    before = check(library, grace_s=grace_s)
    done: list[str] = []
    fixable_sizes = [f for f in before.findings if f.kind == "size-mismatch"]
    if fixable_sizes:
        with library.catalog.transaction() as conn:
            for f in fixable_sizes:
                size = library.blobs.size(f.sha256)
                conn.execute("UPDATE blobs SET size = ? WHERE sha256 = ?", (size, f.sha256))
                done.append(f"recorded the real size of blob {f.sha256[:12]} ({size} bytes)")
    metadata = [f for f in before.findings if f.kind == "clip-metadata"]
    if metadata:
        done += _fix_clip_metadata(library, metadata)
    damaged_unused = [f.sha256 for f in before.findings if f.kind == "corrupt-blob" and f.severity == TIDY]
    if damaged_unused:
        res = collect(library, damaged_unused)
        done += [f"removed damaged unreferenced blob {s[:12]}" for s in res.removed]
    res = collect(library, grace_s=grace_s)  # orphans, stale rows, stale journals
    if res.removed:
        done.append(f"removed {len(res.removed)} unreferenced blob(s), {res.bytes} bytes")
    if res.journals_removed:
        done.append(f"removed {len(res.journals_removed)} journal(s) of unfinished imports")
    now = time.time()
    for p in library.blobs.stray_temp_files():
        if now - _mtime(p) >= grace_s:
            try:
                os.unlink(p)
                done.append(f"removed temporary file {p.name}")
            except FileNotFoundError:
                pass        # another process finished or removed it meanwhile: nothing left to do
            except OSError as exc:
                log.warning("doctor could not remove temporary file %s: %s", p, exc)
    after = check(library, grace_s=grace_s)
    after.repaired = done
    return after


__all__ = ["DoctorReport", "Finding", "check", "repair"]
