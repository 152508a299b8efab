"""Helpers shared by the GPT-SoVITS tests (fixture loading, tolerance check)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

REL_TOL = 1e-4  # fixtures README: max|ours - ref| / max|ref| < 1e-4 for fp32 on CPU


def rel_err(ours, ref) -> float:
    a = ours.detach().double().cpu().numpy() if isinstance(ours, torch.Tensor) else np.asarray(ours, dtype=np.float64)
    b = np.asarray(ref, dtype=np.float64)
    assert a.shape == b.shape, f"shape {a.shape} != {b.shape}"
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-12))


def assert_close(ours, ref, what: str) -> None:
    err = rel_err(ours, ref)
    assert err < REL_TOL, f"{what}: relative error {err:.3g} >= {REL_TOL}"


def load_sovits(path: Path):
    from engine.backends.gptsovits.checkpoint import read_sovits_file
    from engine.backends.gptsovits.models import build_sovits, fill

    lf, cfg = read_sovits_file(path)
    m = build_sovits(cfg.variant, cfg, "meta")
    fill(m, {k: v.float() for k, v in lf.weights.items()}, "assign")
    return lf, m


def load_gpt(path: Path):
    from engine.backends.gptsovits.checkpoint import read_gpt_file
    from engine.backends.gptsovits.models import build_gpt, fill

    lf, cfg = read_gpt_file(path)
    m = build_gpt(cfg, "meta")
    fill(m, {k: v.float() for k, v in lf.weights.items()}, "assign")
    return lf, m
