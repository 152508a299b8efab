"""import-gptsovits → analyze → cluster → consolidate → revert → apply → purge, through the CLI."""

from __future__ import annotations

import json

import pytest

from engine.cli import main


def run_json(capsys, *argv) -> object:
    capsys.readouterr()
    rc = main(list(argv) + ["--json"])
    out = capsys.readouterr()
    assert rc == 0, out.err
    return json.loads(out.out)


def state(lib):
    """Everything consolidation may touch: bases (id, name, blobs) and current cluster assignments."""
    from engine.api import Engine

    with Engine(library=lib) as eng:
        bases = sorted((b.id, b.name, b.variant, tuple(sorted(b.groups.items())), b.manifest_sha256) for b in eng.bases.list())
        assigned = {c.id: (eng.bases.base_for_cluster(c.id).name if eng.bases.base_for_cluster(c.id) else None)
                    for c in eng.analysis.clusters()}
        files = {s: eng.library.blobs.path(s).is_file() for b in eng.bases.list() for s in b.groups.values()}
    return bases, assigned, files


@pytest.mark.slow
def test_import_consolidate_revert_purge(gsv_folder, tmp_path, capsys, fake_gsv_assets):
    lib = str(tmp_path / "lib")
    found = run_json(capsys, "--library", lib, "import-gptsovits", str(gsv_folder), "--dry-run")
    exps = {e["name"]: e for e in found["experiments"]}
    assert exps["en_flite_awb"]["speaker"] == "en_flite_awb" and exps["en_flite_awb"]["matched_by"] == "name"
    assert exps["en_flite_awb"]["gpt"].endswith("en_flite_awb-e8.ckpt")          # newest epoch wins
    assert exps["awbpitch"]["speaker"] == "en_flite_awb_m125" and exps["awbpitch"]["matched_by"] == "training-log"
    assert not exps["orphan"]["complete"]

    rep = run_json(capsys, "--library", lib, "import-gptsovits", str(gsv_folder))
    assert sorted(rep["voices_created"]) == sorted(["cs_festival_dita", "cs_festival_dita_p125", "en_flite_awb",
                                                    "en_flite_awb_m125", "en_piper_joe"])
    variants = {c["voice"]: c["variant"] for c in rep["candidates"]}
    assert variants == {"en_flite_awb": "v2", "en_flite_awb_m125": "v2Pro", "cs_festival_dita": "v2ProPlus"}
    again = run_json(capsys, "--library", lib, "import-gptsovits", str(gsv_folder))   # idempotent
    assert again["candidates"] == [] and len(again["skipped"]) == 3

    run_json(capsys, "--library", lib, "analyze")
    clusters = run_json(capsys, "--library", lib, "cluster")
    groups = sorted(sorted(c["voices"]) for c in clusters["clusters"])
    assert ["en_flite_awb", "en_flite_awb_m125"] in groups and ["cs_festival_dita", "cs_festival_dita_p125"] in groups

    original = state(lib)
    plan = run_json(capsys, "--library", lib, "consolidate", "--dry-run")
    assert state(lib) == original                                                # dry run changes nothing
    by_voices = {tuple(sorted(c["voices"])): c for c in plan["clusters"]}
    awb = by_voices[("en_flite_awb", "en_flite_awb_m125")]
    assert awb["kind"] == "adopted" and awb["base"] in ("gsv-en_flite_awb", "gsv-awbpitch")
    assert by_voices[("cs_festival_dita", "cs_festival_dita_p125")]["base"] == "gsv-cs_festival_dita"
    loser = ({"gsv-en_flite_awb", "gsv-awbpitch"} - {awb["base"]}).pop()
    assert plan["retire"] == [loser]
    st = plan["storage"]
    assert st["bases_before"] == 3 and st["bases_after"] == 2
    assert st["bytes_after"] < st["bytes_before"] and st["bytes_archived"] == st["bytes_before"] - st["bytes_after"]
    assert st["bytes_archived"] > 20_000_000                                     # a whole tiny SoVITS file

    applied = run_json(capsys, "--library", lib, "consolidate")
    bases, assigned, files = state(lib)
    assert loser not in [b[1] for b in bases]
    assert set(assigned.values()) >= {awb["base"], "gsv-cs_festival_dita"}
    versions = run_json(capsys, "--library", lib, "base-versions")
    assert {v["kind"] for v in versions} == {"adopted"} and len(versions) == 2
    src = {v["base_name"]: v["provenance"]["base"]["source_files"] for v in versions}
    assert src["gsv-cs_festival_dita"]["sovits"]["file"] == "cs_festival_dita_e8_s400.pth"       # source hashes kept
    assert len(src["gsv-cs_festival_dita"]["sovits"]["sha256"]) == 64
    assert main(["--library", lib, "base-rollback", str(versions[0]["cluster_id"])]) == 1         # nothing earlier
    out = run_json(capsys, "--library", lib, "base-export", "gsv-cs_festival_dita", str(tmp_path / "export"))
    from engine.backends.gptsovits.checkpoint import read_sovits_file

    exported, _ = read_sovits_file(out["sovits"])
    assert exported.variant == "v2ProPlus" and out["gpt"].endswith("gsv-cs_festival_dita-e0.ckpt")

    reverted = run_json(capsys, "--library", lib, "consolidate", "--revert")
    assert reverted["state"] == "reverted" and reverted["id"] == applied["archive"]
    assert state(lib) == original                                                 # exactly as before
    assert all(original[2].values())                                              # every weight file still there

    run_json(capsys, "--library", lib, "consolidate")
    from engine.api import Engine

    with Engine(library=lib) as eng:
        loser_blobs = [s for b in original[0] if b[1] == loser for _, s in b[3]]
        paths = [eng.library.blobs.path(s) for s in loser_blobs]
    assert all(p.is_file() for p in paths)                                        # archived, not deleted
    purged = run_json(capsys, "--library", lib, "consolidate", "--purge")
    assert purged["bytes_freed"] >= st["bytes_archived"] - 10_000 and not any(p.exists() for p in paths)
    capsys.readouterr()
    assert main(["--library", lib, "consolidate", "--revert"]) == 1              # nothing applied any more

    # with (tiny, random) pretrained assets linked, the real GPT-SoVITS pipeline serves evaluation and fine-tuning
    run_json(capsys, "--library", lib, "assets", "link", str(fake_gsv_assets))
    cid = awb["cluster_id"]
    ev = run_json(capsys, "--library", lib, "evaluate", "--cluster", str(cid))
    assert sorted(v["voice"] for v in ev["voices"]) == ["en_flite_awb", "en_flite_awb_m125"]
    assert {v["base"] for v in ev["voices"]} == {awb["base"]} and all(-1 <= v["sim_own"] <= 1 for v in ev["voices"])
    ft = run_json(capsys, "--library", lib, "finetune", str(cid), "--base", awb["base"], "--name", "awb-ft",
                  "--only", "gpt", "--gpt-steps", "2", "--batch-size", "2")
    assert ft["name"] == "awb-ft"
    from pathlib import Path

    from safetensors import safe_open

    feats = list((Path(lib) / "training" / "features").rglob("*.safetensors"))
    assert feats and not any("sv" in safe_open(str(f), "pt").keys() for f in feats)   # GPT only: no SV net run
    last = run_json(capsys, "--library", lib, "base-versions", str(cid))[-1]
    assert last["kind"] == "trained" and last["base_name"] == "awb-ft" and last["provenance"]["gpt_steps"] == 2
