"""Library commands: import, voices, show, history, diff, revert, export, stats, doctor, and voice
management (rename, tag, untag, delete, clip set / clip remove)."""

from __future__ import annotations

import argparse
import sys

from . import Context, add_command
from ..errors import InvalidInput
from ..library.text import printable


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(
        sub, "import", cmd_import, help="import voices from audio files, folders, GPT-SoVITS .list files or .timbrel packs",
        description="Import voices. A folder gives one voice per sub-folder (or all into --voice); a GPT-SoVITS "
                    ".list gives one voice per speaker; a .timbrel pack gives its voice. Loose audio files need --voice.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--voice", metavar="NAME", help="put everything into this voice (or import a pack under this name)")
    p.add_argument("--lang", metavar="L", help="language of the clips (en, zh, ja, ko, yue, de...)")
    p.add_argument("--emotion", metavar="E", help="emotion label of the clips (otherwise guessed from folder/file names)")
    p.add_argument("--dry-run", action="store_true", help="check and report everything, change nothing")
    p.add_argument("--layout", choices=("auto", "lists", "folders"), default="auto",
                   help="how a folder is read: auto (through its GPT-SoVITS .list files when it is clearly a dataset, "
                        "else ask), lists (through its .list files), folders (one voice per sub-folder)")

    add_command(sub, "voices", cmd_voices, help="list the voices in the library")

    p = add_command(sub, "show", cmd_show, help="show one voice with its clips")
    p.add_argument("voice")

    p = add_command(sub, "history", cmd_history, help="list the versions of a voice")
    p.add_argument("voice")

    p = add_command(sub, "diff", cmd_diff, help="what changed in a voice between two versions")
    p.add_argument("voice")
    p.add_argument("old", type=int, metavar="VERSION")
    p.add_argument("new", type=int, nargs="?", metavar="NEWER", help="default: the current version")

    p = add_command(sub, "revert", cmd_revert, help="make a voice look as it did at an earlier version (recorded as a new version)")
    p.add_argument("voice")
    p.add_argument("version", type=int)

    p = add_command(sub, "export", cmd_export, help="write a voice to a .timbrel pack")
    p.add_argument("voice")
    p.add_argument("-o", "--output", required=True, metavar="FILE")
    p.add_argument("--force", action="store_true", help="replace FILE if it exists")

    add_command(sub, "stats", cmd_stats, help="voices, clips and stored bytes (total and per voice)")

    p = add_command(sub, "doctor", cmd_doctor, help="check the catalog against the stored blobs (hashes, missing files, leftovers)")
    p.add_argument("--repair", action="store_true", help="remove safe leftovers (unreferenced blobs, temp files, dead imports)")
    p.add_argument("--quick", action="store_true", help="do not re-hash every blob")

    p = add_command(sub, "rename", cmd_rename, help="rename a voice")
    p.add_argument("voice")
    p.add_argument("new_name", metavar="NEW_NAME")

    p = add_command(sub, "tag", cmd_tag, help="add tags to a voice")
    p.add_argument("voice")
    p.add_argument("tags", nargs="+", metavar="TAG")

    p = add_command(sub, "untag", cmd_untag, help="remove tags from a voice")
    p.add_argument("voice")
    p.add_argument("tags", nargs="+", metavar="TAG")

    p = add_command(sub, "delete", cmd_delete, help="delete a voice with its history (its audio is removed unless another voice uses it)")
    p.add_argument("voice")
    p.add_argument("--yes", action="store_true", help="confirm: the voice and its history cannot be restored")

    p = sub.add_parser("clip", help="change or remove one clip (ids are shown by 'timbrel show VOICE')")
    clip_sub = p.add_subparsers(dest="clip_command", metavar="ACTION", required=True)
    c = add_command(clip_sub, "set", cmd_clip_set, help="set a clip's emotion, transcript or language")
    c.add_argument("clip", type=int, metavar="CLIP_ID")
    c.add_argument("--emotion", metavar="E", help="emotion label ('none' clears it)")
    c.add_argument("--transcript", metavar="TEXT")
    c.add_argument("--lang", metavar="L", help="language ('none' clears it)")
    c = add_command(clip_sub, "remove", cmd_clip_remove, help="remove a clip from its voice (kept in the history: 'revert' brings it back)")
    c.add_argument("clip", type=int, metavar="CLIP_ID")


def cmd_voices(args, ctx: Context) -> int:
    lib = ctx.engine.library
    if args.json:
        # SQLite writes the JSON (10,000 voices, 80,000 clips: no clip objects, no second encoding pass)
        print(lib.voices_json())
        return 0
    voices = lib.voice_summaries()       # counts and sums from SQLite, clips never loaded
    if not voices:
        ctx.emit(None, "The library is empty. Add voices with 'timbrel import PATH'.")
        return 0
    lines = [f"{'voice':32} {'clips':>5} {'seconds':>8}  languages  tags"]
    for v in voices:
        lines.append(f"{v['name'][:32]:32} {v['clips']:5d} {v['seconds']:8.1f}  {','.join(v['languages']) or '-':9}  "
                     f"{','.join(v['tags'])}")
    ctx.emit(None, "\n".join(lines))
    return 0


def cmd_show(args, ctx: Context) -> int:
    v = ctx.engine.library.voice(args.voice)

    def text() -> str:
        lines = [f"{v.name}  (version {v.version}, {len(v.clips)} clips, {v.total_seconds:.1f} s)"]
        if v.tags:
            lines.append("tags: " + ", ".join(v.tags))
        for c in v.clips:
            emo = c.emotion or "-"
            lines.append(f"  #{c.id:<5} {c.duration:5.2f}s {c.language or '-':4} {emo:9} {c.transcript[:70]}")
        return "\n".join(lines)

    ctx.emit(v.to_dict(), text)
    return 0


def cmd_history(args, ctx: Context) -> int:
    hist = ctx.engine.library.history(args.voice)
    data = [h.to_dict() for h in hist]
    ctx.emit(data, lambda: "\n".join(f"v{h.version:<4} {h.created_at}  {h.action:10} {h.summary}" for h in hist))
    return 0


def cmd_revert(args, ctx: Context) -> int:
    lib = ctx.engine.library
    before = lib.voice(args.voice).version
    v = lib.revert(args.voice, args.version)
    if v.version == before:
        ctx.emit(v.to_dict(), f"'{v.name}' already matches version {args.version}; nothing was changed.")
    else:
        ctx.emit(v.to_dict(), f"'{v.name}' now matches version {args.version} (saved as version {v.version}).")
    return 0


# -- import / export --------------------------------------------------------------------------------
def cmd_import(args, ctx: Context) -> int:
    show_progress = not args.json and sys.stderr.isatty()

    def progress(done: int, total: int, path: str) -> None:
        if show_progress:
            print(f"\r[{done}/{total}] {printable(path[-60:]):60}", end="" if done < total else "\n", file=sys.stderr, flush=True)

    from ..library.dataset_folders import LayoutUnclear

    layout = args.layout
    try:
        report = ctx.engine.importer.import_paths(
            args.paths, voice=args.voice, language=args.lang, emotion=args.emotion, progress=progress,
            dry_run=args.dry_run, layout=layout,
        )
    except LayoutUnclear as exc:
        layout = _ask_layout(exc, args)   # a dry-run summary, then the question (or the error when nobody can answer)
        report = ctx.engine.importer.import_paths(
            args.paths, voice=args.voice, language=args.lang, emotion=args.emotion, progress=progress,
            dry_run=args.dry_run, layout=layout,
        )

    def text() -> str:
        lines = []
        for v in report.voices:
            if v.status in ("created", "updated"):
                lines.append(f"{v.name}: {v.status}, {v.clips_added} clip(s) added (version {v.version})")
            elif v.status in ("would-create", "would-update"):
                done = "created" if v.status == "would-create" else "updated"
                lines.append(f"{v.name}: would be {done} with {v.clips_added} clip(s)")
            elif v.status == "unchanged":
                lines.append(f"{v.name}: unchanged (everything was already there)")
        dup = report.duplicates
        verb = ("would be imported", "would be stored") if report.dry_run else ("imported", "stored")
        lines.append(
            f"{report.clips_added} clip(s) {verb[0]}, {report.stored_bytes / 1e6:.2f} MB {verb[1]}"
            + (f", {dup} file(s) already in the library" if dup else "")
            + (f", {len(report.rejected)} file(s) rejected" if report.rejected else "")
            + (" (dry run: nothing was changed)" if report.dry_run else "")
        )
        return "\n".join(lines)

    ctx.emit(report.to_dict(), text)
    for f in report.files:
        for w in f.warnings:
            ctx.info(f"timbrel: warning: {f.path}: {w}")
    for f in report.rejected:
        ctx.info(f"timbrel: rejected {f.path}: {f.reason}")
    if report.rejected:
        ok = report.clips_added or report.duplicates
        ctx.info(f"timbrel: {len(report.rejected)} of {len(report.files)} file(s) were rejected"
                 + (" (the rest were imported)." if ok else "; nothing was imported."))
        return 1
    return 0


def _ask_layout(exc, args) -> str:
    """Show what an unclear folder holds and ask how to read it; without a terminal to ask on, re-raise."""
    print(exc.layout.describe(), file=sys.stderr)
    if args.json or not (sys.stdin.isatty() and sys.stderr.isatty()):
        raise exc
    answers = {"l": "lists", "lists": "lists", "f": "folders", "folders": "folders"}
    while True:
        print("Import through the lists [l], one voice per sub-folder [f], or cancel [c]? ", end="", file=sys.stderr, flush=True)
        answer = sys.stdin.readline().strip().casefold()
        if answer in answers:
            return answers[answer]
        if answer in ("", "c", "cancel", "q"):
            raise InvalidInput("Import cancelled: nothing was changed.", hint=exc.hint)


def cmd_export(args, ctx: Context) -> int:
    info = ctx.engine.importer.export(args.voice, args.output, overwrite=args.force)
    ctx.emit(info, f"Exported '{info['voice']}' ({info['clips']} clips, {info['bytes'] / 1e6:.2f} MB) to {info['path']}")
    return 0


# -- stats / doctor ---------------------------------------------------------------------------------
def _mb(n: int) -> str:
    return f"{n / 1e6:.2f} MB"


def cmd_stats(args, ctx: Context) -> int:
    s = {**ctx.library_info(), **ctx.engine.library.stats()}

    def text() -> str:
        lines = [
            f"library {s['library']} (from {s['library_source']})",
            f"{s['voices']} voices, {s['clips']} clips, {s['seconds'] / 60:.1f} min of reference audio",
            f"library on disk {_mb(s['total_bytes'])}  (clips {_mb(s['clip_bytes'])}, history only "
            f"{_mb(s['history_only_bytes'])}, other {_mb(s['other_bytes'])}, catalog {_mb(s['catalog_bytes'])})",
            f"per voice: median {_mb(s['median_voice_bytes'])}, p95 {_mb(s['p95_voice_bytes'])}, "
            f"max {_mb(s['max_voice_bytes'])}",
        ]
        if s["per_voice"]:
            lines.append(f"{'voice':32} {'clips':>5} {'seconds':>8} {'stored':>10}")
            for v in s["per_voice"]:
                lines.append(f"{v['name'][:32]:32} {v['clips']:5d} {v['seconds']:8.1f} {_mb(v['stored_bytes']):>10}")
        return "\n".join(lines)

    ctx.emit(s, text)
    return 0


def cmd_doctor(args, ctx: Context) -> int:
    where = ctx.library_info()
    rep = ctx.engine.library.check(repair=args.repair, verify_hashes=not args.quick)

    def text() -> str:
        lines = [f"library {where['library']} (from {where['library_source']})"]
        lines += [f"checked {rep.checked.get('voices', 0)} voices, {rep.checked.get('clips', 0)} clips, "
                 f"{rep.checked.get('blobs', 0)} blobs ({_mb(rep.checked.get('bytes', 0))})"]
        lines += [f"repaired: {r}" for r in rep.repaired]
        lines += [f"PROBLEM: {f.message}" for f in rep.problems]
        lines += [f"tidy-up: {f.message}" for f in rep.tidy]
        if rep.imports_running:
            lines.append(f"{rep.imports_running} import(s) are running; their files were left alone")
        if rep.clean:
            lines.append("The library is healthy.")
        elif rep.ok:
            lines.append("No damage. Run 'timbrel doctor --repair' to remove the leftovers." if not args.repair
                         else "No damage. Some recent leftovers are kept until they are older than 10 minutes.")
        return "\n".join(lines)

    ctx.emit({**where, **rep.to_dict()}, text)
    if not rep.ok:
        ctx.info(f"timbrel: the library has {len(rep.problems)} problem(s); see above. "
                 "Re-import the files (or pack) the damaged or missing clips came from: that replaces them; "
                 "otherwise restore the library from a backup.")
        return 1
    return 0


# -- managing voices --------------------------------------------------------------------------------
def cmd_rename(args, ctx: Context) -> int:
    lib = ctx.engine.library
    with lib.edit(args.voice, action="rename", summary=f"renamed to {args.new_name.strip()}") as ed:
        ed.rename(args.new_name)
    v = lib.voice(ed.voice_id)
    ctx.emit(v.to_dict(with_clips=False), f"Renamed to '{v.name}' (version {v.version}).")
    return 0


def _retag(args, ctx: Context, add: bool) -> int:
    lib = ctx.engine.library
    before = set(lib.voice(args.voice).tags)
    tags = [t.strip() for t in args.tags if t.strip()]
    changing = [t for t in tags if (t not in before) == add]
    if changing:
        verb = "tagged" if add else "untagged"
        with lib.edit(args.voice, action="tag", summary=f"{verb} {', '.join(changing)}") as ed:
            for t in changing:
                ed.add_tag(t) if add else ed.remove_tag(t)
    v = lib.voice(args.voice)
    ctx.emit(v.to_dict(with_clips=False), f"'{v.name}' tags: {', '.join(v.tags) or '(none)'}")
    return 0


def cmd_tag(args, ctx: Context) -> int:
    return _retag(args, ctx, add=True)


def cmd_untag(args, ctx: Context) -> int:
    return _retag(args, ctx, add=False)


def cmd_delete(args, ctx: Context) -> int:
    lib = ctx.engine.library
    v = lib.voice(args.voice)
    if not args.yes:
        raise InvalidInput(
            f"Deleting '{v.name}' removes the voice, its {len(v.clips)} clips and its whole history for good.",
            hint=f"Add --yes to confirm (export it first to keep a copy: timbrel export '{v.name}' -o FILE).",
        )
    res = lib.purge_voice(v.name)
    ctx.emit({"deleted": v.name, "blobs_removed": len(res.removed), "bytes_freed": res.bytes},
             f"Deleted '{v.name}' ({len(v.clips)} clips); freed {_mb(res.bytes)}.")
    return 0


def _clip_voice(lib, clip_id: int):
    return lib.voice(lib.clip(clip_id).voice_id)


def cmd_clip_set(args, ctx: Context) -> int:
    from ..library.languages import normalize_language

    lib = ctx.engine.library
    fields: dict = {}
    if args.emotion is not None:
        fields["emotion"] = None if args.emotion.strip().lower() in ("none", "") else args.emotion
        if fields["emotion"] is not None:
            fields["emotion_source"] = "user"
    if args.transcript is not None:
        fields["transcript"] = " ".join(args.transcript.split())
    if args.lang is not None:
        fields["language"] = None if args.lang.strip().lower() in ("none", "") else normalize_language(args.lang)
    if not fields:
        raise InvalidInput("Nothing to change.", hint="Give --emotion, --transcript and/or --lang.")
    voice = _clip_voice(lib, args.clip)
    with lib.edit(voice.id, action="clip", summary=f"changed clip {args.clip}: {', '.join(sorted(fields))}") as ed:
        ed.update_clip(args.clip, **fields)
    c = lib.clip(args.clip)
    ctx.emit(c.to_dict(), f"Clip {c.id} of '{voice.name}': {c.emotion or '-'} {c.language or '-'} {c.transcript[:60]}")
    return 0


def cmd_clip_remove(args, ctx: Context) -> int:
    lib = ctx.engine.library
    voice = _clip_voice(lib, args.clip)
    with lib.edit(voice.id, action="clip", summary=f"removed clip {args.clip}") as ed:
        ed.remove_clip(args.clip)
    v = lib.voice(voice.id)
    ctx.emit(v.to_dict(with_clips=False),
             f"Removed clip {args.clip} from '{v.name}' (version {v.version}; 'timbrel revert' can bring it back).")
    return 0


def cmd_diff(args, ctx: Context) -> int:
    d = ctx.engine.library.diff(args.voice, args.old, args.new)

    def text() -> str:
        lines = [f"version {d['from']} → {d['to']}"]
        for k, ch in d["fields"].items():
            lines.append(f"  {k}: {ch['from']!r} → {ch['to']!r}")
        lines += [f"  + tag {t}" for t in d["tags_added"]] + [f"  - tag {t}" for t in d["tags_removed"]]
        lines += [f"  + clip {c['sha256'][:12]} {c['transcript'][:50]}" for c in d["clips_added"]]
        lines += [f"  - clip {c['sha256'][:12]} {c['transcript'][:50]}" for c in d["clips_removed"]]
        for c in d["clips_changed"]:
            lines.append(f"  ~ clip {c['sha256'][:12]}: " + ", ".join(
                f"{k} {v['from']!r} → {v['to']!r}" for k, v in c["changes"].items()))
        if len(lines) == 1:
            lines.append("  (no differences)")
        return "\n".join(lines)

    ctx.emit(d, text)
    return 0

