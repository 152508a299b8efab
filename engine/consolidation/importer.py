"""``timbrel import-gptsovits PATH``: voices and candidate bases from an existing GPT-SoVITS folder.

1. :func:`engine.consolidation.scan.scan` finds the ``.list`` datasets and each experiment's newest
   GPT/SoVITS pair and ties experiments to speakers.
2. The ``.list`` files go through the library's own importer (``engine.importer``): one voice per speaker
   with its reference clips, transcripts and languages (bad lines are rejected with reasons there).
3. Each experiment's pair is converted (``engine.backends.gptsovits.convert``) and registered as a base
   (``engine.bases.register``) named ``gsv-<experiment>``, recorded as that voice's *candidate*.

Running it again on the same folder is safe: voices skip duplicate clips, already-registered candidates
are skipped. The user's folder is only read.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from ..errors import Cancelled, TimbrelError
from . import candidates as cands
from .scan import ScanResult, scan

Progress = Callable[[int, int, str], None]


@dataclass
class GsvImportReport:
    scan: ScanResult
    voices_created: list[str] = field(default_factory=list)
    clips_added: int = 0
    clips_rejected: list[dict] = field(default_factory=list)
    candidates: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"scan": self.scan.to_dict(), "voices_created": self.voices_created, "clips_added": self.clips_added,
                "clips_rejected": self.clips_rejected, "candidates": self.candidates, "skipped": self.skipped}


def candidate_name(experiment: str) -> str:
    return f"gsv-{experiment.strip()}"


def import_gptsovits(engine, root, *, progress: Progress | None = None, cancel: threading.Event | None = None) -> GsvImportReport:
    from ..backends.gptsovits.convert import BACKEND, convert_pair

    result = scan(root)
    report = GsvImportReport(result)
    before = set(n.casefold() for n in engine.library.voice_names())
    if result.lists:
        imp = engine.importer.import_paths(result.lists, cancel=cancel)
        report.clips_added = imp.clips_added
        report.clips_rejected = [{"path": f.path, "reason": f.reason} for f in imp.rejected]
        if imp.cancelled:
            raise Cancelled("Import cancelled; the voices finished so far are kept.")
    report.voices_created = [n for n in engine.library.voice_names() if n.casefold() not in before]
    todo = [e for e in result.experiments if e.complete and e.speaker is not None]
    catalog = engine.library.catalog
    for i, exp in enumerate(todo):
        if cancel is not None and cancel.is_set():
            raise Cancelled(f"Import cancelled after {i} of {len(todo)} models; those are kept.")
        name = candidate_name(exp.name)
        if progress is not None:
            progress(i, len(todo), name)
        engine.events.publish("consolidation.progress", stage="import", done=i, total=len(todo), item=name)
        if cands.get_by_base(catalog, name) is not None:
            report.skipped.append({"experiment": exp.name, "reason": f"already imported as base '{name}'"})
            continue
        if not engine.library.has_voice(exp.speaker):
            report.skipped.append({"experiment": exp.name, "reason": f"speaker '{exp.speaker}' has no usable clips"})
            continue
        try:
            conv = convert_pair(exp.gpt, exp.sovits)
            prov = {"made_by": "timbrel import-gptsovits", "experiment": exp.name, "speaker": exp.speaker,
                    "folder": str(result.root), "gpt_epoch": exp.gpt_epoch, "sovits_epoch": exp.sovits_epoch,
                    "sovits_step": exp.sovits_step, "role": "candidate"}
            rec = engine.bases.register(name, BACKEND, conv.variant, conv.groups, conv.manifest, provenance=prov)
        except TimbrelError as exc:
            report.skipped.append({"experiment": exp.name, "reason": exc.message})
            continue
        voice = engine.library.voice(exp.speaker)
        cands.add(catalog, voice.id, rec.name, experiment=exp.name, source_dir=str(result.root),
                  gpt_file=str(exp.gpt), sovits_file=str(exp.sovits), source_bytes=exp.source_bytes)
        report.candidates.append({"voice": voice.name, "base": rec.name, "variant": rec.variant, "bytes": rec.size_bytes,
                                  "source_bytes": exp.source_bytes, "matched_by": exp.matched_by})
    if progress is not None:
        progress(len(todo), len(todo), "")
    engine.events.publish("consolidation.progress", stage="import", done=len(todo), total=len(todo), item="")
    return report
