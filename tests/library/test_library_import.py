"""Importers: .list datasets, folders, files; dedup; history; progress, cancel, rollback and crashes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from library_helpers import corpus_speakers, fingerprint, synth_speech, write

from engine.errors import ImportFailed, InvalidInput, StorageError
from engine.events import EventRecorder
from engine.library import doctor
from engine.library.importers import DUPLICATE, IMPORTED

REPO = Path(__file__).resolve().parents[2]


# -- the shared corpus through the GPT-SoVITS list ---------------------------------------------------
def test_corpus_list_imports_every_speaker_with_transcripts_and_languages(corpus_engine, corpus):
    report = corpus_engine.corpus_report
    truth = corpus_speakers(corpus)
    assert not report.rejected
    assert report.imported == sum(len(v) for v in truth.values())
    lib = corpus_engine.library
    assert sorted(lib.voice_names()) == sorted(truth)
    for name, lines in truth.items():
        v = lib.voice(name)
        assert [c.transcript for c in v.clips] == [" ".join(t.split()) for _, _, t in lines]
        assert [c.language for c in v.clips] == [lang for _, lang, _ in lines]
        assert v.language == lines[0][1]
        assert all(3.0 <= c.duration <= 10.0 for c in v.clips)
        assert lib.history(name)[0].action == "import"


def test_cli_voices_json_lists_the_corpus(corpus_engine, corpus, capsys):
    from engine.cli import main

    assert main(["--library", str(corpus_engine.library_path), "voices", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    truth = corpus_speakers(corpus)
    by_name = {v["name"]: v for v in data}
    assert set(by_name) == set(truth)
    for name, lines in truth.items():
        clips = by_name[name]["clips"]
        assert len(clips) == len(lines)
        assert {c["language"] for c in clips} == {lang for _, lang, _ in lines}
        assert all(c["transcript"] for c in clips)


def test_stats_median_voice_is_under_1_mb(corpus_engine, capsys):
    from engine.cli import main

    assert main(["--library", str(corpus_engine.library_path), "stats", "--json"]) == 0
    s = json.loads(capsys.readouterr().out)
    assert s["voices"] == 17 and s["clips"] == 136
    assert s["median_voice_bytes"] <= 1_000_000
    per = {v["name"]: v["stored_bytes"] for v in s["per_voice"]}
    lib = corpus_engine.library
    for name, size in per.items():
        assert size == lib.voice_stored_bytes(name) == sum(lib.blobs.size(c.sha256) for c in lib.voice(name).clips)
    assert s["clip_bytes"] == sum(per.values())  # no two corpus voices share a clip
    assert s["total_bytes"] >= s["blob_bytes"] >= s["clip_bytes"]


def test_reimport_stores_nothing_and_makes_no_new_versions(corpus_engine, corpus):
    lib = corpus_engine.library
    before = fingerprint(lib)
    report = corpus_engine.importer.import_paths([corpus / "dataset.list"])
    assert report.imported == 0 and report.duplicates == 136 and not report.rejected
    assert report.stored_bytes == 0
    assert {v.status for v in report.voices} == {"unchanged"}
    assert fingerprint(lib) == before
    assert doctor.check(lib).clean


# -- .list details ----------------------------------------------------------------------------------
def _list_with_problems(tmp_path: Path, corpus: Path) -> Path:
    d = tmp_path / "dataset"
    d.mkdir()
    files = []
    for i, spk in enumerate(("en_flite_awb", "zh_espeak_steph")):
        for n in (1, 2):
            dst = d / f"{spk}_{n}.flac"
            shutil.copy(corpus / "clips" / spk / f"0{n}.flac", dst)
            files.append(dst)
    (d / "noise.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    lines = [
        f"D:\\GPT-SoVITS\\output\\slicer_opt\\{files[0].name}|awb|EN|First line.",  # Windows path, upper case
        f"{files[1].name}|awb|en|Second line.",
        f"{files[2]}|steph|all_zh|第一句。",  # absolute path, all_zh
        "",
        "missing.wav|steph|zh|gone",  # line 5: missing audio
        "only|three|fields",  # line 6: malformed
        f"{files[3].name}|steph|klingon|bad language",  # line 7
        "noise.wav|steph|zh|not audio",  # line 8
        f"slicer_opt\\{files[3].name}|steph|ZH|第二句。",  # line 9: relative Windows path
    ]
    lst = d / "train.list"
    lst.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return lst


def test_list_lines_with_problems_are_rejected_by_line_and_the_rest_imports(engine, tmp_path, corpus):
    lst = _list_with_problems(tmp_path, corpus)
    report = engine.importer.import_paths([lst])
    rejected = {f.line: f.reason for f in report.rejected}
    assert set(rejected) == {5, 6, 7, 8}
    assert "line 5" in rejected[5] and "not found" in rejected[5]
    assert "line 6" in rejected[6] and "path|speaker|language|text" in rejected[6]
    assert "line 7" in rejected[7] and "klingon" in rejected[7]
    assert "line 8" in rejected[8] and "not audio" in rejected[8]
    lib = engine.library
    awb, steph = lib.voice("awb"), lib.voice("steph")
    assert [c.transcript for c in awb.clips] == ["First line.", "Second line."]
    assert [c.language for c in awb.clips] == ["en", "en"]
    assert [c.transcript for c in steph.clips] == ["第一句。", "第二句。"]
    assert [c.language for c in steph.clips] == ["zh", "zh"]
    assert doctor.check(lib).clean


def test_list_with_voice_option_puts_everything_in_one_voice(engine, tmp_path, corpus):
    lst = _list_with_problems(tmp_path, corpus)
    report = engine.importer.import_paths([lst], voice="Everyone")
    assert engine.library.voice_names() == ["Everyone"]
    assert len(engine.library.voice("Everyone").clips) == 4
    assert len(report.rejected) == 4


def test_non_utf8_list_is_rejected(engine, tmp_path):
    lst = tmp_path / "latin1.list"
    lst.write_bytes("a.wav|spk|en|caf\xe9\n".encode("latin-1"))
    report = engine.importer.import_paths([lst])
    assert report.rejected and "UTF-8" in report.rejected[0].reason
    assert engine.library.voice_names() == []


def test_unicode_paths_and_names(engine, tmp_path, corpus):
    d = tmp_path / "データ" / "voix"
    d.mkdir(parents=True)
    shutil.copy(corpus / "clips" / "ja_espeak_jacky" / "01.flac", d / "一番.flac")
    lst = d / "リスト.list"
    lst.write_text("一番.flac|ジャッキー|ja|こんにちは\n", encoding="utf-8")
    report = engine.importer.import_paths([lst])
    assert report.imported == 1
    v = engine.library.voice("ジャッキー")
    assert v.clips[0].transcript == "こんにちは"
    assert engine.library.clip_path(v.clips[0]).is_file()


# -- folders and files ------------------------------------------------------------------------------
def test_folder_import_one_voice_per_subfolder_with_emotions_and_sidecars(engine, speaker_dir):
    (speaker_dir / "en_flite_awb" / "happy").mkdir()
    shutil.move(speaker_dir / "en_flite_awb" / "01.flac", speaker_dir / "en_flite_awb" / "happy" / "01.flac")
    shutil.move(speaker_dir / "en_flite_awb" / "02.flac", speaker_dir / "en_flite_awb" / "02_sad.flac")
    (speaker_dir / "en_flite_awb" / "03.txt").write_text("Our team scored the winning goal.\n", encoding="utf-8")
    report = engine.importer.import_paths([speaker_dir], language="en")
    assert not report.rejected
    lib = engine.library
    assert sorted(lib.voice_names()) == ["en_flite_awb", "zh_espeak_steph"]
    awb = lib.voice("en_flite_awb")
    assert len(awb.clips) == 8
    by_src = {Path(c.source_path).name: c for c in awb.clips}
    assert by_src["01.flac"].emotion == "happy" and by_src["01.flac"].emotion_source == "import"
    assert by_src["02_sad.flac"].emotion == "sad"
    assert by_src["03.flac"].transcript == "Our team scored the winning goal."
    assert by_src["04.flac"].emotion is None and by_src["04.flac"].transcript == ""
    assert {c.language for c in awb.clips} == {"en"}


def test_folder_with_voice_option_and_emotion_flag(engine, speaker_dir):
    report = engine.importer.import_paths([speaker_dir], voice="Mix", emotion="calm")
    assert report.imported == 16
    v = engine.library.voice("Mix")
    assert len(v.clips) == 16 and {c.emotion for c in v.clips} == {"neutral"}


def test_loose_files_need_a_voice_name(engine, corpus):
    f = corpus / "clips" / "en_flite_awb" / "01.flac"
    with pytest.raises(InvalidInput, match="--voice"):
        engine.importer.import_paths([f])
    report = engine.importer.import_paths([f], voice="Awb", language="EN")
    assert report.imported == 1 and engine.library.voice("awb").clips[0].language == "en"


def test_same_audio_in_another_voice_is_stored_once(engine, corpus):
    f = corpus / "clips" / "en_flite_awb" / "01.flac"
    a = engine.importer.import_paths([f], voice="A")
    b = engine.importer.import_paths([f, f], voice="B")  # twice in one import, too
    assert a.stored_bytes > 0 and b.stored_bytes == 0
    assert [x.status for x in b.files] == [IMPORTED, DUPLICATE]
    assert len(list(engine.library.blobs.iter_shas())) == 1


def test_long_recording_becomes_several_clips(engine, corpus, tmp_path):
    import soundfile as sf

    parts = [sf.read(corpus / "clips" / "it_festival_pc" / f"0{i}.flac", dtype="float32")[0] for i in (1, 2, 3)]
    path = write(tmp_path / "monologue.wav", np.concatenate(parts), 16000)
    report = engine.importer.import_paths([path], voice="Pc")
    assert len(report.files[0].clips) == 3
    clips = engine.library.voice("Pc").clips
    assert len(clips) == 3 and all(3 <= c.duration <= 10 for c in clips)


def test_import_adds_versions_and_revert_restores(engine, corpus):
    src = corpus / "clips" / "en_flite_kal16"
    engine.importer.import_paths([src / "01.flac", src / "02.flac"], voice="Kal")
    engine.importer.import_paths([src / "03.flac"], voice="Kal")
    lib = engine.library
    hist = lib.history("Kal")
    assert [(h.version, h.action) for h in hist] == [(1, "import"), (2, "import")]
    assert len(lib.voice("Kal").clips) == 3
    reverted = lib.revert("Kal", 1)
    assert len(reverted.clips) == 2 and reverted.version == 3
    assert doctor.check(lib).clean  # the removed clip's blob is kept for the history


# -- progress, cancel, failures ---------------------------------------------------------------------
def test_progress_events_and_callback(engine, speaker_dir):
    rec = EventRecorder(engine.events, "import.progress")
    seen = []
    engine.importer.import_paths([speaker_dir], progress=lambda d, t, p: seen.append((d, t, p)))
    events = rec.of("import.progress")
    assert [e.data["done"] for e in events] == list(range(1, 17))
    assert {e.data["total"] for e in events} == {16}
    assert [s[:2] for s in seen] == [(e.data["done"], e.data["total"]) for e in events]
    assert all(Path(e.data["path"]).suffix == ".flac" for e in events)


def test_cancel_keeps_finished_voices_and_nothing_of_the_unfinished_one(engine, speaker_dir):
    cancel = threading.Event()

    def progress(done, total, path):
        if done == 11:  # 3 files into the second voice
            cancel.set()

    report = engine.importer.import_paths([speaker_dir], progress=progress, cancel=cancel)
    assert report.cancelled
    lib = engine.library
    assert lib.voice_names() == ["en_flite_awb"]
    statuses = {f.path: f.status for f in report.files}
    assert sum(1 for s in statuses.values() if s == "cancelled") == 8
    rep = doctor.check(lib)
    assert rep.clean, rep.to_dict()
    assert len(list(lib.blobs.iter_shas())) == 8


def test_cancel_from_another_thread(engine, speaker_dir):
    cancel = threading.Event()
    started = threading.Event()
    result = {}

    def progress(done, total, path):
        started.set()
        cancel.wait(5)  # the worker waits here until the "GUI" cancels

    def worker():
        result["report"] = engine.importer.import_paths([speaker_dir], progress=progress, cancel=cancel)

    t = threading.Thread(target=worker)
    t.start()
    assert started.wait(30)
    cancel.set()
    t.join(60)
    assert result["report"].cancelled
    assert engine.library.voice_names() == []
    assert doctor.check(engine.library).clean


def test_exception_after_some_blobs_rolls_the_voice_back(engine, speaker_dir):
    lib = engine.library
    engine.importer.import_paths([speaker_dir / "en_flite_awb"], voice="Kept")
    before = fingerprint(lib)

    def boom(done, total, path):
        if done == 4:
            raise RuntimeError("injected")

    with pytest.raises(RuntimeError, match="injected"):
        engine.importer.import_paths([speaker_dir / "zh_espeak_steph"], voice="Lost", progress=boom)
    assert fingerprint(lib) == before
    assert doctor.check(lib).clean


def test_storage_error_mid_import_fails_cleanly(engine, speaker_dir, monkeypatch):
    lib = engine.library
    before = fingerprint(lib)
    real = lib.blobs.put_bytes
    calls = {"n": 0}

    def flaky(data):
        calls["n"] += 1
        if calls["n"] == 3:
            raise StorageError("The disk is full while writing a blob.", hint="Free some space.")
        return real(data)

    monkeypatch.setattr(lib.blobs, "put_bytes", flaky)
    with pytest.raises(ImportFailed, match="rolled back: The disk is full") as info:
        engine.importer.import_paths([speaker_dir / "en_flite_awb"], voice="Full")
    assert info.value.report.voices[-1].status == "rolled-back"
    assert fingerprint(lib) == before
    assert doctor.check(lib).clean


@pytest.mark.parametrize("case", ["truncated", "empty", "non-audio", "nan", "huge-header", "silent", "clipped", "short"])
def test_bad_input_gives_a_clear_error_and_an_unchanged_library(engine, tmp_path, corpus, case, capsys):
    import io
    import struct

    import soundfile as sf

    from engine.audio.io import encode_flac
    from engine.cli import main

    engine.importer.import_paths([corpus / "clips" / "en_flite_awb" / "01.flac"], voice="Existing")
    lib = engine.library
    before = fingerprint(lib)
    sr = 16000
    p = tmp_path / f"{case}.wav"
    expect = {
        "truncated": "damaged or truncated", "empty": "empty", "non-audio": "not audio", "nan": "NaN",
        "huge-header": "of speech; a reference needs at least 3 s", "silent": "silent", "clipped": "clipped beyond repair",
        "short": "of speech; a reference needs at least 3 s",
    }[case]
    if case == "truncated":
        p = p.with_suffix(".flac")
        data = encode_flac(synth_speech(5, sr), sr)
        p.write_bytes(data[: len(data) * 2 // 3])
    elif case == "empty":
        p.write_bytes(b"")
    elif case == "non-audio":
        p.write_bytes(os.urandom(4096))
    elif case == "nan":
        x = synth_speech(5, sr)
        x[5000] = np.nan
        write(p, x, sr, subtype="FLOAT")
    elif case == "huge-header":
        buf = io.BytesIO()
        sf.write(buf, synth_speech(0.1, sr, lead=0, tail=0), sr, format="WAV")
        data = bytearray(buf.getvalue())
        i = data.find(b"data")
        data[i + 4:i + 8] = struct.pack("<I", 0xFFFFFFF0)  # claims 4 GB of samples
        p.write_bytes(bytes(data))
    elif case == "silent":
        write(p, np.zeros(sr * 6, np.float32), sr)
    elif case == "clipped":
        write(p, np.clip(synth_speech(6, sr) * 20, -1, 1), sr)
    elif case == "short":
        write(p, synth_speech(2.0, sr), sr)
    capsys.readouterr()
    rc = main(["--library", str(lib.root), "import", str(p), "--voice", "Existing"])
    err = capsys.readouterr().err
    assert rc == 1
    assert expect in err and p.name in err
    rc = main(["--library", str(lib.root), "import", str(p), "--voice", "Brand new"])
    assert rc == 1
    assert fingerprint(lib) == before
    assert "Brand new" not in lib.voice_names()


def test_folder_with_one_bad_file_imports_the_rest(engine, speaker_dir):
    (speaker_dir / "en_flite_awb" / "broken.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEfmt garbage")
    report = engine.importer.import_paths([speaker_dir / "en_flite_awb"], voice="Awb")
    assert [f.path for f in report.rejected] == [str(speaker_dir / "en_flite_awb" / "broken.wav")]
    assert len(engine.library.voice("Awb").clips) == 8


def test_voice_whose_every_file_is_rejected_is_not_created(engine, tmp_path):
    write(tmp_path / "v" / "a.wav", np.zeros(16000 * 4, np.float32), 16000)
    report = engine.importer.import_paths([tmp_path / "v"], voice="Nobody")
    assert report.voices[0].status == "rejected"
    assert engine.library.voice_names() == []


_KILL_SCRIPT = r"""
import sys, time
from engine.api import Engine
from engine.settings import Settings
lib, src, settings = sys.argv[1:4]
def progress(done, total, path):
    if done == 4:
        print("READY", flush=True)
        time.sleep(120)
with Engine(library=lib, settings=Settings(settings)) as eng:
    eng.importer.import_paths([src], voice="Doomed", progress=progress)
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_mid_import_leaves_a_consistent_library_that_doctor_tidies(engine, speaker_dir, tmp_path):
    lib = engine.library
    engine.importer.import_paths([speaker_dir / "zh_espeak_steph"], voice="Survivor")
    before = fingerprint(lib)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen(
        [sys.executable, "-c", _KILL_SCRIPT, str(lib.root), str(speaker_dir / "en_flite_awb"), str(tmp_path / "s.json")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=str(REPO),
    )
    try:
        line = proc.stdout.readline()
        assert line.strip() == "READY", proc.stderr.read()
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(60)
    assert proc.returncode == -signal.SIGKILL
    # the catalog is as before: no half voice
    assert fingerprint(lib)[0] == before[0]
    assert "Doomed" not in lib.voice_names()
    rep = doctor.check(lib)
    assert rep.ok  # nothing is damaged...
    kinds = {f.kind for f in rep.tidy}
    assert kinds >= {"orphan-blob", "stale-journal"}  # ...and the leftovers are known tidy-ups
    assert all(f.repairable for f in rep.tidy if f.kind == "orphan-blob")
    fixed = doctor.repair(lib, grace_s=0)
    assert fixed.clean, fixed.to_dict()
    assert fingerprint(lib) == before
    # the same import now goes through
    report = engine.importer.import_paths([speaker_dir / "en_flite_awb"], voice="Doomed")
    assert report.imported == 8


def test_doctor_repair_during_an_import_leaves_its_blobs_alone(engine, speaker_dir):
    lib = engine.library
    paused, resume = threading.Event(), threading.Event()
    result = {}

    def progress(done, total, path):
        if done == 4:
            paused.set()
            resume.wait(30)

    def worker():
        result["report"] = engine.importer.import_paths([speaker_dir / "en_flite_awb"], voice="Busy", progress=progress)

    t = threading.Thread(target=worker)
    t.start()
    try:
        assert paused.wait(60)
        written = set(lib.blobs.iter_shas())
        assert len(written) == 4  # stored, not yet committed
        rep = doctor.repair(lib, grace_s=0)
        assert rep.imports_running == 1 and set(lib.blobs.iter_shas()) == written
    finally:
        resume.set()
        t.join(60)
    assert result["report"].imported == 8
    assert len(lib.voice("Busy").clips) == 8
    assert doctor.check(lib).clean


def test_dry_run_reports_like_an_import_and_changes_nothing(engine, tmp_path, corpus, capsys):
    from engine.cli import main

    lst = _list_with_problems(tmp_path, corpus)
    pack_src = corpus / "clips" / "en_flite_kal16"
    engine.importer.import_paths([pack_src / "01.flac", pack_src / "02.flac"], voice="Kal")
    pack = tmp_path / "kal.timbrel"
    engine.importer.export("Kal", pack)
    lib = engine.library
    before = fingerprint(lib)
    dry = engine.importer.import_paths([lst, pack], voice=None, dry_run=True)
    assert fingerprint(lib) == before
    assert dry.dry_run and {v.name: v.status for v in dry.voices} == {"awb": "would-create", "steph": "would-create"}
    assert len(dry.rejected) == 5  # the four bad lines and the pack's name clash
    real = engine.importer.import_paths([lst, pack])
    assert [(f.path, f.status) for f in dry.files] == [(f.path, f.status) for f in real.files]
    assert dry.stored_bytes == real.stored_bytes > 0
    assert dry.clips_added == real.clips_added == 4
    rc = main(["--library", str(lib.root), "import", str(pack), "--voice", "Kal 2", "--dry-run"])
    out = capsys.readouterr().out
    assert rc == 0 and "would be created with 2 clip(s)" in out and "nothing was changed" in out
    assert "Kal 2" not in lib.voice_names()
