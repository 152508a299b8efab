"""benchmarks/gpu_check.py: the CPU sanity mode runs every step of the GPU check on the shipped code."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[2]


def _gpu_check():
    spec = importlib.util.spec_from_file_location("gpu_check", ROOT / "benchmarks" / "gpu_check.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message shown where there is no GPU")
def test_without_a_gpu_it_says_so_and_points_to_the_dry_run(capsys, tmp_path):
    assert _gpu_check().main(["--out", str(tmp_path / "x.json")]) == 2
    err = capsys.readouterr().err
    assert "no CUDA GPU" in err and "--dry-run" in err
    assert not (tmp_path / "x.json").exists()


@pytest.mark.slow
def test_dry_run_measures_every_step_on_the_cpu(tmp_path, capsys):
    out = tmp_path / "gpu_check.json"
    assert _gpu_check().main(["--dry-run", "--out", str(out), "--burst", "8", "--tokens", "4"]) == 0
    res = json.loads(out.read_text())
    text = capsys.readouterr().out
    assert res["dry_run"] is True and "DRY RUN" in text and "not a GPU figure" in text
    assert res["device"]["kind"] == "cpu" and res["bandwidth"]["pinned_gb_s"] is None
    assert [r["variant"] for r in res["swap"]] == ["v2", "v2ProPlus"]
    for r in res["swap"]:
        assert r["cold_s"] > 0 and r["warm_s"] > 0 and r["allocations"] == 1 and r["peak_bytes"] <= r["limit_bytes"]
        assert r["staging_pinned"] is False          # the CPU device never claims pinned memory
    synth = res["synthesis"]["float32"]
    assert "error" not in synth and synth["warm"]["audio_s"] > 0 and synth["warm"]["rtf"] > 0
    b = res["burst"]
    assert b["done"] == b["requests"] == 8 and b["budget_held"] and b["peak_bytes"] <= b["limit_bytes"]
