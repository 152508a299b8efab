"""Recognising GPT-SoVITS dataset folders before an import (``engine.library.dataset_folders``).

A folder given to an import is first *inspected* (:func:`inspect_folder`) and classified:

* ``lists`` — the folder (or its sub-folders, two levels deep) holds GPT-SoVITS annotation lists
  (``path|speaker|language|text``) whose lines point at audio that exists, and no audio lies outside what the
  lists name. The folder is imported through its lists: one voice per speaker, transcripts and languages kept.
* ``upstream`` — GPT-SoVITS' own output folder: ``slicer_opt/`` (the slicer's clips) next to ``asr_opt/*.list``
  (the ASR's transcripts, whose paths were written on the machine that ran it, e.g. ``D:\\GPT-SoVITS\\output\\
  slicer_opt\\a.wav``). The list lines are matched to the clips in ``slicer_opt`` by file name: one step.
  Pointing at ``slicer_opt`` or ``asr_opt`` alone works too when the other one lies beside it.
* ``voices`` — no lists: one voice per sub-folder (the plain folder rule of :mod:`.sources`).
* ``unclear`` — lists and audio that do not fit together (lists naming missing files, or audio that no list
  names). Nothing is merged silently: :func:`expand_paths` raises :class:`LayoutUnclear` carrying the dry-run
  :class:`FolderLayout` summary, and the caller asks the user which reading to use
  (``layout="lists"`` or ``layout="folders"``).

:func:`expand_paths` is the hook the importer calls: it turns the paths of one import into the items
:func:`engine.library.sources.discover` would make, with dataset folders read through their lists.
"""

from __future__ import annotations

import logging
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path, PureWindowsPath
from typing import Any

from ..errors import InvalidInput
from ..fsutil import read_bounded
from .sources import LIST_EXTENSIONS, MAX_LIST_BYTES, SourceItem, _is_audio, discover, read_list
from .text import clean_transcript

log = logging.getLogger(__name__)

LAYOUTS = ("auto", "lists", "folders")
MAX_DEPTH = 2            # how deep below the folder .list files are looked for
MAX_AUDIO_SCAN = 200_000


class LayoutUnclear(InvalidInput):
    """The folder's layout has more than one reading; ``layout`` (a :class:`FolderLayout`) says what was found."""

    def __init__(self, layout: "FolderLayout") -> None:
        super().__init__(
            f"'{layout.folder}' holds GPT-SoVITS lists and audio that do not fit together: " + layout.problem,
            hint=f"Choose how to read it: import through its lists (timbrel import '{layout.folder}' --layout lists) "
                 f"or one voice per sub-folder (timbrel import '{layout.folder}' --layout folders). "
                 f"Add --dry-run to see what either would do.",
        )
        self.layout = layout


@dataclass
class ListSummary:
    path: str
    lines: int
    speakers: dict[str, int]           # speaker → lines
    languages: dict[str, int]          # language as written → lines
    missing: int                       # lines whose audio was not found
    with_text: int                     # lines with a transcript


@dataclass
class FolderLayout:
    """What an import would find in a folder (a dry-run summary; nothing is read but the lists)."""

    folder: str
    kind: str                                          # lists | upstream | voices | unclear | empty
    lists: list[ListSummary] = field(default_factory=list)
    audio_files: int = 0                               # audio files below the folder
    audio_named: int = 0                               # of those, named by a list
    audio_unlisted: list[str] = field(default_factory=list)   # a few examples (relative paths)
    subfolder_voices: list[str] = field(default_factory=list)  # what the folder rule would make
    search_dirs: list[str] = field(default_factory=list)  # where list lines' audio is looked up by name
    problem: str = ""

    @property
    def speakers(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for s in self.lists:
            for k, n in s.speakers.items():
                out[k] = out.get(k, 0) + n
        return out

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["speakers"] = self.speakers
        return d

    def describe(self) -> str:
        """A few lines a person reads before deciding."""
        lines = [f"{self.folder}: {self._kind_text()}"]
        for s in self.lists:
            spk = ", ".join(f"{k} ({n})" for k, n in sorted(s.speakers.items())[:8])
            more = f" and {len(s.speakers) - 8} more" if len(s.speakers) > 8 else ""
            langs = ", ".join(f"{k} {n}" for k, n in sorted(s.languages.items()))
            lines.append(f"  list {s.path}: {s.lines} line{'s' if s.lines != 1 else ''}, "
                         f"{len(s.speakers)} speaker{'s' if len(s.speakers) != 1 else ''}: {spk}{more}; languages {langs or '-'}"
                         + (f"; {s.missing} line{'s' if s.missing != 1 else ''} name audio that is not there" if s.missing else ""))
        lines.append(f"  audio files: {self.audio_files}, named by a list: {self.audio_named}")
        if self.audio_unlisted:
            lines.append("  not in any list: " + ", ".join(self.audio_unlisted[:5])
                         + (" ..." if self.audio_files - self.audio_named > 5 else ""))
        if self.subfolder_voices and self.kind in ("unclear", "voices"):
            lines.append(f"  as folders: {len(self.subfolder_voices)} voice{'s' if len(self.subfolder_voices) != 1 else ''} ("
                         + ", ".join(self.subfolder_voices[:6]) + (" ..." if len(self.subfolder_voices) > 6 else "") + ")")
        return "\n".join(lines)

    def _kind_text(self) -> str:
        return {
            "lists": "a GPT-SoVITS dataset; it is imported through its list(s), one voice per speaker",
            "upstream": "GPT-SoVITS output (slicer_opt + asr_opt); the ASR list is matched to the sliced clips",
            "voices": "one voice per sub-folder",
            "unclear": "unclear layout: " + self.problem,
            "empty": "no audio and no lists",
        }[self.kind]


# -- inspection -----------------------------------------------------------------------------------------------------
def _find_lists(folder: Path) -> list[Path]:
    out: list[Path] = []
    base_depth = len(folder.parts)
    for dirpath, dirnames, filenames in os.walk(folder):
        depth = len(Path(dirpath).parts) - base_depth
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".")) if depth < MAX_DEPTH else []
        out.extend(Path(dirpath) / f for f in sorted(filenames)
                   if Path(f).suffix.lower() in LIST_EXTENSIONS and not f.startswith("."))
    return out


def _walk_audio(folder: Path) -> list[Path]:
    out: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        out.extend(Path(dirpath) / f for f in sorted(filenames) if _is_audio(Path(f)))
        if len(out) > MAX_AUDIO_SCAN:
            break
    return out


def _upstream_dirs(folder: Path) -> tuple[Path, Path] | None:
    """(slicer_opt, asr_opt) when ``folder`` is GPT-SoVITS' output folder or one of those two inside it."""
    name = folder.name.casefold()
    if name == "slicer_opt" and (folder.parent / "asr_opt").is_dir():
        return folder, folder.parent / "asr_opt"
    if name == "asr_opt" and (folder.parent / "slicer_opt").is_dir():
        return folder.parent / "slicer_opt", folder
    if (folder / "slicer_opt").is_dir() and (folder / "asr_opt").is_dir():
        return folder / "slicer_opt", folder / "asr_opt"
    return None


def _split_line(line: str) -> list[str] | None:
    if not line.strip() or line.lstrip().startswith("#"):
        return None
    fields = line.split("|", 3)
    return fields if len(fields) == 4 else None


def _resolve(raw: str, list_dir: Path, search: list[Path]) -> Path | None:
    raw = raw.strip().strip('"')
    if not raw:
        return None
    p = Path(raw if os.name == "nt" else raw.replace("\\", "/"))
    candidates = [p if p.is_absolute() else list_dir / p]
    name = PureWindowsPath(raw).name
    if name:
        candidates += [list_dir / name] + [d / name for d in search]
    for c in candidates:
        if c.is_file():
            return c
    return None


def _summarise_list(path: Path, search: list[Path]) -> tuple[ListSummary, set[Path]]:
    try:
        text = read_bounded(path, MAX_LIST_BYTES).decode("utf-8-sig")  # regular files only, bounded
    except (InvalidInput, UnicodeDecodeError):
        return ListSummary(str(path), 0, {}, {}, 0, 0), set()
    speakers: dict[str, int] = {}
    langs: dict[str, int] = {}
    named: set[Path] = set()
    lines = missing = with_text = 0
    for line in text.splitlines():
        fields = _split_line(line)
        if fields is None:
            continue
        raw, spk, lang, txt = (f.strip() for f in fields)
        lines += 1
        speakers[spk] = speakers.get(spk, 0) + 1
        langs[lang] = langs.get(lang, 0) + 1
        with_text += bool(txt)
        audio = _resolve(raw, path.parent, search)
        if audio is None:
            missing += 1
        else:
            named.add(audio.resolve())
    return ListSummary(str(path), lines, speakers, langs, missing, with_text), named


def inspect_folder(folder: str | os.PathLike) -> FolderLayout:
    """Classify ``folder`` (see the module docstring). Reads the lists and the directory tree, no audio."""
    folder = Path(folder).expanduser()
    up = _upstream_dirs(folder)
    if up is not None:
        slicer, asr = up
        lists = _find_lists(asr)
        search = [slicer]
        audio_root = slicer
    else:
        lists = _find_lists(folder)
        search = []
        audio_root = folder
    audio = _walk_audio(audio_root)
    layout = FolderLayout(str(folder), "voices", audio_files=len(audio), search_dirs=[str(d) for d in search])
    try:
        layout.subfolder_voices = sorted(p.name for p in audio_root.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError as exc:      # an unreadable folder has no subfolder voices to offer (its files were walked above)
        log.debug("cannot list the subfolders of %s: %s", audio_root, exc)
    if not lists:
        layout.kind = "voices" if audio else "empty"
        return layout
    named: set[Path] = set()
    for lp in lists:
        summary, found = _summarise_list(lp, search)
        if summary.lines:
            layout.lists.append(summary)
            named |= found
    if not layout.lists:
        layout.kind = "voices" if audio else "empty"
        return layout
    _judge(layout, audio, audio_root, named, upstream=up is not None)
    return layout


def _judge(layout: FolderLayout, audio: list[Path], audio_root: Path, named: set[Path], *, upstream: bool) -> None:
    """A folder with lists: clearly a dataset when its lists name its audio and its audio is in its lists;
    otherwise ``unclear``, with the reason in ``problem``."""
    resolved = [p.resolve() for p in audio]
    layout.audio_named = sum(1 for p in resolved if p in named)
    unlisted = [p for p, r in zip(audio, resolved) if r not in named]
    layout.audio_unlisted = [str(p.relative_to(audio_root)) for p in unlisted[:20]]
    missing = sum(s.missing for s in layout.lists)
    total = sum(s.lines for s in layout.lists)
    problems = []
    if missing:
        problems.append(f"{missing} of {total} list line{'s' if total != 1 else ''} name audio that is not there")
    if unlisted:
        problems.append(f"{len(unlisted)} of {len(audio)} audio file{'s' if len(audio) != 1 else ''} are in no list")
    if missing == total:
        problems.insert(0, "no list line names an audio file found here")
    if problems:
        layout.kind = "unclear"
        layout.problem = "; ".join(problems)
    else:
        layout.kind = "upstream" if upstream else "lists"


# -- the importer's hook ------------------------------------------------------------------------------------------
def _list_items(layout: FolderLayout, voice: str | None, language: str | None, emotion: str | None) -> list:
    search = [Path(d) for d in layout.search_dirs]
    items: list = []
    for s in layout.lists:
        lp = Path(s.path)
        got = read_list(lp, voice, language, emotion)
        if search:
            got = [_relink(it, lp, search) for it in got]
        items.extend(got)
    return items


def _relink(item: SourceItem, list_path: Path, search: list[Path]) -> SourceItem:
    """A list line whose audio was not found where written: look for the file of that name in ``search``."""
    if item.path is not None or item.line is None or not (item.error or "").startswith(f"line {item.line}: audio file not found"):
        return item
    raw = item.error.split("audio file not found: ", 1)[1]
    audio = _resolve(raw, list_path.parent, search)
    if audio is None:
        return item
    from .emotions import emotion_from_name

    try:
        text = read_bounded(list_path, MAX_LIST_BYTES).decode("utf-8-sig").splitlines()[item.line - 1]
        fields = _split_line(text) or ["", "", "", ""]
        transcript = clean_transcript(fields[3])
    except (InvalidInput, UnicodeDecodeError, IndexError):
        return item
    lang = item.language
    if lang is None:
        from .languages import normalize_language

        try:
            lang = normalize_language(fields[2])
        except InvalidInput:
            lang = None
    return SourceItem(path=audio, voice=item.voice, display=item.display, transcript=transcript, language=lang,
                      emotion=emotion_from_name(audio.stem), line=item.line, split=False)


def expand_paths(paths, voice: str | None, language: str | None, emotion: str | None, layout: str = "auto") -> list:
    """The items of one import, dataset folders read through their lists (see the module docstring).

    ``layout``: ``auto`` (read lists where the folder is clearly a dataset, ask otherwise), ``lists`` (read a folder's
    lists and ignore audio they do not name), ``folders`` (the plain folder rule, lists ignored)."""
    if layout not in LAYOUTS:
        raise InvalidInput(f"Unknown folder layout '{layout}'.", hint="Use auto, lists or folders.")
    items: list = []
    for raw in paths:
        path = Path(raw).expanduser()
        if layout == "folders" or not path.is_dir():
            items.extend(discover([raw], voice, language, emotion))
            continue
        found = inspect_folder(path)
        if found.kind in ("lists", "upstream") or (layout == "lists" and found.lists):
            items.extend(_list_items(found, voice, language, emotion))
        elif found.kind == "unclear":
            raise LayoutUnclear(found)
        else:
            items.extend(discover([raw], voice, language, emotion))
    return items
