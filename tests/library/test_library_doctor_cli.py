"""doctor, stats and the library CLI contract (names, --json, exit codes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine.cli import main
from engine.library import doctor
from engine.library.journal import ImportJournal
from engine.library.stats import library_stats

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def lib_engine(engine, corpus):
    src = corpus / "clips"
    engine.importer.import_paths([src / "en_flite_awb" / "01.flac", src / "en_flite_awb" / "02.flac"], voice="Awb")
    engine.importer.import_paths([src / "it_festival_pc" / "01.flac"], voice="Pc")
    return engine


def run(lib, *args, capsys) -> tuple[int, str, str]:
    rc = main(["--library", str(lib.root), *args])
    out = capsys.readouterr()
    return rc, out.out, out.err


def _old(path: Path) -> None:
    t = time.time() - 3600
    os.utime(path, (t, t))


# -- doctor -------------------------------------------------------------------------------------------
def test_healthy_library_is_clean(lib_engine, capsys):
    rc, out, _ = run(lib_engine.library, "doctor", "--json", capsys=capsys)
    d = json.loads(out)
    assert rc == 0 and d["ok"] and d["clean"] and d["checked"]["clips"] == 3


def test_damaged_blob_is_a_problem_not_repaired(lib_engine, capsys):
    lib = lib_engine.library
    clip = lib.voice("Awb").clips[0]
    path = lib.clip_path(clip)
    os.chmod(path, 0o644)
    data = bytearray(path.read_bytes())
    data[-5] ^= 0xFF
    path.write_bytes(bytes(data))
    rc, out, err = run(lib, "doctor", "--json", capsys=capsys)
    d = json.loads(out)
    assert rc == 1 and not d["ok"]
    assert [p["kind"] for p in d["problems"]] == ["corrupt-blob"] and d["problems"][0]["voices"] == ["Awb"]
    assert "problem" in err
    rc, out, _ = run(lib, "doctor", "--repair", "--json", capsys=capsys)
    assert rc == 1 and path.exists()  # never "repaired" by deleting a clip a voice needs
    rc, out, _ = run(lib, "doctor", "--quick", "--json", capsys=capsys)
    assert rc == 0  # --quick does not hash


def test_missing_blob_is_a_problem(lib_engine, capsys):
    lib = lib_engine.library
    clip = lib.voice("Pc").clips[0]
    lib.clip_path(clip).unlink()
    rc, out, _ = run(lib, "doctor", "--json", capsys=capsys)
    d = json.loads(out)
    assert rc == 1 and d["problems"][0]["kind"] == "missing-blob" and d["problems"][0]["voices"] == ["Pc"]


def test_orphans_temp_files_and_stale_rows_are_tidied_with_a_grace_period(lib_engine, capsys):
    lib = lib_engine.library
    old_orphan = lib.blobs.put_bytes(b"old orphan")
    new_orphan = lib.blobs.put_bytes(b"new orphan")
    _old(lib.blobs.path(old_orphan))
    tmp = lib.blobs.tmp_dir / "w-leftover"
    tmp.write_bytes(b"half")
    _old(tmp)
    ghost = lib.blobs.put_bytes(b"ghost")
    lib.register_blob(ghost, "other")
    lib.blobs.delete(ghost)
    rep = doctor.check(lib)
    assert rep.ok and not rep.clean
    assert {f.kind for f in rep.tidy} == {"orphan-blob", "temp-file", "stale-blob-row"}
    rc, out, _ = run(lib, "doctor", "--repair", "--json", capsys=capsys)
    d = json.loads(out)
    assert rc == 0 and d["repaired"]
    assert not lib.blobs.exists(old_orphan) and not tmp.exists()
    assert lib.blobs.exists(new_orphan)  # younger than the grace period: kept
    assert [f["kind"] for f in d["tidy"]] == ["orphan-blob"]
    assert lib.catalog.scalar("SELECT COUNT(*) FROM blobs WHERE sha256 = ?", (ghost,)) == 0
    assert doctor.repair(lib, grace_s=0).clean


def test_blobs_of_a_running_import_are_never_removed(lib_engine):
    lib = lib_engine.library
    sha = lib.blobs.put_bytes(b"being imported")
    _old(lib.blobs.path(sha))
    with ImportJournal(lib.root, "busy") as j:
        j.record(sha)
        rep = doctor.repair(lib, grace_s=0)
        assert lib.blobs.exists(sha) and rep.imports_running == 1
    rep = doctor.repair(lib, grace_s=0)
    assert not lib.blobs.exists(sha) and rep.clean


def test_size_mismatch_is_repaired(lib_engine):
    lib = lib_engine.library
    sha = lib.voice("Pc").clips[0].sha256
    with lib.catalog.transaction() as c:
        c.execute("UPDATE blobs SET size = 1 WHERE sha256 = ?", (sha,))
    assert [f.kind for f in doctor.check(lib).problems] == ["size-mismatch"]
    assert doctor.repair(lib).clean
    assert lib.catalog.scalar("SELECT size FROM blobs WHERE sha256 = ?", (sha,)) == lib.blobs.size(sha)


# -- stats --------------------------------------------------------------------------------------------
def test_stats_count_shared_blobs_per_voice_and_history(lib_engine, corpus, capsys):
    lib = lib_engine.library
    lib_engine.importer.import_paths([corpus / "clips" / "it_festival_pc" / "01.flac"], voice="Pc twin")
    s = library_stats(lib)
    per = {v["name"]: v for v in s["per_voice"]}
    assert per["Pc twin"]["stored_bytes"] == per["Pc"]["stored_bytes"] > 0
    assert s["clip_bytes"] == per["Awb"]["stored_bytes"] + per["Pc"]["stored_bytes"]  # shared blob once
    with lib.edit("Awb") as ed:
        ed.remove_clip(lib.voice("Awb").clips[0].id)
    s2 = library_stats(lib)
    assert s2["history_only_bytes"] > 0
    assert s2["clips"] == 3 and s2["voices"] == 3
    rc, out, _ = run(lib, "stats", capsys=capsys)
    assert rc == 0 and "per voice: median" in out and "Pc twin" in out


# -- the CLI contract ---------------------------------------------------------------------------------
def test_voice_management_commands(lib_engine, capsys):
    lib = lib_engine.library
    rc, out, _ = run(lib, "rename", "Awb", "Alan", "--json", capsys=capsys)
    assert rc == 0 and json.loads(out)["name"] == "Alan"
    rc, out, _ = run(lib, "tag", "Alan", "male", "british", "--json", capsys=capsys)
    assert rc == 0 and json.loads(out)["tags"] == ["british", "male"]
    rc, out, _ = run(lib, "untag", "Alan", "british", "--json", capsys=capsys)
    assert json.loads(out)["tags"] == ["male"]
    clip = lib.voice("Alan").clips[0]
    rc, out, _ = run(lib, "clip", "set", str(clip.id), "--emotion", "angry", "--transcript", "  Hello   there ",
                     "--lang", "EN", "--json", capsys=capsys)
    c = json.loads(out)
    assert rc == 0 and (c["emotion"], c["emotion_source"], c["transcript"], c["language"]) == ("angry", "user", "Hello there", "en")
    rc, _, err = run(lib, "clip", "set", str(clip.id), "--emotion", "smug", capsys=capsys)
    assert rc == 1 and "smug" in err
    rc, out, _ = run(lib, "clip", "remove", str(clip.id), capsys=capsys)
    assert rc == 0 and len(lib.voice("Alan").clips) == 1
    rc, out, _ = run(lib, "history", "Alan", "--json", capsys=capsys)
    actions = [h["action"] for h in json.loads(out)]
    assert actions == ["import", "rename", "tag", "tag", "clip", "clip"]
    rc, out, _ = run(lib, "diff", "Alan", "1", "--json", capsys=capsys)
    d = json.loads(out)
    assert d["fields"]["name"] == {"from": "Awb", "to": "Alan"} and len(d["clips_removed"]) == 1
    rc, out, _ = run(lib, "revert", "Alan", "1", "--json", capsys=capsys)
    v = json.loads(out)
    assert rc == 0 and v["name"] == "Awb" and len(v["clips"]) == 2 and v["tags"] == []
    rc, out, _ = run(lib, "show", "Awb", "--json", capsys=capsys)
    assert json.loads(out)["version"] == 7  # the failed change recorded nothing


def test_delete_needs_yes_and_frees_unshared_audio(lib_engine, capsys):
    lib = lib_engine.library
    before = set(lib.blobs.iter_shas())
    rc, _, err = run(lib, "delete", "Pc", capsys=capsys)
    assert rc == 1 and "--yes" in err and "Pc" in lib.voice_names()
    rc, out, _ = run(lib, "delete", "Pc", "--yes", "--json", capsys=capsys)
    d = json.loads(out)
    assert rc == 0 and d["blobs_removed"] == 1 and d["bytes_freed"] > 0
    assert lib.voice_names() == ["Awb"]
    assert len(set(lib.blobs.iter_shas())) == len(before) - 1
    assert doctor.check(lib).clean


def test_export_command_and_user_errors(lib_engine, tmp_path, capsys):
    lib = lib_engine.library
    out_file = tmp_path / "awb.timbrel"
    rc, out, _ = run(lib, "export", "Awb", "-o", str(out_file), "--json", capsys=capsys)
    assert rc == 0 and json.loads(out)["clips"] == 2 and out_file.is_file()
    rc, _, err = run(lib, "export", "Awb", "-o", str(out_file), capsys=capsys)
    assert rc == 1 and "already exists" in err and "--force" in err
    rc, _, err = run(lib, "show", "Nobody", capsys=capsys)
    assert rc == 1 and "no voice named 'Nobody'" in err and "hint:" in err
    rc, _, err = run(lib, "import", str(tmp_path / "nothing-here.wav"), "--voice", "X", capsys=capsys)
    assert rc == 1 and "no such file" in err
    rc, _, err = run(lib, "import", str(out_file), "--lang", "klingon", capsys=capsys)
    assert rc == 1 and "klingon" in err


def test_usage_errors_exit_2(lib_engine):
    for argv in (["import"], ["export", "Awb"], ["revert", "Awb", "one"], ["doctor", "--bogus"], ["clip"]):
        with pytest.raises(SystemExit) as e:
            main(["--library", str(lib_engine.library.root), *argv])
        assert e.value.code == 2


def test_import_json_report(engine, corpus, capsys, tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"nope")
    rc, out, err = run(engine.library, "import", str(corpus / "clips" / "en_flite_awb" / "01.flac"), str(bad),
                       "--voice", "Awb", "--json", capsys=capsys)
    d = json.loads(out)
    assert rc == 1  # one file rejected (the other imported): scripts can tell
    assert d["imported"] == 1 and d["rejected"] == 1 and d["clips_added"] == 1
    assert {f["status"] for f in d["files"]} == {"imported", "rejected"}
    assert "rejected" in err and "bad.wav" in err


def test_library_modules_do_not_import_torch():
    code = (
        "import sys\n"
        "import engine.library.importers, engine.library.packs, engine.library.doctor, engine.library.stats\n"
        "import engine.audio.ingest, engine.cli.library_cmds\n"
        "assert 'torch' not in sys.modules, 'torch imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=str(REPO), env=dict(os.environ, PYTHONPATH=str(REPO)))


def test_reimporting_the_source_repairs_a_damaged_blob(lib_engine, corpus):
    lib = lib_engine.library
    clip = lib.voice("Pc").clips[0]
    path = lib.clip_path(clip)
    os.chmod(path, 0o644)
    path.write_bytes(path.read_bytes()[:-100] + b"\0" * 100)
    assert [f.kind for f in doctor.check(lib).problems] == ["corrupt-blob"]
    report = lib_engine.importer.import_paths([corpus / "clips" / "it_festival_pc" / "01.flac"], voice="Pc")
    assert report.duplicates == 1 and any("replaced" in w for w in report.files[0].warnings)
    assert doctor.check(lib).clean


def test_clip_rows_that_disagree_with_their_audio_are_corrected(lib_engine):
    lib = lib_engine.library
    clip = lib.voice("Awb").clips[1]
    with lib.catalog.transaction() as c:
        c.execute("UPDATE clips SET duration = 99.0, sample_rate = 44100 WHERE id = ?", (clip.id,))
    problems = doctor.check(lib).problems
    assert [f.kind for f in problems] == ["clip-metadata"] and problems[0].voices == ["Awb"]
    rep = lib.check(repair=True)
    assert rep.clean
    fixed = lib.clip(clip.id)
    assert fixed.sample_rate == 16000 and fixed.duration == pytest.approx(clip.duration, abs=1e-3)
    assert lib.history("Awb")[-1].action == "repair"
