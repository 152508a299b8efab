"""Base commands: ``bases``, ``base import``, ``base show``, ``base remove``, ``base assign``, ``base history``."""

from __future__ import annotations

import argparse

from ..errors import InvalidInput
from . import Context, add_command


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "bases", cmd_bases, help="list the stored bases (version, size, source hashes)")
    p.add_argument("--backend", help="only bases of this backend (gptsovits, preview, tone)")

    base = sub.add_parser("base", help="import, inspect, assign or remove a base")
    bsub = base.add_subparsers(dest="base_command", metavar="ACTION")
    base.set_defaults(func=lambda args, ctx: (base.print_help(), 2)[1])

    p = add_command(bsub, "import", cmd_import, help="convert a GPT-SoVITS GPT .ckpt + SoVITS .pth pair into a stored base")
    p.add_argument("--gpt", required=True, metavar="FILE.ckpt", help="GPT (text-to-semantic) weights")
    p.add_argument("--sovits", required=True, metavar="FILE.pth", help="SoVITS weights (v2, v2Pro, v2ProPlus; v1 works too)")
    p.add_argument("--name", required=True, help="name for the base")

    p = add_command(bsub, "show", cmd_show, help="show one base: variant, groups, sources, clusters it serves")
    p.add_argument("name")

    p = add_command(bsub, "remove", cmd_remove, help="delete a base (its weights too, unless another base shares them)")
    p.add_argument("name")
    p.add_argument("--force", action="store_true", help="also unassign it from the clusters it serves")

    p = add_command(bsub, "assign", cmd_assign, help="make a base serve a cluster (the previous assignment stays in history)")
    p.add_argument("cluster", type=int, help="cluster id")
    p.add_argument("name", nargs="?", help="base name (omit with --none to unassign)")
    p.add_argument("--none", action="store_true", help="leave the cluster without a base")

    p = add_command(bsub, "history", cmd_history, help="base assignment history of a cluster (or of all clusters)")
    p.add_argument("cluster", type=int, nargs="?")


def _mb(n: int) -> str:
    return f"{n / 1e3:.1f} kB" if n < 100_000 else f"{n / 1e6:.1f} MB"


def _sources(manifest: dict) -> dict:
    return {g: {"file": s.get("file"), "sha256": s.get("sha256")} for g, s in (manifest.get("sources") or {}).items()}


def _base_dict(store, rec) -> dict:
    man = store.manifest(rec)
    d = rec.to_dict()
    d["sources"] = _sources(man)
    d["clusters"] = store.clusters_of(rec)
    return d


def cmd_bases(args, ctx: Context) -> int:
    store = ctx.engine.bases
    recs = store.list(backend=args.backend)
    data = [_base_dict(store, r) for r in recs]

    def text() -> str:
        if not recs:
            return "No bases yet. Import one with 'timbrel base import --gpt FILE.ckpt --sovits FILE.pth --name NAME'."
        width = max(len("base"), *(len(d["name"]) for d in data))
        lines = [f"{'base':{width}} {'backend':9} {'variant':10} {'size':>10}  sources (sha256) / clusters served"]
        for d in data:
            src = ", ".join(f"{g} {s['sha256'][:12]}" for g, s in sorted(d["sources"].items()) if s.get("sha256")) or "-"
            if d["backend"] == "preview":
                src = "preview voice (eSpeak/Piper shaped towards each voice): not a clone"
            served = f"; clusters {', '.join(map(str, d['clusters']))}" if d["clusters"] else ""
            lines.append(f"{d['name']:{width}} {d['backend']:9} {d['variant']:10} {_mb(d['size_bytes']):>10}  {src}{served}")
        if any(d["backend"] == "preview" for d in data):
            lines.append("A preview base speaks any voice without GPT-SoVITS files, for a first listen; it does not clone "
                         "the voice. Link GPT-SoVITS assets and import or train a base for real cloning.")
        return "\n".join(lines)

    ctx.emit(data, text)
    return 0


def cmd_import(args, ctx: Context) -> int:
    from ..backends.gptsovits.convert import import_base

    ctx.info(f"converting {args.gpt} + {args.sovits} ...")
    rec = import_base(ctx.engine.bases, args.name, args.gpt, args.sovits)
    d = _base_dict(ctx.engine.bases, rec)
    ctx.emit(d, f"Stored base '{rec.name}' ({rec.backend} {rec.variant}, {_mb(rec.size_bytes)}).")
    return 0


def cmd_show(args, ctx: Context) -> int:
    store = ctx.engine.bases
    rec = store.get(args.name)
    man = store.manifest(rec)
    d = _base_dict(store, rec) | {"manifest": man}

    def text() -> str:
        lines = [f"{rec.name}  ({rec.backend} {rec.variant}, {_mb(rec.size_bytes)}, created {rec.created_at})"]
        for g, sha in sorted(rec.groups.items()):
            info = (man.get("groups") or {}).get(g, {})
            lines.append(f"  weights {g:8} {sha[:16]}  {_mb(int(info.get('bytes', 0)))}")
        for g, s in sorted((man.get("sources") or {}).items()):
            lines.append(f"  source  {g:8} {s.get('file')}  sha256 {str(s.get('sha256'))[:16]}  {s.get('info', '')}")
        lines.append("  serves clusters: " + (", ".join(map(str, d["clusters"])) or "none"))
        return "\n".join(lines)

    ctx.emit(d, text)
    return 0


def cmd_remove(args, ctx: Context) -> int:
    rec = ctx.engine.bases.remove(args.name, force=args.force)
    ctx.emit(rec.to_dict(), f"Removed base '{rec.name}'.")
    return 0


def cmd_assign(args, ctx: Context) -> int:
    if args.none == bool(args.name):
        raise InvalidInput("Give a base name, or --none to unassign.")
    rec = ctx.engine.bases.assign(args.cluster, None if args.none else args.name)
    msg = f"Cluster {args.cluster} now uses base '{rec.name}'." if rec else f"Cluster {args.cluster} has no base now."
    ctx.emit({"cluster_id": args.cluster, "base": rec.name if rec else None}, msg)
    return 0


def cmd_history(args, ctx: Context) -> int:
    hist = ctx.engine.bases.assignments(args.cluster)
    data = [h.__dict__ for h in hist]
    ctx.emit(data, lambda: "\n".join(
        f"cluster {h.cluster_id:<4} {h.base_name:28} {h.assigned_at} → {h.unassigned_at or 'now'}  {h.note}" for h in hist
    ) or "No assignments yet.")
    return 0
