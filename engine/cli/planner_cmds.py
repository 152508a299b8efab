"""``timbrel plan-bases``: how many bases? fit, storage and VRAM for every number of clusters, a recommended k,
and (``--apply K``) re-clustering into K groups with stable cluster ids."""

from __future__ import annotations

import argparse

from . import Context, add_command


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "plan-bases", cmd_plan_bases,
                    help="how many bases? expected fit, storage and VRAM for 1..N clusters, with a recommended number")
    p.add_argument("--vram-mb", type=float, metavar="MB", help="VRAM limit to plan for (default: the engine's setting)")
    p.add_argument("--target-fit", type=float, default=None, metavar="COS",
                   help="the fit (mean cosine of voices to their base's timbre centre) good enough to stop adding bases "
                        "(default 0.90)")
    p.add_argument("--apply", metavar="K", nargs="?", const="recommended",
                   help="re-cluster into K groups (no K: the recommended number); cluster ids stay where groups overlap")


def _mb(n: int) -> str:
    return f"{n / 2**20:,.0f} MiB" if n < 10 * 2**30 else f"{n / 2**30:,.1f} GiB"


def cmd_plan_bases(args, ctx: Context) -> int:
    from ..analysis import planner
    from ..errors import InvalidInput

    kw = {} if args.target_fit is None else {"target_fit": args.target_fit}
    plan = planner.plan_bases(ctx.engine, args.vram_mb, **kw)
    applied = None
    if args.apply is not None:
        if args.apply == "recommended":
            k = plan.recommended_k
        else:
            try:
                k = int(args.apply)
            except ValueError:
                raise InvalidInput(f"'{args.apply}' is not a number of clusters.", hint="Give --apply K, e.g. --apply 5.") from None
        res = planner.apply_k(ctx.engine, k)
        applied = {"k": k, "clusters": [c.id for c in res.clusters], "kept_ids": res.kept_ids, "new_ids": res.new_ids}

    def text() -> str:
        lines = [f"{plan.voices} voice{'s' if plan.voices != 1 else ''}; one base ≈ {_mb(plan.base_bytes)} "
                 f"({plan.base_bytes_source}); shared models {_mb(plan.shared_bytes)}; VRAM limit {_mb(plan.vram_limit_bytes)}",
                 f"{'k':>3}  {'fit mean':>8}  {'fit min':>7}  {'storage':>9}  {'VRAM (all resident)':>19}",
                 ]
        for r in plan.rows:
            mark = "  ← recommended" if r.k == plan.recommended_k else ""
            cur = "  (now)" if plan.current_k == r.k else ""
            lines.append(f"{r.k:>3}  {r.fit_mean:8.3f}  {r.fit_min:7.3f}  {_mb(r.storage_bytes):>9}  "
                         f"{_mb(r.vram_bytes):>15} {'ok ' if r.fits_vram else 'over'}{mark}{cur}")
        lines.append(f"recommended: {plan.recommended_k} base{'s' if plan.recommended_k != 1 else ''} — {plan.reason}")
        lines.append("fit: each voice's cosine similarity to the timbre centre of the other voices in its group "
                     "(1 = alone in its group)")
        if applied:
            lines.append(f"re-clustered into {applied['k']} groups: clusters {', '.join(map(str, applied['clusters']))}"
                         f" ({len(applied['kept_ids'])} kept their ids, {len(applied['new_ids'])} new)")
        else:
            lines.append("apply with 'timbrel plan-bases --apply K'")
        return "\n".join(lines)

    ctx.emit({**plan.to_dict(), "applied": applied}, text)
    return 0
