"""What an import is asked to read: files, folders, GPT-SoVITS ``.list`` files and voice packs.

:func:`discover` turns the paths given to an import into :class:`SourceItem` s (one
recording each, with the voice it belongs to and whatever is known about it) and
:class:`PackItem` s. Problems found here (a missing path, a ``.list`` line with a
missing file) become items that carry an ``error``, so they are reported per file
like any other rejection.

Rules:
* a folder without ``--voice``: each sub-folder holding audio is a voice named after
  it (its own sub-folders belong to it, e.g. ``alice/happy/01.wav``); audio lying
  directly in the folder is a voice named after the folder. With ``--voice`` every
  audio file below the folder goes to that voice.
* loose audio files need ``--voice`` (a file name is rarely a voice name).
* a ``.list`` (``path|speaker|lang|text``): one voice per speaker, or all lines into
  ``--voice``. Paths are taken as written (absolute, or relative to the list's folder);
  when that file does not exist (lists written on another machine, e.g.
  ``D:\\GPT-SoVITS\\output\\slicer_opt\\a.wav``) the file of the same name in the
  list's folder is used.
* a sidecar ``NAME.txt``/``NAME.lab`` next to ``NAME.wav`` is its transcript.
* emotion: ``--emotion``, else guessed from the folders below the voice folder and
  the file name (``happy/03.wav``, ``clip_sad.wav``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath

from ..errors import InvalidInput
from ..fsutil import read_bounded
from .emotions import emotion_from_name
from .languages import normalize_language
from .text import check_voice_name, clean_transcript, printable

AUDIO_EXTENSIONS = {".wav", ".wave", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".aif", ".aiff", ".aifc", ".au", ".w64", ".caf"}
LIST_EXTENSIONS = {".list"}
PACK_EXTENSIONS = {".timbrel"}
SIDECAR_EXTENSIONS = (".txt", ".lab")
MAX_SIDECAR_BYTES = 64 * 1024
MAX_LIST_BYTES = 64 * 1024 * 1024


@dataclass
class SourceItem:
    """One recording to import (or a line/path that could not become one: ``error`` says why)."""

    path: Path | None
    voice: str | None
    display: str  # what the user will recognise: a path, or "list.list:12"
    transcript: str = ""
    language: str | None = None
    emotion: str | None = None
    line: int | None = None
    split: bool = True  # recordings with a transcript are never split
    error: str | None = None


@dataclass
class PackItem:
    path: Path
    voice: str | None  # --voice: the name to import the pack's voice as
    display: str


def _is_audio(p: Path) -> bool:
    return p.suffix.lower() in AUDIO_EXTENSIONS and not p.name.startswith(".")


def _sidecar_transcript(audio: Path) -> str:
    for ext in SIDECAR_EXTENSIONS:
        side = audio.with_suffix(ext)
        try:
            if side.exists():
                return clean_transcript(read_bounded(side, MAX_SIDECAR_BYTES).decode("utf-8-sig"))
        except (OSError, UnicodeDecodeError, InvalidInput):
            continue  # an unusable sidecar is ignored: the clip imports without a transcript
    return ""


def _guess_emotion(parts: list[str]) -> str | None:
    for part in reversed(parts):  # the file name first, then the folders nearest to it
        found = emotion_from_name(part)
        if found:
            return found
    return None


def _file_item(path: Path, voice: str | None, rel_parts: list[str], language: str | None, emotion: str | None) -> SourceItem:
    transcript = _sidecar_transcript(path)
    return SourceItem(
        path=path, voice=voice, display=str(path), transcript=transcript, language=language,
        emotion=emotion or _guess_emotion(rel_parts), split=not transcript,
    )


def _walk_audio(folder: Path) -> list[Path]:
    out = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        out.extend(Path(dirpath) / f for f in sorted(filenames) if _is_audio(Path(f)))
    return out


def _folder_items(folder: Path, voice: str | None, language: str | None, emotion: str | None) -> list[SourceItem]:
    if voice:
        return [
            _file_item(p, voice, list(p.relative_to(folder).with_suffix("").parts), language, emotion)
            for p in _walk_audio(folder)
        ]
    items: list[SourceItem] = []
    try:
        entries = sorted(folder.iterdir())
    except OSError as exc:
        return [SourceItem(None, None, str(folder), error=f"cannot read the folder: {exc.strerror or exc}")]
    loose = [p for p in entries if p.is_file() and _is_audio(p)]
    for p in loose:
        items.append(_file_item(p, folder.resolve().name, [p.stem], language, emotion))
    for sub in entries:
        if sub.is_dir() and not sub.name.startswith("."):
            for p in _walk_audio(sub):
                items.append(_file_item(p, sub.name, list(p.relative_to(sub).with_suffix("").parts), language, emotion))
    if not items:
        items.append(SourceItem(None, voice, str(folder), error="no audio files in this folder (WAV, FLAC, OGG, MP3...)"))
    return items


def resolve_list_path(raw: str, list_dir: Path) -> Path | None:
    """Where a ``.list`` line's audio is: as written, relative to the list, or by file name in the list's folder."""
    raw = raw.strip().strip('"')
    if not raw:
        return None
    p = Path(raw if os.name == "nt" else raw.replace("\\", "/"))
    candidates = [p if p.is_absolute() else list_dir / p]
    name = PureWindowsPath(raw).name
    if name:
        candidates.append(list_dir / name)
    for c in candidates:
        if c.is_file():
            return c
    return None


def read_list(path: Path, voice: str | None, language: str | None, emotion: str | None) -> list[SourceItem]:
    """Items of a GPT-SoVITS annotation list (one per non-empty line)."""
    display = str(path)
    try:
        text = read_bounded(path, MAX_LIST_BYTES).decode("utf-8-sig")
    except UnicodeDecodeError:
        return [SourceItem(None, None, display, error="the list is not UTF-8 text (GPT-SoVITS writes UTF-8)")]
    except InvalidInput as exc:
        return [SourceItem(None, None, display, error=exc.message)]
    items: list[SourceItem] = []
    list_dir = path.parent
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        where = f"{display}:{number}"
        fields = line.split("|", 3)
        if len(fields) < 4:
            items.append(SourceItem(None, None, where, line=number,
                                    error=f"line {number}: expected 'path|speaker|language|text', got {len(fields)} field(s)"))
            continue
        raw, speaker, lang, text_ = (f.strip() for f in fields)
        # Each field is checked here, so a bad line is rejected on its own (with its number) and
        # the rest of the list still imports. Nothing from the line is echoed unescaped.
        try:
            name = voice or check_voice_name(speaker)
        except InvalidInput as exc:
            items.append(SourceItem(None, None, where, line=number,
                                    error=f"line {number}: the speaker name '{printable(speaker, 40)}' is not usable: "
                                          f"{exc.message}"))
            continue
        try:
            clip_lang = language or normalize_language(lang)
            transcript = clean_transcript(text_)
        except InvalidInput as exc:
            items.append(SourceItem(None, name, where, line=number, error=f"line {number}: {printable(exc.message)}"))
            continue
        audio = resolve_list_path(raw, list_dir)
        if audio is None:
            items.append(SourceItem(None, name, where, line=number,
                                    error=f"line {number}: audio file not found: {printable(raw, 1000)}"))
            continue
        items.append(SourceItem(
            path=audio, voice=name, display=where, transcript=transcript, language=clip_lang,
            emotion=emotion or emotion_from_name(audio.stem), line=number, split=False,
        ))
    if not items:
        items.append(SourceItem(None, None, display, error="the list has no entries"))
    return items


def discover(paths: list[str | os.PathLike], voice: str | None, language: str | None, emotion: str | None) -> list[SourceItem | PackItem]:
    """Expand the paths of one import into items, in order."""
    items: list[SourceItem | PackItem] = []
    for raw in paths:
        path = Path(raw).expanduser()
        display = str(path)
        if not path.exists():
            items.append(SourceItem(None, voice, display, error="no such file or folder"))
        elif path.is_dir():
            items.extend(_folder_items(path, voice, language, emotion))
        elif path.suffix.lower() in PACK_EXTENSIONS:
            items.append(PackItem(path, voice, display))
        elif path.suffix.lower() in LIST_EXTENSIONS:
            items.extend(read_list(path, voice, language, emotion))
        else:  # anything else is tried as audio: a non-audio file is rejected with a clear reason
            if not voice:
                raise InvalidInput(
                    f"Name the voice that {path.name} belongs to.",
                    hint=f"timbrel import '{path}' --voice NAME (folders and .list files name their voices themselves).",
                )
            items.append(_file_item(path, voice, [path.stem], language, emotion))
    return items

