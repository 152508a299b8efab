"""Timbrel voice packs (``.timbrel``): one voice in a zip file, to share or back up.

Layout::

    manifest.json          format, format_version, generator, created_at,
                           voice {name, language, notes, tags},
                           clips [{file, sha256, bytes, transcript, language, emotion,
                                   emotion_source, duration, sample_rate}]
    clips/<sha256>.flac    each clip's stored FLAC, byte for byte (stored, not deflated)

Reading a pack trusts nothing in it. Entries are read into memory and stored in the blob
store by hash, never extracted by name, so an entry cannot land outside the library; even
so a pack is refused whole when an entry name is absolute, has ``..`` (or ``.``, empty,
backslash, drive) parts, is a symlink, appears twice, is not one of the names above, or
is not listed in the manifest; when the entries add up to more than ``MAX_TOTAL_BYTES``
uncompressed, one is over ``MAX_ENTRY_BYTES``, or compresses more than ``MAX_RATIO`` : 1
(a zip bomb); when a clip's bytes do not hash to its name, or it is not a mono FLAC
reference of plausible rate and length. The voice is then created in one transaction.
"""

from __future__ import annotations

import io
import json
import re
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..errors import AlreadyExists, AudioError, InvalidInput, StorageError, UnsafeFile
from ..fsutil import atomic_write_with, open_regular
from ..safejson import loads_bounded
from .blobs import sha256_bytes
from .catalog import utc_now
from .emotions import EMOTION_SOURCES, normalize_emotion
from .import_report import IMPORTED, ClipResult, FileResult, VoiceResult
from .languages import normalize_language
from .models import clip_metadata
from .uncommitted import DryRunBlobs, UncommittedBlobs
from .text import MAX_NAME, MAX_TRANSCRIPT, check_voice_name, clean_transcript

if TYPE_CHECKING:
    from .library import Library

FORMAT = "timbrel.voice-pack"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
CLIP_DIR = "clips/"
MAX_ENTRIES = 4096
MAX_MANIFEST_BYTES = 8 << 20
MAX_ENTRY_BYTES = 64 << 20
MAX_TOTAL_BYTES = 1 << 30
MAX_RATIO = 100
MIN_RATE, MAX_RATE = 8_000, 48_000
MAX_CLIP_SECONDS = 30.0
MAX_TEXT = MAX_TRANSCRIPT
MAX_MANIFEST_DEPTH = 8  # format_version 1 nests 4 deep (clips → clip → fields)
_CLIP_NAME = re.compile(r"clips/([0-9a-f]{64})\.flac")


# -- export --------------------------------------------------------------------------------------
def export_pack(library: "Library", voice: str | int, dest: Path, *, overwrite: bool = False) -> dict[str, Any]:
    """Write ``voice`` to ``dest`` atomically. Each clip is checked against its hash as it is copied."""
    v = library.voice(voice)
    if not v.clips:
        raise InvalidInput(f"'{v.name}' has no clips, and a pack needs at least one.",
                           hint=f"Add recordings first: timbrel import FILES --voice '{v.name}'.")
    dest = Path(dest).expanduser()
    if dest.is_dir():
        raise InvalidInput(f"{dest} is a folder.", hint="Give a file name, e.g. -o voice.timbrel.")
    if dest.exists() and not overwrite:
        raise AlreadyExists(f"{dest} already exists.", hint="Choose another file name, or add --force to replace it.")
    manifest = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "generator": f"timbrel {__version__}", "created_at": utc_now(),
        "voice": {"name": v.name, "language": v.language, "notes": v.notes, "tags": list(v.tags)},
        "clips": [],
    }
    payloads: list[tuple[str, str]] = []
    for c in v.clips:
        size = library.blobs.size(c.sha256) if library.blobs.exists(c.sha256) else 0
        manifest["clips"].append({
            "file": f"{CLIP_DIR}{c.sha256}.flac", "sha256": c.sha256, "bytes": size, **clip_metadata(c),
        })
        payloads.append((c.sha256, f"{CLIP_DIR}{c.sha256}.flac"))

    def write_zip(f) -> None:
        with zipfile.ZipFile(f, "w") as zf:
            _add(zf, MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8"), zipfile.ZIP_DEFLATED)
            seen = set()
            for sha, name in payloads:
                if sha in seen:
                    continue
                seen.add(sha)
                data = library.blobs.read_bytes(sha)
                if sha256_bytes(data) != sha:
                    raise StorageError(f"Clip {sha[:12]} of '{v.name}' is damaged in the library.",
                                       hint="Run 'timbrel doctor' to see what is damaged.")
                _add(zf, name, data, zipfile.ZIP_STORED)

    atomic_write_with(dest, write_zip)
    return {"path": str(dest), "voice": v.name, "clips": len(v.clips), "bytes": dest.stat().st_size}


def _add(zf: zipfile.ZipFile, name: str, data: bytes, method: int) -> None:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.compress_type = method
    info.external_attr = (stat.S_IFREG | 0o644) << 16
    zf.writestr(info, data)


# -- reading -------------------------------------------------------------------------------------
@dataclass
class PackClip:
    sha256: str
    data: bytes
    transcript: str
    language: str | None
    emotion: str | None
    emotion_source: str | None
    duration: float
    sample_rate: int


@dataclass
class Pack:
    name: str
    language: str | None
    notes: str
    tags: list[str]
    clips: list[PackClip]


def _refuse(path: Path, why: str) -> UnsafeFile:
    return UnsafeFile(f"{path.name} was refused: {why}.", hint="Only import voice packs from people you trust; ask for a fresh export.")


def _bad(path: Path, why: str) -> InvalidInput:
    return InvalidInput(f"{path.name} is not a usable Timbrel voice pack: {why}.")


def _check_entry_name(path: Path, info: zipfile.ZipInfo) -> None:
    name = info.filename
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise _refuse(path, f"entry '{name}' is a symbolic link")
    if "\\" in name or "\x00" in name or name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        raise _refuse(path, f"entry '{name}' has an absolute or Windows path")
    parts = name.rstrip("/").split("/")
    if any(p in ("", ".", "..") for p in parts):
        raise _refuse(path, f"entry '{name}' tries to leave the pack's folder")
    if name.endswith("/"):
        if name != CLIP_DIR:
            raise _refuse(path, f"unexpected folder '{name}'")
        return
    if name != MANIFEST and not _CLIP_NAME.fullmatch(name):
        raise _refuse(path, f"unexpected entry '{name}'")


def _str(value: Any, field_name: str, path: Path, limit: int = MAX_TEXT, optional: bool = True) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise _bad(path, f"'{field_name}' must be text of at most {limit} characters")
    return value


def _transcript(value: Any, i: int, path: Path) -> str:
    try:
        return clean_transcript(_str(value, "transcript", path) or "")
    except InvalidInput as exc:
        raise _bad(path, f"clip {i}: {exc.message.rstrip('.')}") from None


def read_pack(path: Path) -> Pack:
    """Open and fully validate a pack (see the module docstring). Raises UnsafeFile/InvalidInput."""
    path = Path(path)
    handle = open_regular(path)  # a device or FIFO named .timbrel is refused here, never read
    try:
        zf = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, zipfile.LargeZipFile) as exc:
        handle.close()
        raise _bad(path, f"it is not a zip file ({exc})") from exc
    except OSError as exc:
        handle.close()
        raise InvalidInput(f"Cannot read {path.name}: {exc.strerror or exc}.") from exc
    with handle, zf:
        infos = zf.infolist()
        names = [i.filename for i in infos]
        _check_entries(path, infos, names)
        manifest = _read_manifest(path, _read(zf, path, MANIFEST))
        listed = {c["file"] for c in manifest["clips"]}
        unlisted = [n for n in names if n.startswith(CLIP_DIR) and n != CLIP_DIR and n not in listed]
        if unlisted:
            raise _refuse(path, f"entry '{unlisted[0]}' is not listed in the manifest")
        present = set(names)
        clips = [_read_clip(path, zf, entry, present) for entry in manifest["clips"]]
    v = manifest["voice"]
    return Pack(v["name"], v["language"], v["notes"], v["tags"], clips)


def _check_entries(path: Path, infos: list[zipfile.ZipInfo], names: list[str]) -> None:
    """Refuse the pack before reading anything: too many, duplicate, unsafe, encrypted or oversized entries."""
    if len(infos) > MAX_ENTRIES:
        raise _refuse(path, f"it has {len(infos)} entries (at most {MAX_ENTRIES})")
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise _refuse(path, f"entry '{sorted(dupes)[0]}' appears twice")
    total = 0
    for info in infos:
        _check_entry_name(path, info)
        if info.flag_bits & 0x1:
            raise _bad(path, f"entry '{info.filename}' is encrypted")
        limit = MAX_MANIFEST_BYTES if info.filename == MANIFEST else MAX_ENTRY_BYTES
        if info.file_size > limit:
            raise _refuse(path, f"entry '{info.filename}' unpacks to {info.file_size} bytes (at most {limit})")
        if info.file_size > 65536 and info.file_size > MAX_RATIO * max(1, info.compress_size):
            raise _refuse(path, f"entry '{info.filename}' compresses {info.file_size // max(1, info.compress_size)}:1 (a zip bomb?)")
        total += info.file_size
    if total > MAX_TOTAL_BYTES:
        raise _refuse(path, f"it unpacks to {total} bytes (at most {MAX_TOTAL_BYTES})")
    if MANIFEST not in names:
        raise _bad(path, "it has no manifest.json")


def _read(zf: zipfile.ZipFile, path: Path, name: str) -> bytes:
    try:
        with zf.open(name) as f:
            return f.read(MAX_ENTRY_BYTES + 1)
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError) as exc:
        raise _bad(path, f"entry '{name}' is damaged ({exc})") from exc


def _read_manifest(path: Path, raw: bytes) -> dict[str, Any]:
    m = _manifest_header(path, raw)
    voice = m.get("voice")
    if not isinstance(voice, dict):
        raise _bad(path, "manifest.json has no voice")
    clips = m.get("clips")
    if not isinstance(clips, list):
        raise _bad(path, "'clips' must be a list")
    if not clips:
        raise _bad(path, "it has no clips (a voice needs at least one recording)")
    seen: set[str] = set()
    return {"voice": _manifest_voice(path, voice), "clips": [_manifest_clip(path, i, c, seen)
                                                            for i, c in enumerate(clips, start=1)]}


def _manifest_header(path: Path, raw: bytes) -> dict[str, Any]:
    """The parsed manifest, once its format and version are known to be ones this Timbrel reads."""
    try:
        m = loads_bounded(raw, "manifest.json", max_depth=MAX_MANIFEST_DEPTH)
    except InvalidInput as exc:
        raise _bad(path, exc.message.rstrip(".")) from None
    if not isinstance(m, dict) or m.get("format") != FORMAT:
        raise _bad(path, "manifest.json does not describe a Timbrel voice pack")
    version = m.get("format_version")
    if not isinstance(version, int) or version < 1:
        raise _bad(path, "manifest.json has no valid format_version")
    if version > FORMAT_VERSION:
        raise InvalidInput(f"{path.name} was made by a newer Timbrel (pack format {version}).", hint="Update Timbrel to import it.")
    return m


def _manifest_voice(path: Path, voice: dict[str, Any]) -> dict[str, Any]:
    name = _str(voice.get("name"), "voice.name", path, MAX_NAME, optional=False)
    try:
        name = check_voice_name(name)
    except InvalidInput as exc:
        raise _bad(path, f"voice.name: {exc.message.rstrip('.')}") from None
    tags = voice.get("tags") or []
    if not isinstance(tags, list) or len(tags) > 256 or not all(isinstance(t, str) and len(t) <= 100 for t in tags):
        raise _bad(path, "'voice.tags' must be a list of short texts")
    try:
        language = normalize_language(_str(voice.get("language"), "voice.language", path, 32))
    except InvalidInput as exc:
        raise _bad(path, exc.message.rstrip(".")) from None
    return {"name": name, "language": language, "notes": _str(voice.get("notes"), "voice.notes", path, 100_000) or "",
            "tags": tags}


def _manifest_clip(path: Path, i: int, c: Any, seen: set[str]) -> dict[str, Any]:
    """Clip ``i`` of the manifest, checked and normalised (``seen``: the hashes listed before it)."""
    if not isinstance(c, dict):
        raise _bad(path, f"clip {i} is not an object")
    sha = c.get("sha256")
    if not isinstance(sha, str) or not re.fullmatch(r"[0-9a-f]{64}", sha):
        raise _bad(path, f"clip {i} has no valid sha256")
    if sha in seen:
        raise _bad(path, f"clip {sha[:12]} is listed twice")
    seen.add(sha)
    if c.get("file", f"{CLIP_DIR}{sha}.flac") != f"{CLIP_DIR}{sha}.flac":
        raise _refuse(path, f"clip {i} names the file '{c.get('file')}' instead of its hash")
    try:
        emotion = normalize_emotion(_str(c.get("emotion"), "emotion", path, 40))
        lang = normalize_language(_str(c.get("language"), "language", path, 32))
    except InvalidInput as exc:
        raise _bad(path, f"clip {i}: {exc.message.rstrip('.')}") from None
    source = c.get("emotion_source")
    source = source if source in EMOTION_SOURCES else ("import" if emotion else None)
    return {
        "file": f"{CLIP_DIR}{sha}.flac", "sha256": sha, "transcript": _transcript(c.get("transcript"), i, path),
        "language": lang, "emotion": emotion, "emotion_source": source if emotion else None,
    }


def _read_clip(path: Path, zf: zipfile.ZipFile, entry: dict[str, Any], names: set[str]) -> PackClip:
    import numpy as np

    from ..audio.ingest import SILENT_PEAK_DBFS
    from ..audio.io import decode_audio
    from ..audio.vad import detect_speech

    sha = entry["sha256"]
    if entry["file"] not in names:
        raise _bad(path, f"clip {sha[:12]} is listed but missing")
    data = _read(zf, path, entry["file"])
    if sha256_bytes(data) != sha:
        raise _refuse(path, f"clip {sha[:12]} does not match its hash (damaged or altered)")
    if data[:4] != b"fLaC":
        raise _bad(path, f"clip {sha[:12]} is not FLAC")
    try:
        samples, sr = decode_audio(data, max_seconds=MAX_CLIP_SECONDS)
    except AudioError as exc:
        raise _bad(path, f"clip {sha[:12]}: {exc.message.rstrip('.')}") from None
    if not MIN_RATE <= sr <= MAX_RATE:
        raise _bad(path, f"clip {sha[:12]} is sampled at {sr} Hz (expected {MIN_RATE}–{MAX_RATE})")
    import soundfile as sf

    if sf.info(io.BytesIO(data)).channels != 1:
        raise _bad(path, f"clip {sha[:12]} is not mono")
    if not len(samples) or float(np.max(np.abs(samples))) <= 10 ** (SILENT_PEAK_DBFS / 20):
        raise _bad(path, f"clip {sha[:12]} is silent (its loudest sample is below {SILENT_PEAK_DBFS:.0f} dBFS)")
    if detect_speech(samples, sr).speech_span is None:
        raise _bad(path, f"clip {sha[:12]} contains no speech")
    return PackClip(sha, data, entry["transcript"], entry["language"], entry["emotion"], entry["emotion_source"],
                    round(len(samples) / sr, 3), sr)


# -- import --------------------------------------------------------------------------------------
@dataclass
class PackImport:
    file: FileResult
    voice: VoiceResult


def import_pack(library: "Library", path: Path, *, name: str | None = None, dry_run: bool = False) -> PackImport:
    """Create a voice from a pack (all or nothing). ``name`` imports it under another name;
    ``dry_run`` validates everything and reports, changing nothing."""
    pack = read_pack(path)
    target = (name or pack.name).strip()
    if library.has_voice(target):
        raise AlreadyExists(
            f"There is already a voice named '{target}'.",
            hint=f"Import the pack under another name: timbrel import '{path}' --voice NEWNAME",
        )
    staged = DryRunBlobs(library) if dry_run else UncommittedBlobs(library, target)
    result = FileResult(str(path), IMPORTED, voice=target)
    try:
        for c in pack.clips:
            _, written = staged.store(c.data, c.sha256)
            result.clips.append(ClipResult(
                sha256=c.sha256, status=IMPORTED, duration=c.duration, sample_rate=c.sample_rate,
                transcript=c.transcript, language=c.language, emotion=c.emotion, end=c.duration, stored_bytes=written,
            ))
        if dry_run:
            return PackImport(result, VoiceResult(target, "would-create", clips_added=len(pack.clips)))
        with library.edit_new(target, language=pack.language, summary=f"imported from {path.name}", action="import") as ed:
            if pack.tags:
                ed.set_tags(pack.tags)
            if pack.notes:
                ed.set_notes(pack.notes)
            for c, cr in zip(pack.clips, result.clips):
                staged.ensure(c.sha256, c.data)
                cr.clip_id = ed.add_clip(c.sha256, **clip_metadata(c), source_path=f"{path.name}:{c.sha256[:12]}",
                                         size=len(c.data))
    except BaseException:
        staged.rollback()
        raise
    staged.done()
    v = library.voice(target)
    return PackImport(result, VoiceResult(v.name, "created", clips_added=len(pack.clips), version=v.version))


__all__ = ["FORMAT", "FORMAT_VERSION", "Pack", "PackClip", "export_pack", "import_pack", "read_pack"]
