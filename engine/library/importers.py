"""Importing voices: files, folders, GPT-SoVITS ``.list`` datasets and ``.timbrel`` packs.

``Importer(engine).import_paths(paths, voice=None, language=None, emotion=None,
progress=None, cancel=None) -> ImportReport``

How a problem is handled (the unit of work is one voice):

* **Per file** — a file that cannot be used (unreadable, not audio, NaN samples, silent,
  clipped beyond repair, under 3 s of speech, a ``.list`` line whose audio is missing) is
  *rejected* with its reason (and line number); the voice's other files still import.
  A voice whose every file was rejected is not created.
* **Per voice** — everything else (disk full, a damaged library, a crash, ``cancel``, an
  exception from the progress callback) rolls the whole voice back: its catalog changes
  are one transaction, and the blobs it wrote that nothing references are removed
  (see :mod:`engine.library.journal` for a crash). Voices finished earlier in the same
  import stay. ``cancel`` returns a report with ``cancelled=True``; storage errors raise
  :class:`ImportFailed` carrying the report so far.
* **Duplicates** — a clip whose audio the voice already has (same blob, or the same
  decoded samples per the FLAC MD5) is *skipped-duplicate*; blobs are content-addressed,
  so the same audio in another voice is stored once. A stored copy found damaged on the
  way is replaced (re-importing a file is how a ``doctor`` "damaged blob" is repaired).

Progress: ``import.progress`` events (``done``, ``total``, ``path``) on ``engine.events``
after each file or list line, and ``progress(done, total, path)`` when given.
"""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path
from typing import Any, Iterable

from ..errors import AlreadyExists, AudioError, ImportFailed, InvalidInput, StorageError, TimbrelError, UnsafeFile
from .blobs import sha256_bytes
from .emotions import normalize_emotion
from .languages import normalize_language
from .dataset_folders import expand_paths
from .sources import PackItem, SourceItem
from .uncommitted import DryRunBlobs, UncommittedBlobs

from .import_report import (CANCELLED, DUPLICATE, IMPORTED, REJECTED, ClipResult, FileResult, ImportReport,
                            ProgressFn, VoiceResult)
from .packs import export_pack, import_pack

__all__ = ["CANCELLED", "DUPLICATE", "IMPORTED", "REJECTED", "ClipResult", "FileResult", "ImportReport", "Importer",
           "ProgressFn", "VoiceResult"]


class _Stop(Exception):
    """Internal: cancel was requested."""


class Importer:
    """The engine's import/export subsystem (``engine.importer``)."""

    def __init__(self, engine) -> None:
        self.engine = engine

    @property
    def library(self):
        return self.engine.library

    # -- export ----------------------------------------------------------------------------------
    def export(self, voice: str | int, path: str | Path, *, overwrite: bool = False) -> dict[str, Any]:
        """Write a voice as a ``.timbrel`` pack (see :mod:`engine.library.packs`)."""
        return export_pack(self.library, voice, Path(path), overwrite=overwrite)

    # -- import ----------------------------------------------------------------------------------
    def import_paths(
        self,
        paths: Iterable[str | Path],
        voice: str | None = None,
        language: str | None = None,
        emotion: str | None = None,
        progress: ProgressFn | None = None,
        cancel: threading.Event | None = None,
        *,
        dry_run: bool = False,
        layout: str = "auto",
    ) -> ImportReport:
        """Import ``paths`` (see the module docstring). ``dry_run``: decode, check and report everything
        exactly as an import would (``stored_bytes`` = what it would write), but change nothing. ``layout``: how a
        folder is read (:mod:`.dataset_folders`: ``auto``, ``lists``, ``folders``); an unclear folder raises
        :class:`~.dataset_folders.LayoutUnclear` before anything is imported."""
        paths = [p for p in paths]
        if not paths:
            raise InvalidInput("Nothing to import.", hint="Give one or more files, folders, .list files or .timbrel packs.")
        voice = voice.strip() if voice and voice.strip() else None
        language = normalize_language(language)
        emotion = normalize_emotion(emotion)
        items = expand_paths(paths, voice, language, emotion, layout)  # dataset folders → their .list files
        report = ImportReport(dry_run=dry_run)
        total = len(items)
        state = {"done": 0}

        def advance(path: str) -> None:
            state["done"] += 1
            self.engine.events.publish("import.progress", done=state["done"], total=total, path=path)
            if progress is not None:
                progress(state["done"], total, path)

        def check_cancel() -> None:
            if cancel is not None and cancel.is_set():
                raise _Stop()

        # group source items by voice (names are case-insensitive), keeping first-seen order
        groups: dict[str, list[SourceItem]] = {}
        order: list[SourceItem | PackItem | tuple[str, list[SourceItem]]] = []
        for item in items:
            if isinstance(item, PackItem) or item.voice is None:
                order.append(item)
                continue
            key = item.voice.casefold()
            if key not in groups:
                groups[key] = []
                order.append((key, groups[key]))
            groups[key].append(item)

        for entry in order:
            try:
                check_cancel()
                if isinstance(entry, PackItem):
                    self._import_pack(entry, report, advance, dry_run)
                elif isinstance(entry, SourceItem):  # an item that already failed (no voice to join)
                    report.files.append(FileResult(entry.display, REJECTED, reason=entry.error, line=entry.line))
                    advance(entry.display)
                else:
                    self._import_voice(entry[1], report, advance, check_cancel, dry_run)
            except _Stop:
                report.cancelled = True
                break
        if report.cancelled:
            seen = {f.path for f in report.files}
            for item in items:
                if item.display not in seen:
                    report.files.append(FileResult(item.display, CANCELLED, voice=getattr(item, "voice", None)))
        return report

    # -- one voice from recordings ---------------------------------------------------------------
    def _import_voice(self, items: list[SourceItem], report: ImportReport, advance, check_cancel, dry_run: bool) -> None:
        lib = self.library
        name = items[0].voice
        exists = lib.has_voice(name)
        if exists:
            name = lib.voice(name).name  # the stored spelling
        known = self._voice_audio(name) if exists else (set(), set())
        files: list[FileResult] = []
        pending: list[tuple[ClipResult, bytes, str | None]] = []  # new clips: result, flac, source path
        staged = DryRunBlobs(lib) if dry_run else UncommittedBlobs(lib, name)
        try:
            for item in items:
                check_cancel()
                result = FileResult(item.display, REJECTED, voice=name, line=item.line)
                files.append(result)
                self._import_file(item, result, staged, known, pending)
                advance(item.display)
            check_cancel()
            outcome = self._commit(name, exists, pending, files, staged, dry_run)
        except BaseException as exc:
            staged.rollback()
            _roll_back(name, exc, files, report)
            if isinstance(exc, (StorageError, ImportFailed)):  # the library itself is in trouble: stop here
                raise _failed(name, exc, report) from exc
            if isinstance(exc, TimbrelError):  # this voice cannot be imported (a bad name...): the others still can
                return
            raise
        else:
            staged.done()
        report.files.extend(files)
        report.voices.append(outcome)

    @staticmethod
    def _import_file(item: SourceItem, result: FileResult, staged, known: tuple[set[str], set[str]],
                     pending: list[tuple[ClipResult, bytes, str | None]]) -> None:
        """One recording (or list line) of a voice into ``result``: decoded, checked, its new clips stored and
        added to ``pending``; ``known`` (the voice's blob hashes and FLAC audio MD5s) grows with them."""
        from ..audio.ingest import prepare

        known_shas, known_md5 = known
        if item.error:
            result.reason = item.error
            return
        try:
            prepared = prepare(item.path, split=item.split)
        except AudioError as exc:
            result.reason = exc.message if item.line is None else f"line {item.line}: {exc.message}"
            return
        result.warnings = list(prepared.warnings)
        for clip in prepared.clips:
            sha = sha256_bytes(clip.flac)
            cr = ClipResult(
                sha256=sha, status=DUPLICATE, duration=round(clip.duration, 3), sample_rate=clip.sample_rate,
                transcript=item.transcript, language=item.language,
                emotion=item.emotion, start=round(clip.start, 3), end=round(clip.end, 3), gain_db=clip.gain_db,
            )
            result.clips.append(cr)
            if sha in known_shas or (clip.audio_md5 and clip.audio_md5 in known_md5):
                if sha in known_shas and staged.heal(sha, clip.flac):
                    result.warnings.append(f"the stored copy of clip {sha[:12]} was damaged and has been replaced")
                continue
            known_shas.add(sha)
            if clip.audio_md5:
                known_md5.add(clip.audio_md5)
            _, cr.stored_bytes = staged.store(clip.flac, sha)
            cr.status = IMPORTED
            pending.append((cr, clip.flac, str(item.path)))
        result.status = IMPORTED if any(c.status == IMPORTED for c in result.clips) else DUPLICATE

    def _voice_audio(self, name: str) -> tuple[set[str], set[str]]:
        """Blob hashes and FLAC audio MD5s of a voice's current clips (to spot re-imports)."""
        from ..audio.io import flac_audio_md5

        shas, md5s = set(), set()
        for clip in self.library.voice(name).clips:
            shas.add(clip.sha256)
            try:
                with self.library.blobs.open(clip.sha256) as f:
                    md5 = flac_audio_md5(f.read(42))
            except TimbrelError:
                md5 = None
            if md5:
                md5s.add(md5)
        return shas, md5s

    def _commit(self, name: str, exists: bool, pending, files: list[FileResult], staged, dry_run: bool) -> VoiceResult:
        lib = self.library
        if not pending:
            if not exists:
                return VoiceResult(name, "rejected" if all(f.status == REJECTED for f in files) else "unchanged",
                                   reason="no usable clips" if all(f.status == REJECTED for f in files) else None)
            return VoiceResult(name, "unchanged", version=lib.voice(name).version)
        n = len(pending)
        if dry_run:
            return VoiceResult(name, "would-update" if exists else "would-create", clips_added=n)
        langs = Counter(cr.language for cr, _, _ in pending if cr.language)
        summary = f"imported {n} clip{'s' if n != 1 else ''}"

        def fill(ed) -> int:
            added = 0
            for cr, flac, source in pending:
                staged.ensure(cr.sha256, flac)
                cr.clip_id = ed.add_clip(
                    cr.sha256, duration=cr.duration, sample_rate=cr.sample_rate, transcript=cr.transcript,
                    language=cr.language, emotion=cr.emotion, emotion_source="import" if cr.emotion else None,
                    source_path=source, size=len(flac),
                )
                added += cr.clip_id is not None
            return added

        added = None
        if not exists:
            try:
                with lib.edit_new(name, language=langs.most_common(1)[0][0] if langs else None, summary=summary,
                                  action="import") as ed:
                    added = fill(ed)
            except AlreadyExists:
                exists = True  # another import created this voice meanwhile: add to it instead
        if added is None:
            with lib.edit(name, action="import", summary=summary) as ed:
                added = fill(ed)
        voice = lib.voice(name)
        return VoiceResult(voice.name, "updated" if exists else "created", clips_added=added, version=voice.version)

    # -- packs -----------------------------------------------------------------------------------
    def _import_pack(self, item: PackItem, report: ImportReport, advance, dry_run: bool) -> None:
        try:
            result = import_pack(self.library, item.path, name=item.voice, dry_run=dry_run)
        except (InvalidInput, UnsafeFile, AlreadyExists) as exc:  # a bad or clashing pack: that file is rejected
            reason = exc.message + (f" ({exc.hint})" if exc.hint else "")
            report.files.append(FileResult(item.display, REJECTED, voice=item.voice, reason=reason))
            advance(item.display)
            return
        report.files.append(result.file)
        report.voices.append(result.voice)
        advance(item.display)


def _roll_back(name: str, exc: BaseException, files: list[FileResult], report: ImportReport) -> None:
    """Report a voice whose import was cancelled or rolled back: its files say why, nothing was stored."""
    cancelled = isinstance(exc, _Stop)
    reason = "cancelled" if cancelled else (exc.message if isinstance(exc, TimbrelError) else repr(exc))
    for f in files:
        if f.status != REJECTED:
            f.status = CANCELLED if cancelled else REJECTED
            f.reason = f"voice '{name}' was {'cancelled' if cancelled else 'rolled back'}: {reason}"
            for c in f.clips:
                c.stored_bytes = 0
    report.files.extend(files)
    report.voices.append(VoiceResult(name, CANCELLED if cancelled else "rolled-back", reason=reason))


def _failed(name: str, exc: TimbrelError, report: ImportReport) -> ImportFailed:
    saved = [v.name for v in report.voices if v.status in ("created", "updated")]
    kept = (f"Voices imported before it were saved ({', '.join(saved[:5])}{', ...' if len(saved) > 5 else ''}); "
            "running the same import again skips what is already there." if saved
            else "Nothing from this import was saved.")
    hint = f"{exc.hint.rstrip('.')}. {kept}" if exc.hint else kept
    err = ImportFailed(f"Importing voice '{name}' failed and was rolled back: {exc.message}", hint=hint)
    err.report = report  # type: ignore[attr-defined]
    return err
