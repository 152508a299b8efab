"""Analysis commands: analyze, similar, cluster, pin, unpin, grid, emotions suggest."""

from __future__ import annotations

import argparse
import os
import sys

from . import Context, add_command


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "analyze", cmd_analyze, help="compute timbre embeddings and prosody of voices (cached); report near-duplicates")
    p.add_argument("voices", nargs="*", metavar="VOICE", help="voices to analyse (default: all)")
    p.add_argument("--encoder", help="timbre encoder (default ge2e; see --list-encoders)")
    p.add_argument("--list-encoders", action="store_true", help="list the timbre encoders and exit")

    p = add_command(sub, "similar", cmd_similar, help="voices closest in timbre to VOICE")
    p.add_argument("voice")
    p.add_argument("-n", type=int, default=5, help="how many (default 5)")

    p = add_command(sub, "cluster", cmd_cluster, help="group voices by timbre (automatic, or --k / --threshold); ids stay stable")
    p.add_argument("--k", type=int, help="exactly this many groups")
    p.add_argument("--threshold", type=float, help="minimum cosine similarity inside a group (e.g. 0.85)")
    p.add_argument("--max-per-cluster", type=int, default=50, help="voices per base at most (default 50)")
    p.add_argument("--show", action="store_true", help="show the current clusters without re-clustering")
    p.add_argument("--history", action="store_true", help="list the recorded clusterings")
    p.add_argument("--label", nargs=2, metavar=("CLUSTER", "TEXT"), help="rename a cluster")

    p = add_command(sub, "pin", cmd_pin, help="keep VOICE in CLUSTER whatever re-clustering finds")
    p.add_argument("voice")
    p.add_argument("cluster", type=int)

    p = add_command(sub, "unpin", cmd_unpin, help="let re-clustering place VOICE again")
    p.add_argument("voice")

    add_command(sub, "grid", cmd_grid, help="emotion x timbre grid: clusters x emotions, and each voice's gaps")

    p = sub.add_parser("emotions", help="emotion labels: suggestions learnt from your labels")
    esub = p.add_subparsers(dest="emotions_command", metavar="ACTION")
    s = add_command(esub, "suggest", cmd_emotions_suggest, help="suggest labels for unlabelled clips (never changes your labels)")
    s.add_argument("--apply", action="store_true", help="write the suggestions (source 'suggested')")
    s.add_argument("--min-confidence", type=float, default=0.5, help="apply only suggestions at least this sure (default 0.5)")
    p.set_defaults(func=lambda args, ctx: (p.print_help(), 0)[1])


def _progress(ctx: Context, label: str = "analysing", unit: str = "clip"):
    """A progress bar with rate and time left on a terminal (tqdm); nothing with --json or when piped."""
    if getattr(ctx.args, "json", False) or not sys.stderr.isatty():
        return None
    state: dict = {}

    def show(done: int, total: int) -> None:
        if not total:
            return
        bar = state.get("bar")
        if bar is None:
            from tqdm import tqdm

            bar = state["bar"] = tqdm(total=total, desc=label, unit=unit, file=sys.stderr, mininterval=0.5,
                                      smoothing=0.1, bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt}"
                                                                " [{elapsed}<{remaining}, {rate_fmt}]")
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return show


#: the CLI owns its process: analysis runs the encoder on every core (the GUI keeps one free)
CLI_THREADS = os.cpu_count() or 1


def cmd_analyze(args, ctx: Context) -> int:
    if args.list_encoders:
        from ..analysis.encoders import DEFAULT_ENCODER, available_encoders

        names = available_encoders()
        ctx.emit({"encoders": names, "default": DEFAULT_ENCODER},
                 "\n".join(f"{n}{'  (default)' if n == DEFAULT_ENCODER else ''}" for n in names))
        return 0
    an = ctx.engine.analysis
    report = an.analyze(args.voices or None, progress=_progress(ctx), encoder=args.encoder,
                        emotion_progress=_progress(ctx, "emotions (emotion2vec+)"), threads=CLI_THREADS)

    def text() -> str:
        lines = [f"{report.voices} voice(s), {report.clips} clip(s) with {report.encoder}: "
                 f"{report.embedded} embedded now, {report.embeddings_cached} already cached"
                 + ("" if report.work_done else " (nothing to do)") + "."]
        if report.work_done and report.seconds:
            lines.append(f"{report.rate:.1f} clips/s ({report.seconds:.1f} s).")
        if report.resumed:
            r = report.resumed
            lines.append(f"Resumed an interrupted run that had finished {r['done']} of {r['total']} clips.")
        for f in report.failed:
            lines.append(f"  could not analyse a clip of voice #{f['voice_id']}: {f['error']}")
        if report.emotions is not None:
            e = report.emotions
            lines.append(f"Emotions ({e['model']}): {e['computed']} clip(s) now, {e['cached']} already cached"
                         + (f", {len(e['failed'])} too short or unreadable" if e["failed"] else "") + ".")
        if report.duplicates:
            lines.append("Near-duplicates (probably the same voice):")
            lines += [f"  {d['voice']}  ~  {d['other']}  ({d['similarity']:.3f})" for d in report.duplicates]
        for a in report.assigned:
            where = f"cluster {a['cluster_id']}" if a["cluster_id"] is not None else "no cluster fits (run 'timbrel cluster')"
            lines.append(f"New voice {a['voice']}: {where}")
        return "\n".join(lines)

    ctx.emit(report.to_dict(), text)
    return 0


def cmd_similar(args, ctx: Context) -> int:
    rows = ctx.engine.analysis.similar(args.voice, args.n)
    ctx.emit({"voice": args.voice, "similar": rows},
             lambda: "\n".join(f"{r['similarity']:.3f}  {r['voice']}" for r in rows) or "No other voices to compare with.")
    return 0


def _clusters_text(infos, unassigned=()) -> str:
    if not infos:
        return "No clustering yet. Run 'timbrel cluster'."
    lines = []
    for c in infos:
        marks = []
        for v in c.voices:
            tag = " (pinned)" if v in c.pinned else " (outlier)" if v in c.outliers else ""
            marks.append(v + tag)
        lines.append(f"#{c.id:<4} {c.label or '':16} {c.size:3d} voice(s): " + ", ".join(marks))
    if unassigned:
        lines.append("Fit no cluster: " + ", ".join(unassigned))
    return "\n".join(lines)


def cmd_cluster(args, ctx: Context) -> int:
    an = ctx.engine.analysis
    if args.label:
        an.label_cluster(int(args.label[0]), args.label[1])
    if args.history:
        rows = an.history()
        ctx.emit(rows, lambda: "\n".join(
            f"{'*' if r['current'] else ' '} #{r['id']:<4} {r['created_at']}  {r['method']:11} {r['clusters']} cluster(s)" for r in rows)
            or "No clusterings yet.")
        return 0
    if args.show or args.label:
        infos = an.clusters()
        un = an.unassigned()
        ctx.emit({"clusters": [c.to_dict() for c in infos], "unassigned": un}, lambda: _clusters_text(infos, un))
        return 0
    an.analyze(progress=_progress(ctx), assign=False, threads=CLI_THREADS)
    res = an.cluster(k=args.k, threshold=args.threshold, max_per_cluster=args.max_per_cluster)

    def text() -> str:
        lines = [f"{res.k} cluster(s) ({res.method}, {res.encoder}); recorded as clustering #{res.clustering_id}.",
                 _clusters_text(res.clusters)]
        if res.new_ids:
            lines.append("New cluster ids: " + ", ".join(map(str, res.new_ids)))
        if res.retired_ids:
            lines.append("Retired cluster ids: " + ", ".join(map(str, res.retired_ids)))
        for o in res.outliers:
            lines.append(f"Outlier: {o['voice']} fits its cluster poorly ({o['similarity']:.3f}); consider pinning it elsewhere.")
        lines += [f"Warning: {w}" for w in res.warnings]
        return "\n".join(lines)

    ctx.emit(res.to_dict(), text)
    return 0


def cmd_pin(args, ctx: Context) -> int:
    a = ctx.engine.analysis.pin(args.voice, args.cluster)
    ctx.emit(a.to_dict(), f"'{args.voice}' is pinned to cluster {a.cluster_id}.")
    return 0


def cmd_unpin(args, ctx: Context) -> int:
    ctx.engine.analysis.unpin(args.voice)
    ctx.emit({"voice": args.voice, "pinned": False}, f"'{args.voice}' is no longer pinned; the next 'timbrel cluster' places it.")
    return 0


def cmd_grid(args, ctx: Context) -> int:
    g = ctx.engine.analysis.grid().to_dict()      # the typed GridResult as JSON-ready data

    def text() -> str:
        emos = g["emotions"]

        def name(r) -> str:
            if r["cluster_id"] is None:
                return "unclustered"
            label = (r["label"] or "").strip()
            default = not label or label.casefold() == f"cluster {r['cluster_id']}"
            return f"#{r['cluster_id']}" if default else f"#{r['cluster_id']} {label}"

        names = [name(r) for r in g["clusters"]]
        width = min(max([len("cluster"), *map(len, names)]), 40)     # one width for every row, #1 to #100
        head = f"{'cluster':{width}} {'voices':>6} " + " ".join(f"{e[:9]:>9}" for e in emos)
        lines = [head]

        def cell(r, e) -> str:
            extra = r.get("predicted_counts", {}).get(e, 0)
            return f"{r['counts'][e]}" + (f"+{extra}?" if extra else "")

        for n, r in zip(names, g["clusters"]):
            lines.append(f"{n[:width]:{width}} {r['voices']:6d} " + " ".join(f"{cell(r, e):>9}" for e in emos))
        if any(r.get("predicted_counts", {}).get(e) for r in g["clusters"] for e in emos):
            lines.append("(+n? = voices whose unlabelled clips emotion2vec+ hears as that emotion; "
                         "'timbrel emotions suggest --apply' labels them)")
        tops = [v for v in g["voices"] if v.get("top_emotion")]
        if tops:
            lines.append("\nTop emotion per voice (emotion2vec+):")
            lines += [f"  {v['voice']}: {v['top_emotion']['emotion']} {v['top_emotion']['confidence']:.2f}" for v in tops]
        gaps = [v for v in g["voices"] if v["missing"]]
        if gaps:
            lines.append(f"\n{g['gaps']} gap(s): voices without a usable reference clip (3-10 s) for an emotion:")
            lines += [f"  {v['voice']}: " + ", ".join(v["missing"]) for v in gaps]
        else:
            lines.append("\nNo gaps: every voice has a usable reference for every emotion in use.")
        return "\n".join(lines)

    ctx.emit(g, text)
    return 0


def cmd_emotions_suggest(args, ctx: Context) -> int:
    out = ctx.engine.analysis.suggest_emotions(apply=args.apply, min_confidence=args.min_confidence)

    def text() -> str:
        if out.get("weak_guess"):
            lines = [f"Weak guess from pitch and loudness, learnt from {out['trained_on']} labelled clip(s) "
                     f"({', '.join(out['classes'])}); no emotion model is linked. For real emotion recognition link "
                     "emotion2vec+: 'timbrel assets link --emotion2vec FOLDER'."]
        else:
            lines = [f"Emotion recognition by {out['model']}."]
        for s in out["suggestions"]:
            cur = f" (now {s['current']}, {s['current_source']})" if s["current"] else ""
            lines.append(f"  clip #{s['clip_id']:<5} {s['voice'][:28]:28} {s['emotion']:9} {s['confidence']:.2f}{cur}")
        if args.apply:
            lines.append(f"Applied {out['applied']} suggestion(s) with confidence >= {out['min_confidence']}.")
        elif out["suggestions"]:
            lines.append("Nothing changed; add --apply to write them (your own labels are never replaced).")
        return "\n".join(lines)

    ctx.emit(out, text)
    return 0
