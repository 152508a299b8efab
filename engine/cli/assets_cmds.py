"""Commands for the GPT-SoVITS pretrained assets and the text frontend:
``assets link|status|download`` and ``frontend``."""

from __future__ import annotations

import argparse
import sys

from ..errors import InvalidInput
from . import Context, add_command


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("assets", help="GPT-SoVITS pretrained models and the emotion2vec+ model: link, status, download")
    asub = p.add_subparsers(dest="assets_command", metavar="ACTION")

    q = add_command(asub, "link", cmd_link, help="use an existing GPT-SoVITS pretrained_models folder or emotion2vec+ model folder")
    q.add_argument("path", nargs="?", help="the folder (with --emotion2vec: optional; the FunASR/ModelScope/Hugging Face caches are searched)")
    q.add_argument("--emotion2vec", action="store_true", help="link an emotion2vec+ model folder (found at or below PATH)")
    q.add_argument("--unlink-emotion2vec", action="store_true", help="stop using the linked emotion2vec+ model")

    add_command(asub, "status", cmd_status, help="what is present and what each missing piece disables")

    q = add_command(asub, "download", cmd_download, help="download the pretrained models (resumes; verifies sha256)")
    q.add_argument("--dest", metavar="DIR", help="folder to download into (default: Timbrel's data folder)")
    q.add_argument("--only", nargs="+", metavar="NAME", help="assets to fetch (hubert bert sv gpt_pretrained sovits_pretrained)")
    q.add_argument("--base-url", help="mirror to download from (file paths are appended)")
    q.add_argument("--manifest", metavar="FILE", help="JSON list of files with sha256 to fetch instead of the built-in list")
    q.add_argument("--no-link", action="store_true", help="do not link the folder afterwards")

    p.set_defaults(func=lambda args, ctx: cmd_status(args, ctx))

    p = add_command(sub, "frontend", cmd_frontend, help="show the GPT-SoVITS phones and ids of a text (debug pronunciations)")
    p.add_argument("text")
    p.add_argument("--lang", default="auto", help="zh, en, ja or auto (default)")


def _status_text(st) -> str:
    lines = [f"assets folder: {st.root or '(none linked)'}"]
    for i in st.items:
        mark = "ok     " if i.ok else ("BROKEN " if i.present else "missing")
        lines.append(f"  {mark} {i.name:18} {i.detail}")
        if not i.ok:
            lines.append(f"          without it: {i.disables}")
    if st.root:
        from ..assets import FRONTEND_TEXT

        lines.append("text frontend (fidelity with GPT-SoVITS):")
        lines.extend(f"  {FRONTEND_TEXT[v]}" for v in st.frontend().values())
    if not st.ready:
        lines.append("GPT-SoVITS synthesis is not available: run 'timbrel assets link PATH/GPT_SoVITS/pretrained_models' "
                     "or 'timbrel assets download'.")
    emo = next((i for i in st.items if i.name == "emotion2vec"), None)
    if emo is not None and not emo.ok:
        lines.append("Emotion recognition (emotion2vec+) is off: link a model folder with "
                     "'timbrel assets link --emotion2vec [FOLDER]'.")
    return "\n".join(lines)


def cmd_link(args, ctx: Context) -> int:
    if args.unlink_emotion2vec:
        ctx.engine.assets.unlink_emotion2vec()
        st = ctx.engine.assets.status()
        ctx.emit(st.to_dict(), lambda: "emotion2vec+ unlinked.\n" + _status_text(st))
        return 0
    if args.emotion2vec:
        ctx.engine.assets.link_emotion2vec(args.path)
        st = ctx.engine.assets.status()
        ctx.emit(st.to_dict(), lambda: "Linked.\n" + _status_text(st))
        return 0
    if not args.path:
        raise InvalidInput("Give the folder to link.", hint="timbrel assets link PATH/GPT_SoVITS/pretrained_models "
                           "(or --emotion2vec [FOLDER] for an emotion2vec+ model)")
    st = ctx.engine.assets.link(args.path)
    ctx.emit(st.to_dict(), lambda: "Linked.\n" + _status_text(st))
    return 0


def cmd_status(args, ctx: Context) -> int:
    st = ctx.engine.assets.status()
    ctx.emit(st.to_dict(), lambda: _status_text(st))
    return 0


def cmd_download(args, ctx: Context) -> int:
    manifest = None
    if args.manifest:
        from ..fsutil import read_bounded
        from ..safejson import loads_bounded

        try:
            manifest = loads_bounded(read_bounded(args.manifest, 16 << 20), f"The manifest {args.manifest}")
        except InvalidInput as exc:
            raise InvalidInput(exc.message,
                               hint='It is JSON: {"base_url": "...", "files": [{"path": "...", "sha256": "..."}]}.') from None
    last = {}

    def progress(path: str, done: int, total: int | None) -> None:
        step = done >> 22  # print about every 4 MiB
        if last.get(path) == step and (total is None or done < total):
            return
        last[path] = step
        if not getattr(args, "json", False):
            tot = f"/{total / 1e6:.1f}" if total else ""
            print(f"\r{path}: {done / 1e6:.1f}{tot} MB", end="", file=sys.stderr, flush=True)

    out = ctx.engine.assets.download(dest=args.dest, names=args.only, base_url=args.base_url, manifest=manifest,
                                     progress=progress, link=not args.no_link)
    if not getattr(args, "json", False):
        print(file=sys.stderr)
    ctx.emit(out, lambda: "\n".join(
        [f"{p}: {'already there' if r['skipped'] else 'downloaded'} (sha256 {r['sha256'][:16]}…)" for p, r in out["files"].items()]
        + [f"folder: {out['root']}" + (" (linked)" if out["linked"] else "")]))
    return 0


def cmd_frontend(args, ctx: Context) -> int:
    from ..backends.gptsovits.text import text_to_phones

    predictor = None
    g2pw_dir = ctx.engine.assets.optional_path("g2pw")
    bert_dir = ctx.engine.assets.optional_path("bert")
    if g2pw_dir is not None and bert_dir is not None:
        from ..backends.gptsovits.text.g2pw import G2PW

        predictor = G2PW(g2pw_dir, bert_dir)
    seq = text_to_phones(args.text, args.lang, zh_predictor=predictor)

    def text() -> str:
        lines = []
        for s in seq.segments:
            lines.append(f"[{s.language}] {s.text}")
            lines.append("  phones: " + " ".join(s.phones))
        lines.append("ids: " + " ".join(str(i) for i in seq.ids))
        return "\n".join(lines)

    ctx.emit(seq.to_dict(), text)
    return 0
