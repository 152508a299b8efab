"""Consolidation commands: ``import-gptsovits``, ``consolidate``, ``evaluate``, ``base-versions``, ``base-rollback``,
``base-export``."""

from __future__ import annotations

import argparse

from ..errors import InvalidInput
from . import Context, add_command


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "import-gptsovits", cmd_import, help="voices + per-voice models from an existing GPT-SoVITS folder")
    p.add_argument("path", help="the GPT-SoVITS folder (GPT_weights*/, SoVITS_weights*/, logs/, .list files)")
    p.add_argument("--dry-run", action="store_true", help="only show what was found")

    p = add_command(sub, "consolidate", cmd_consolidate, help="one base per cluster: plan, apply, revert or purge (storage before/after)")
    p.add_argument("--dry-run", action="store_true", help="show the plan and the storage report; change nothing")
    p.add_argument("--choose", choices=("central", "evaluate"), default="central",
                   help="how to pick a cluster's base among its voices' models (evaluate synthesizes; slower)")
    p.add_argument("--pretrained", metavar="BASE", help="base to use zero-shot for clusters without a candidate model")
    p.add_argument("--prefer-pretrained", action="store_true", help="use --pretrained for every planned cluster")
    p.add_argument("--cluster", type=int, action="append", help="only this cluster (repeatable)")
    p.add_argument("--revert", nargs="?", const=-1, type=int, metavar="ID",
                   help="undo the last (or the given) applied consolidation")
    p.add_argument("--purge", nargs="?", const=-1, type=int, metavar="ID",
                   help="delete the archived models of the last (or the given) consolidation for good")
    p.add_argument("--list", action="store_true", help="list the consolidations done so far")

    p = add_command(sub, "evaluate", cmd_evaluate, help="how well each cluster's base serves its voices (speaker similarity, flags)")
    p.add_argument("--cluster", type=int, help="only this cluster")
    p.add_argument("--history", metavar="VOICE", nargs="?", const="", help="show past evaluations (of one voice)")
    p.add_argument("--apply-moves", action="store_true", help="pin each voice proposed for a move to that cluster")

    p = add_command(sub, "base-versions", cmd_versions, help="the base versions of a cluster (or of all clusters) with provenance")
    p.add_argument("cluster", type=int, nargs="?")

    p = add_command(sub, "base-rollback", cmd_rollback, help="serve a cluster with an earlier base version again")
    p.add_argument("cluster", type=int)
    p.add_argument("--to", type=int, metavar="VERSION", help="version number (default: the one before the current)")

    p = add_command(sub, "finetune", cmd_finetune, help="fine-tune a base on a cluster's pooled references → a new base version")
    p.add_argument("cluster", type=int)
    p.add_argument("--base", required=True, help="the base to start from (e.g. the cluster's current or a pretrained base)")
    p.add_argument("--name", required=True, help="name of the new base")
    p.add_argument("--gpt-steps", type=int, default=200)
    p.add_argument("--sovits-steps", type=int, default=200)
    p.add_argument("--only", choices=("gpt", "sovits"), help="train only this part")
    p.add_argument("--batch-size", type=int, default=4)
    p.add_argument("--resume", action="store_true", help="continue from the checkpoints of an interrupted run")
    p.add_argument("--no-assign", action="store_true", help="store the version without serving the cluster with it")

    p = add_command(sub, "base-export", cmd_export, help="write a GPT-SoVITS base as upstream .ckpt + .pth files")
    p.add_argument("name", help="base name")
    p.add_argument("folder", help="where to write the two files")
    p.add_argument("--as", dest="as_name", metavar="NAME", help="experiment name used in the file names")
    p.add_argument("--overwrite", action="store_true")


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def _progress(ctx: Context):
    """Progress lines on stderr: "[1/21] voice" while item 1 of 21 is being worked on (``done`` items finished)."""
    if getattr(ctx.args, "json", False):
        return None
    return lambda done, total, item: ctx.info(f"  [{done + 1}/{total}] {item}") if item and done < total else None


def _plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def proposal_text(p: dict) -> str:
    """One evaluation proposal as a sentence."""
    action = p.get("action")
    if action == "move" and p.get("voice"):
        there = p.get("similarity_there")
        return (f"move {p['voice']} from cluster {p.get('cluster')} to cluster {p.get('to_cluster')}"
                + (f" (similarity there {there:.3f}, here {p.get('similarity_here'):.3f})"
                   if isinstance(there, (int, float)) and isinstance(p.get("similarity_here"), (int, float)) else "")
                + (f": {p['why']}" if p.get("why") else "")
                + " — 'timbrel evaluate --apply-moves' pins it there")
    if action == "split":
        return (f"split cluster {p.get('cluster')}: {', '.join(p.get('new_cluster') or [])} apart from "
                f"{', '.join(p.get('keep') or [])} (similar to each other {p.get('within', 0):.3f}, "
                f"to the rest {p.get('across', 0):.3f})")
    if action in ("assign a base", "assign a real base"):
        cid = p.get("cluster")
        return (f"cluster {cid} ({', '.join(p.get('voices') or [])}): {p.get('why')} — "
                f"assign one with 'timbrel base assign {cid} BASE'")
    who = p.get("voice") or f"cluster {p.get('cluster')}"
    return f"{who}: {action}" + (f" ({p['why']})" if p.get("why") else "")


def cmd_import(args, ctx: Context) -> int:
    from ..consolidation.scan import scan

    if args.dry_run:
        res = scan(args.path)

        def text() -> str:
            lines = [f"{len(res.lists)} list file(s), {len(res.speakers)} speaker(s), {len(res.experiments)} experiment(s)"]
            for e in res.experiments:
                state = "ok" if e.complete and e.speaker else "skipped"
                lines.append(f"  {e.name}: speaker {e.speaker or '-'} ({e.matched_by or 'no match'}), "
                             f"GPT e{e.gpt_epoch}, SoVITS e{e.sovits_epoch}, {_mb(e.source_bytes)} [{state}]")
            lines += [f"  note: {p}" for p in res.problems]
            return "\n".join(lines)

        ctx.emit(res.to_dict(), text)
        return 0
    from ..consolidation.importer import import_gptsovits

    rep = import_gptsovits(ctx.engine, args.path, progress=_progress(ctx))

    def text() -> str:
        lines = [f"voices created: {len(rep.voices_created)} ({rep.clips_added} clips added, {len(rep.clips_rejected)} rejected)",
                 f"candidate bases: {len(rep.candidates)}"]
        lines += [f"  {c['voice']} → {c['base']} ({c['variant']}, {_mb(c['bytes'])})" for c in rep.candidates]
        lines += [f"  skipped {s['experiment']}: {s['reason']}" for s in rep.skipped]
        lines += [f"  note: {p}" for p in rep.scan.problems]
        lines.append("next: 'timbrel analyze', 'timbrel cluster', then 'timbrel consolidate --dry-run'")
        return "\n".join(lines)

    ctx.emit(rep.to_dict(), text)
    return 0


def _storage_text(s: dict) -> str:
    text = (f"storage: {_plural(s['bases_before'], 'base')} ({_mb(s['bytes_before'])}) → "
            f"{_plural(s['bases_after'], 'base')} ({_mb(s['bytes_after'])})")
    if s["bytes_before"]:
        text += f", {100 * s['reduction']:.0f}% less"
    if s["bytes_archived"]:
        text += f"; {_mb(s['bytes_archived'])} archived, freed only by --purge"
    return text


def cmd_consolidate(args, ctx: Context) -> int:
    from ..consolidation import archive

    eng = ctx.engine
    if args.list:
        rows = [a.to_dict() for a in archive.archives(eng)]
        ctx.emit(rows, lambda: "\n".join(f"#{a['id']} {a['created_at']} {a['state']}: {len(a['bases'])} base(s) archived"
                                          for a in rows) or "no consolidations yet")
        return 0
    if args.revert is not None and args.purge is not None:
        raise InvalidInput("Choose --revert or --purge, not both.")
    if args.revert is not None:
        a = archive.revert(eng, None if args.revert == -1 else args.revert)
        ctx.emit(a.to_dict(), f"consolidation #{a.id} reverted: {len(a.previous)} cluster(s) have their previous bases, "
                              f"the archived models are back")
        return 0
    if args.purge is not None:
        r = archive.purge(eng, None if args.purge == -1 else args.purge)
        ctx.emit(r, f"consolidation #{r['archive']} purged: {len(r['bases'])} base(s) deleted, {_mb(r['bytes_freed'])} freed")
        return 0
    from ..consolidation.consolidate import make_plan

    report = _progress(ctx) if args.choose == "evaluate" else None     # "central" is quick: no progress lines
    plan = make_plan(eng, choose=args.choose, pretrained=args.pretrained, prefer_pretrained=args.prefer_pretrained,
                     clusters=args.cluster, progress=None if report is None else (lambda d, t, item: report(d - 1, t, item)))
    data = plan.to_dict()

    def text(applied=None) -> str:
        lines = []
        kinds = {"adopted": "adopts", "pretrained": "uses the pretrained base", "assigned": "keeps"}
        baseless = [c for c in plan.clusters if not c.base]
        for c in plan.clusters:
            if not c.base:
                continue
            lines.append(f"cluster {c.cluster_id} ({_plural(len(c.voices), 'voice')}): {kinds.get(c.kind, c.kind)} "
                         f"{c.base} — {c.reason}")
        if baseless:
            ids = ", ".join(str(c.cluster_id) for c in baseless)
            n = sum(len(c.voices) for c in baseless)
            names = [b.name for b in eng.bases.list() if b.backend == "gptsovits"]
            lines.append(f"{_plural(len(baseless), 'cluster')} ({ids}; {_plural(n, 'voice')}) "
                         + ("has no model of its own and no base." if len(baseless) == 1 else
                            "have no model of their own and no base."))
            lines.append("  To serve them, pass --pretrained NAME, where NAME is a stored GPT-SoVITS base used zero-shot "
                         "with each voice's clips (" + (f"stored: {', '.join(names)}" if names else
                                                      "none stored yet: import one with 'timbrel base import --gpt F.ckpt "
                                                      "--sovits F.pth --name NAME'") + ").")
        lines.append(f"retire (archive): {', '.join(plan.retire) or 'nothing'}")
        lines.append(_storage_text(data["storage"]))
        if applied is not None:
            lines.append(f"applied as consolidation #{applied}; undo with 'timbrel consolidate --revert'")
        else:
            lines.append("dry run: nothing changed")
        return "\n".join(lines)

    if args.dry_run:
        ctx.emit(data, text)
        return 0
    a = archive.apply_plan(eng, plan)
    data["archive"] = a.id
    ctx.emit(data, lambda: text(a.id))
    return 0


def cmd_evaluate(args, ctx: Context) -> int:
    from ..consolidation import evaluate as ev

    if args.history is not None:
        rows = ev.history(ctx.engine, args.history or None)
        ctx.emit(rows, lambda: "\n".join(f"run {r['run']} {r['created_at']} {r['voice']} cluster {r['cluster']} base {r['base']}: "
                                          f"own {r['sim_own']:.3f} {r['verdict']}" for r in rows) or "no evaluations yet")
        return 0
    run = ev.Evaluator(ctx.engine).run(cluster=args.cluster, progress=_progress(ctx))
    moved = ev.apply_moves(ctx.engine, run) if args.apply_moves else []

    def text() -> str:
        scope = "every cluster" if run.scope == "all" else run.scope
        lines = [f"Evaluation #{run.id} of {scope} (timbre encoder {run.encoder}): {_plural(len(run.voices), 'voice')} "
                 f"scored, {len(run.flagged)} flagged."]
        if run.voices:
            width = max(len(v.voice) for v in run.voices)
            bw = max(len(v.base) for v in run.voices)
            lines.append(f"    {'voice':{width}}  {'cluster':>7}  {'base':{bw}}  {'own':>6}  {'others':>6}  verdict")
            for v in run.voices:
                other = "-" if v.sim_others is None else f"{v.sim_others:.3f}"
                lines.append(f"  {'!' if v.flagged else ' '} {v.voice:{width}}  {v.cluster_id:>7}  {v.base:{bw}}  "
                             f"{v.sim_own:6.3f}  {other:>6}  {v.verdict}")
            lines.append("  own: similarity of the voice's synthesized speech to its own clips; others: to the other "
                         "voices of its cluster (1 = same timbre)")
        previewed = getattr(run, "previewed", {}) or {}
        if previewed:
            lines.append(f"  not scored: {_plural(len(previewed), 'cluster')} ({', '.join(map(str, previewed))}) speak "
                         f"through the preview voice, which is not a clone — its similarity is no verdict on a real base")
        if run.proposals:
            lines.append("Proposals:")
            lines += [f"  - {proposal_text(p)}" for p in run.proposals]
        for m in moved:
            lines.append(f"  moved {m['voice']}: cluster {m['from_cluster']} → {m['to_cluster']} (pinned; 'timbrel unpin' undoes it)")
        return "\n".join(lines)

    ctx.emit({**run.to_dict(), "moved": moved}, text)
    return 0


def cmd_versions(args, ctx: Context) -> int:
    from ..consolidation import versions

    rows = [v.to_dict() for v in versions.history(ctx.engine, args.cluster)]
    ctx.emit(rows, lambda: "\n".join(f"cluster {v['cluster_id']} v{v['version']} {v['created_at']} {v['kind']}: {v['base_name']}"
                                      for v in rows) or "no base versions yet")
    return 0


def cmd_rollback(args, ctx: Context) -> int:
    v = ctx.engine.consolidation.rollback(args.cluster, args.to)
    ctx.emit(v.to_dict(), f"cluster {v.cluster_id} is served by {v.base_name} again (version {v.version})")
    return 0


def cmd_export(args, ctx: Context) -> int:
    from ..consolidation.export import export_base

    paths = export_base(ctx.engine, args.name, args.folder, name=args.as_name, overwrite=args.overwrite)
    ctx.emit({k: str(p) for k, p in paths.items()}, "\n".join(f"{k}: {p}" for k, p in paths.items()))
    return 0


def cmd_finetune(args, ctx: Context) -> int:
    from ..consolidation.train.finetune import FineTuneSettings, finetune_cluster

    settings = FineTuneSettings(gpt_steps=args.gpt_steps, sovits_steps=args.sovits_steps, batch_size=args.batch_size)
    parts = (args.only,) if args.only else ("gpt", "sovits")
    quiet = getattr(args, "json", False)

    def progress(stage: str, done: int, total: int) -> None:
        if not quiet and total and (done == total or done % 10 == 0):
            ctx.info(f"  {stage}: {done}/{total}")

    rec = finetune_cluster(ctx.engine, args.cluster, args.base, args.name, settings=settings, parts=parts,
                           resume=args.resume, assign=not args.no_assign, progress=progress)
    ctx.emit(rec.to_dict(), f"base {rec.name} stored ({_mb(rec.size_bytes)}) as a trained version of cluster {args.cluster}")
    return 0
