"""Scanning an existing GPT-SoVITS folder: which speakers, which per-voice models, which datasets.

What upstream leaves behind (``webui.py`` conventions):

* ``GPT_weights*/<exp>-e<epoch>.ckpt`` — the GPT of experiment ``<exp>`` after each saved epoch;
* ``SoVITS_weights*/<exp>_e<epoch>_s<step>.pth`` — the SoVITS of ``<exp>``;
* ``logs/<exp>/`` — training features; ``2-name2text.txt`` lists the clip file names trained on;
* ``*.list`` annotation files (``wav|speaker|lang|text``), usually under ``output/asr_opt/``.

Each experiment's newest GPT and SoVITS files make one *candidate* model. An experiment is tied to a
speaker of the lists by (1) the same name, (2) the clip names in ``logs/<exp>/2-name2text.txt``, or (3) a
list file named like the experiment. :func:`scan` only reads; nothing is imported here.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path, PureWindowsPath

from ..errors import InvalidInput
from ..fsutil import read_bounded
from ..library.sources import MAX_LIST_BYTES

_GPT_RE = re.compile(r"^(?P<exp>.+)-e(?P<epoch>\d+)\.ckpt$", re.IGNORECASE)
_SOVITS_RE = re.compile(r"^(?P<exp>.+)_e(?P<epoch>\d+)_s(?P<step>\d+)\.pth$", re.IGNORECASE)
_SKIP_DIRS = {".git", "__pycache__", "pretrained_models", "node_modules", ".venv", "venv", "runtime"}
MAX_LIST_FILES = 500


@dataclass
class Experiment:
    name: str
    gpt: Path | None = None
    sovits: Path | None = None
    gpt_epoch: int = -1
    sovits_epoch: int = -1
    sovits_step: int = -1
    older_files: list[Path] = field(default_factory=list)
    speaker: str | None = None
    matched_by: str = ""            # name | training-log | list-name | ""
    log_dir: Path | None = None

    @property
    def complete(self) -> bool:
        return self.gpt is not None and self.sovits is not None

    @property
    def source_bytes(self) -> int:
        return sum(p.stat().st_size for p in (self.gpt, self.sovits) if p is not None and p.is_file())

    def to_dict(self) -> dict:
        d = asdict(self)
        for k in ("gpt", "sovits", "log_dir"):
            d[k] = None if d[k] is None else str(d[k])
        d["older_files"] = [str(p) for p in self.older_files]
        d["complete"] = self.complete
        d["source_bytes"] = self.source_bytes
        return d


@dataclass
class ScanResult:
    root: Path
    lists: list[Path]
    speakers: dict[str, int]                 # speaker → number of list lines
    experiments: list[Experiment]
    problems: list[str] = field(default_factory=list)

    def experiment_for(self, speaker: str) -> Experiment | None:
        for e in self.experiments:
            if e.speaker is not None and e.speaker.casefold() == speaker.casefold() and e.complete:
                return e
        return None

    def to_dict(self) -> dict:
        return {"root": str(self.root), "lists": [str(p) for p in self.lists], "speakers": dict(self.speakers),
                "experiments": [e.to_dict() for e in self.experiments], "problems": list(self.problems)}


def _walk(root: Path):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS and not d.startswith("."))
        yield Path(dirpath), sorted(filenames)


def _list_speakers(path: Path) -> tuple[Counter, dict[str, str]]:
    """Speaker line counts and clip-file-name → speaker of one ``.list`` (bad lines are skipped here;
    the importer reports them)."""
    counts: Counter = Counter()
    by_clip: dict[str, str] = {}
    try:
        text = read_bounded(path, MAX_LIST_BYTES).decode("utf-8-sig", errors="replace")
    except InvalidInput:  # not a regular file, or absurdly large: the importer reports it
        return counts, by_clip
    for line in text.splitlines():
        parts = line.split("|", 3)
        if len(parts) < 4 or not parts[1].strip():
            continue
        speaker = parts[1].strip()
        counts[speaker] += 1
        by_clip[PureWindowsPath(parts[0].strip().strip('"').replace("/", "\\")).name.casefold()] = speaker
    return counts, by_clip


def _trained_clips(log_dir: Path) -> list[str]:
    f = log_dir / "2-name2text.txt"
    if not f.is_file():
        return []
    try:
        lines = read_bounded(f, MAX_LIST_BYTES).decode("utf-8", errors="replace").splitlines()
    except InvalidInput:
        return []
    return [PureWindowsPath(ln.split("\t", 1)[0].strip()).name.casefold() for ln in lines if ln.strip()]


def _add_gpt(exps: dict[str, Experiment], path: Path) -> None:
    m = _GPT_RE.match(path.name)
    if not m:
        return
    e = exps.setdefault(m["exp"].casefold(), Experiment(m["exp"]))
    epoch = int(m["epoch"])
    if epoch > e.gpt_epoch:
        if e.gpt is not None:
            e.older_files.append(e.gpt)
        e.gpt, e.gpt_epoch = path, epoch
    else:
        e.older_files.append(path)


def _add_sovits(exps: dict[str, Experiment], path: Path) -> None:
    m = _SOVITS_RE.match(path.name)
    if not m:
        return
    e = exps.setdefault(m["exp"].casefold(), Experiment(m["exp"]))
    key = (int(m["epoch"]), int(m["step"]))
    if key > (e.sovits_epoch, e.sovits_step):
        if e.sovits is not None:
            e.older_files.append(e.sovits)
        e.sovits, e.sovits_epoch, e.sovits_step = path, key[0], key[1]
    else:
        e.older_files.append(path)


def _collect(root: Path) -> tuple[list[Path], dict[str, Experiment], dict[str, Path]]:
    """The .list files, the experiments (newest GPT / SoVITS weights each) and the training-log folders."""
    lists: list[Path] = []
    exps: dict[str, Experiment] = {}
    log_dirs: dict[str, Path] = {}
    for folder, files in _walk(root):
        parent = folder.name
        for name in files:
            path = folder / name
            low = name.lower()
            if low.endswith(".list") and len(lists) < MAX_LIST_FILES:
                lists.append(path)
            elif low.endswith(".ckpt") and parent.lower().startswith("gpt_weights"):
                _add_gpt(exps, path)
            elif low.endswith(".pth") and parent.lower().startswith("sovits_weights"):
                _add_sovits(exps, path)
        if folder.parent.name.lower() == "logs" and folder != root:
            log_dirs[parent.casefold()] = folder
    return lists, exps, log_dirs


def _match_speakers(exps: dict[str, Experiment], log_dirs: dict[str, Path], speakers: Counter,
                    clip_owner: dict[str, str], list_owner: dict[str, str], problems: list[str]) -> None:
    """Give each experiment its speaker: by name, else by its training log's clips, else by a .list's name."""
    by_name = {s.casefold(): s for s in speakers}
    for key, e in sorted(exps.items()):
        e.log_dir = log_dirs.get(key)
        if key in by_name:
            e.speaker, e.matched_by = by_name[key], "name"
        elif e.log_dir is not None and (owners := Counter(clip_owner[c] for c in _trained_clips(e.log_dir) if c in clip_owner)):
            e.speaker, e.matched_by = owners.most_common(1)[0][0], "training-log"
        elif key in list_owner:
            e.speaker, e.matched_by = list_owner[key], "list-name"
        if not e.complete:
            missing = "GPT (.ckpt)" if e.gpt is None else "SoVITS (.pth)"
            problems.append(f"experiment '{e.name}' has no {missing} file; it is skipped")
        elif e.speaker is None:
            problems.append(f"experiment '{e.name}' matches no speaker of the .list files; its model is skipped "
                            "(a voice needs reference clips)")


def _one_experiment_per_speaker(exps: dict[str, Experiment], problems: list[str]) -> None:
    """Two experiments of one speaker: the one matched by name (else the first by name) is used."""
    taken: dict[str, str] = {}
    for e in sorted(exps.values(), key=lambda x: (x.matched_by != "name", x.name.casefold())):
        if e.speaker is None or not e.complete:
            continue
        other = taken.get(e.speaker.casefold())
        if other is not None:
            problems.append(f"experiments '{other}' and '{e.name}' both belong to speaker '{e.speaker}'; "
                            f"'{other}' is used, '{e.name}' is skipped")
            e.speaker, e.matched_by = None, ""
        else:
            taken[e.speaker.casefold()] = e.name


def scan(root: str | os.PathLike) -> ScanResult:
    root = Path(root).expanduser()
    if not root.is_dir():
        raise InvalidInput(f"{root} is not a folder.", hint="Give the GPT-SoVITS folder (the one with GPT_weights*/ and SoVITS_weights*/).")
    lists, exps, log_dirs = _collect(root)
    speakers: Counter = Counter()
    clip_owner: dict[str, str] = {}
    list_owner: dict[str, str] = {}
    for lst in lists:
        counts, by_clip = _list_speakers(lst)
        speakers.update(counts)
        clip_owner.update(by_clip)
        if counts:
            list_owner[lst.stem.casefold()] = counts.most_common(1)[0][0]
    problems: list[str] = []
    _match_speakers(exps, log_dirs, speakers, clip_owner, list_owner, problems)
    _one_experiment_per_speaker(exps, problems)
    if not lists:
        problems.append("no .list annotation files were found, so no voices can be created")
    return ScanResult(root, lists, dict(sorted(speakers.items())), sorted(exps.values(), key=lambda x: x.name.casefold()), problems)
